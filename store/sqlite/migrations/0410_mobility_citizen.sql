-- What citizens keep or say about stations: favourite stations per account,
-- and fault reports on a bike or dock, stored as incidents (kind
-- citizen_report) with who reported them and what they said. Timestamps are
-- INTEGER Unix microseconds (UTC).
ALTER TABLE mobility_incidents ADD COLUMN reported_by TEXT NOT NULL DEFAULT '';
ALTER TABLE mobility_incidents ADD COLUMN description TEXT NOT NULL DEFAULT '';
CREATE INDEX mobility_incidents_reporter ON mobility_incidents (reported_by) WHERE reported_by <> '' AND resolved_at IS NULL;

CREATE TABLE mobility_favourites (
    account_id TEXT NOT NULL,
    station_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, station_id)
);
