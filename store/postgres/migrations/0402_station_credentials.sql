-- Each station's broker account: the username is the station id, the secret
-- is kept only as an argon2id hash (emptied when revoked). The row goes with
-- its station.
CREATE TABLE mobility_station_credentials (
    station_id  TEXT PRIMARY KEY REFERENCES mobility_stations (id) ON DELETE CASCADE,
    secret_hash TEXT NOT NULL,
    issued_at   TIMESTAMPTZ NOT NULL,
    issued_by   TEXT NOT NULL,
    generation  INTEGER NOT NULL,
    revoked_at  TIMESTAMPTZ,
    revoked_by  TEXT NOT NULL DEFAULT ''
);
