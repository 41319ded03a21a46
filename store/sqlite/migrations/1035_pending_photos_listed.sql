-- The staff's list of photos awaiting moderation is read a page at a time,
-- oldest first with the id last to break ties (a report's photos share
-- their time), from the photo a page's cursor names; the queue counts
-- them. The pending photos' partial index, on the time alone, left the
-- ties to a sort: in the list's order it finds a page's first row and
-- reads the page from there, and it is what the count reads. Approved and
-- hidden photos, nearly all of them, are not in it.
DROP INDEX participation_photos_pending;
CREATE INDEX participation_photos_pending ON participation_photos (created_at, id) WHERE state = 'pending';
