-- The last message of a station refused for a "ts" further ahead of the
-- hub's clock than it allows: when the hub refused it (0: never) and by how
-- much the stamp was ahead (microseconds). The operator's pages name a
-- station whose clock is refused; nothing else reads them. Written apart
-- from the rest of the state, which such a station's messages cannot change.
ALTER TABLE mobility_station_state ADD COLUMN ahead_refused_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mobility_station_state ADD COLUMN ahead_refused_us INTEGER NOT NULL DEFAULT 0;
