-- Mobility: the bikesharing catalogue (pricing plans, vehicle types, stations,
-- docks, bikes), the live state stations report over MQTT, occupancy samples
-- for charts, and rides.

CREATE TABLE mobility_pricing_plans (
    id             TEXT PRIMARY KEY,
    name_it        TEXT NOT NULL,
    name_en        TEXT NOT NULL,
    description_it TEXT NOT NULL DEFAULT '',
    description_en TEXT NOT NULL DEFAULT '',
    unlock_cents   BIGINT NOT NULL CHECK (unlock_cents >= 0),
    per_min        JSONB NOT NULL DEFAULT '[]',
    updated_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE mobility_vehicle_types (
    id               TEXT PRIMARY KEY,
    name_it          TEXT NOT NULL,
    name_en          TEXT NOT NULL,
    propulsion       TEXT NOT NULL,
    max_range_meters INTEGER NOT NULL DEFAULT 0,
    pricing_plan_id  TEXT NOT NULL REFERENCES mobility_pricing_plans (id),
    updated_at       TIMESTAMPTZ NOT NULL
);

CREATE TABLE mobility_stations (
    id         TEXT PRIMARY KEY,
    name_it    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    address    TEXT NOT NULL DEFAULT '',
    lat        DOUBLE PRECISION NOT NULL,
    lon        DOUBLE PRECISION NOT NULL,
    capacity   INTEGER NOT NULL CHECK (capacity > 0),
    open       BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE mobility_docks (
    station_id TEXT NOT NULL REFERENCES mobility_stations (id) ON DELETE CASCADE,
    dock       INTEGER NOT NULL,
    in_service BOOLEAN NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (station_id, dock)
);

CREATE TABLE mobility_bikes (
    id              TEXT PRIMARY KEY,
    vehicle_type_id TEXT NOT NULL REFERENCES mobility_vehicle_types (id),
    active          BOOLEAN NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);

-- Live state as the station last reported it. No foreign key: telemetry of a
-- station not yet registered is kept, so it shows up once registered.
CREATE TABLE mobility_station_state (
    station_id    TEXT PRIMARY KEY,
    online        BOOLEAN NOT NULL DEFAULT FALSE,
    online_at     TIMESTAMPTZ,
    last_reported TIMESTAMPTZ,
    docks         JSONB NOT NULL DEFAULT '[]',
    faults        JSONB NOT NULL DEFAULT '[]',
    empty_since   TIMESTAMPTZ,
    full_since    TIMESTAMPTZ,
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE mobility_occupancy (
    station_id TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    bikes      INTEGER NOT NULL,
    free_docks INTEGER NOT NULL,
    PRIMARY KEY (station_id, at)
);

CREATE TABLE mobility_rides (
    id              TEXT PRIMARY KEY,
    command_id      TEXT NOT NULL UNIQUE,
    rider_id        TEXT NOT NULL,
    bike_id         TEXT NOT NULL,
    start_station   TEXT NOT NULL,
    start_dock      INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'active', 'ended', 'failed')),
    pricing_plan_id TEXT NOT NULL,
    plan            JSONB NOT NULL,
    deadline        TIMESTAMPTZ NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    started_at      TIMESTAMPTZ,
    ended_at        TIMESTAMPTZ,
    end_station     TEXT NOT NULL DEFAULT '',
    end_dock        INTEGER NOT NULL DEFAULT 0,
    fare_cents      BIGINT NOT NULL DEFAULT 0,
    unsettled       BOOLEAN NOT NULL DEFAULT FALSE,
    ledger_tx_id    TEXT NOT NULL DEFAULT '',
    failure_reason  TEXT NOT NULL DEFAULT ''
);
-- One open ride per rider and per bike, whichever hub replica asks.
CREATE UNIQUE INDEX mobility_rides_open_rider ON mobility_rides (rider_id) WHERE status IN ('pending', 'active');
CREATE UNIQUE INDEX mobility_rides_open_bike ON mobility_rides (bike_id) WHERE status IN ('pending', 'active');
CREATE INDEX mobility_rides_rider ON mobility_rides (rider_id, created_at DESC);
