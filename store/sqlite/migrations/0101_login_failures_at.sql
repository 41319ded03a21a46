-- Failed logins are pruned by age on every failure; an index on the time
-- keeps that a range delete instead of a scan of the whole table.
CREATE INDEX login_failures_at ON login_failures (at);
