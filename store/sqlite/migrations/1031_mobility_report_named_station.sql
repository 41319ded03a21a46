-- A citizen's report of a bike the hub saw docked at another station than
-- the one named goes to the station the bike is at (station_id); the
-- station the citizen named is kept here, '' when they are the same.
ALTER TABLE mobility_incidents ADD COLUMN named_station_id TEXT NOT NULL DEFAULT '';
