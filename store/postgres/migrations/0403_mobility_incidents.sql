-- Incidents an operator must look at, such as a station confirming an unlock
-- after the hub stopped waiting (a bike out without a ride). One per kind,
-- station and request, however often the station repeats itself; no foreign
-- key, so an incident outlives a deleted station or ride.
CREATE TABLE mobility_incidents (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    station_id  TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    ride_id     TEXT NOT NULL DEFAULT '',
    bike_id     TEXT NOT NULL DEFAULT '',
    dock        INTEGER NOT NULL DEFAULT 0,
    raised_at   TIMESTAMPTZ NOT NULL,
    resolved_at TIMESTAMPTZ,
    resolved_by TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX mobility_incidents_request ON mobility_incidents (kind, station_id, request_id);
CREATE INDEX mobility_incidents_raised ON mobility_incidents (raised_at);
