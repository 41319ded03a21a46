-- The last message of a station refused for a "ts" further ahead of the
-- hub's clock than it allows: when the hub refused it and by how much the
-- stamp was ahead (microseconds). The operator's pages name a station whose
-- clock is refused; nothing else reads them. Written apart from the rest of
-- the state, which such a station's messages cannot change.
ALTER TABLE mobility_station_state
    ADD COLUMN ahead_refused_at TIMESTAMPTZ,
    ADD COLUMN ahead_refused_us BIGINT NOT NULL DEFAULT 0;
