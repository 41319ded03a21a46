-- A person's flags are read by their account: for their data download
-- (every flag they raised, with the reason they typed) and by an erasure,
-- which blanks those reasons. The primary key leads with the comment, so
-- without this index each read scanned every flag of the city.
CREATE INDEX participation_comment_flags_account ON participation_comment_flags (account_id);
