-- Each bike counts its ended rides, so feeds read the count from the bike
-- instead of counting rides; open and pending rides get their own indexes,
-- since every unlock and every snapshot looks for them.
ALTER TABLE mobility_bikes ADD COLUMN trips INTEGER NOT NULL DEFAULT 0;
UPDATE mobility_bikes SET trips = (SELECT count(*) FROM mobility_rides r WHERE r.bike_id = mobility_bikes.id AND r.status = 'ended');
CREATE INDEX mobility_rides_pending ON mobility_rides (deadline) WHERE status = 'pending';
CREATE INDEX mobility_rides_open ON mobility_rides (created_at) WHERE status IN ('pending', 'active');
