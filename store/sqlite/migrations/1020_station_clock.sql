-- What the hub has learnt of each station's clock from its messages (the
-- least delay, receipt minus "ts", of the current window of messages and
-- of the one before), so that a station whose clock runs behind or ahead
-- is judged by the hub's time. A station that never sent a counted
-- message has clock_window_at 0, and its "ts" is taken as it is.
ALTER TABLE mobility_station_state ADD COLUMN clock_window_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mobility_station_state ADD COLUMN clock_least_us INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mobility_station_state ADD COLUMN clock_previous_us INTEGER NOT NULL DEFAULT 0;
