-- The reports page counts the rides started in its last 30 days
-- (RideStarts). With no index on started_at that read every ride ever:
-- 70 ms at 300,000 rides (about two years of a city's bikeshare), 5 ms
-- with it, growing with every season instead of with the period.
CREATE INDEX mobility_rides_started ON mobility_rides (started_at);
