-- A ticket admits its holder to its own performance only, from the doors
-- opening until the end (INTEGER Unix microseconds UTC). Performances
-- scheduled before this migration get the defaults the hub applies to new
-- ones: doors two hours before the start, an end three hours after it.
-- SQLite adds a NOT NULL column only with a default, so the columns start
-- at 0 and are filled at once; the hub checks the window on every write.
ALTER TABLE ticket_performances ADD COLUMN doors_open INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ticket_performances ADD COLUMN ends_at INTEGER NOT NULL DEFAULT 0;
UPDATE ticket_performances SET doors_open = starts_at - 7200000000, ends_at = starts_at + 10800000000;
-- The door's list: a venue's performances that have not ended.
CREATE INDEX ticket_performances_venue_end ON ticket_performances (venue_id, ends_at);
