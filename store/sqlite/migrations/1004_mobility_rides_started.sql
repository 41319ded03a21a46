-- The rides started in a period (RideStarts) by an index, not by reading
-- every ride ever (see the PostgreSQL migration of the same number).
CREATE INDEX mobility_rides_started ON mobility_rides (started_at);
