-- The moderators' lists of flagged comments and of hidden ones are read a
-- page at a time, oldest first with the id last to break ties, from the
-- comment a page's cursor names: a partial index of each state in that
-- order finds a page's first row and reads the page from there, where the
-- hidden comments had no index (every page read the comments table) and
-- the flagged ones' index, on the time alone, left the ties to a sort.
-- The comments in neither state, nearly all of them, are in neither index.
DROP INDEX participation_comments_flagged;
CREATE INDEX participation_comments_flagged ON participation_comments (created_at, id) WHERE state = 'flagged';
CREATE INDEX participation_comments_hidden ON participation_comments (created_at, id) WHERE state = 'hidden';
