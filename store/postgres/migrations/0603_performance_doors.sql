-- A ticket admits its holder to its own performance only, from the doors
-- opening until the end. Performances scheduled before this migration get
-- the defaults the hub applies to new ones: doors two hours before the
-- start, an end three hours after it.
ALTER TABLE ticket_performances ADD COLUMN doors_open TIMESTAMPTZ;
ALTER TABLE ticket_performances ADD COLUMN ends_at TIMESTAMPTZ;
UPDATE ticket_performances SET doors_open = starts_at - INTERVAL '2 hours', ends_at = starts_at + INTERVAL '3 hours';
ALTER TABLE ticket_performances ALTER COLUMN doors_open SET NOT NULL;
ALTER TABLE ticket_performances ALTER COLUMN ends_at SET NOT NULL;
ALTER TABLE ticket_performances ADD CONSTRAINT ticket_performances_door_window
    CHECK (doors_open <= starts_at AND ends_at > starts_at);
-- The door's list: a venue's performances that have not ended.
CREATE INDEX ticket_performances_venue_end ON ticket_performances (venue_id, ends_at);
