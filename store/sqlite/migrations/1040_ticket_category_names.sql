-- The names a venue gives the seat categories of its seat map, in Italian
-- and in English, which buyers read instead of the hub's words for a
-- category's code (ticketing.CategoryOf). A code without a row here reads
-- by those words, as every category did before, so nothing is filled in.
-- A seat map replaced forgets the names of the codes it no longer has.
CREATE TABLE ticket_category_names (
    venue_id  TEXT NOT NULL REFERENCES ticket_venues (id),
    code      TEXT NOT NULL,
    name_it   TEXT NOT NULL CHECK (name_it <> ''),
    name_en   TEXT NOT NULL CHECK (name_en <> ''),
    PRIMARY KEY (venue_id, code)
);
