-- The entries a theatre door let in while it could not reach the hub, as
-- the door device uploads them once the hub answers again (docs/door.md,
-- "Offline"). (device, entry_id) is the device's own name for an entry: an
-- upload sent again after a lost answer finds its entries here and records
-- nothing twice. outcome checked_in: the entry checked its ticket in at
-- entered_at; double_entry: the ticket had been used already (reason
-- already_checked_in, first_checked_in_at when) or cancelled
-- (ticket_cancelled), kept for an operator. staff_id is the door staff
-- account that uploaded the entry. Times are Unix microseconds.
CREATE TABLE door_offline_entries (
    device              TEXT NOT NULL,
    entry_id            TEXT NOT NULL,
    performance_id      TEXT NOT NULL REFERENCES ticket_performances (id),
    ticket_id           TEXT NOT NULL REFERENCES tickets (id),
    staff_id            TEXT NOT NULL,
    entered_at          INTEGER NOT NULL,
    recorded_at         INTEGER NOT NULL,
    outcome             TEXT NOT NULL CHECK (outcome IN ('checked_in', 'double_entry')),
    reason              TEXT NOT NULL DEFAULT '' CHECK (reason IN ('', 'already_checked_in', 'ticket_cancelled')),
    first_checked_in_at INTEGER,
    PRIMARY KEY (device, entry_id),
    CHECK ((outcome = 'checked_in') = (reason = ''))
);
-- A performance's double entries, for an operator.
CREATE INDEX door_offline_entries_double ON door_offline_entries (performance_id, entered_at) WHERE outcome = 'double_entry';
