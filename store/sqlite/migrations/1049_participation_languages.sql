-- The language a proposal, its answer and a comment are written in, as far
-- as the hub knows it: its writer's ("it", "en") when it was written; ''
-- for what was written before it was kept. Pages mark the text with it, so
-- that a screen reader reads an Italian proposal on an English page in
-- Italian.
ALTER TABLE participation_proposals ADD COLUMN lang TEXT NOT NULL DEFAULT '';
ALTER TABLE participation_proposals ADD COLUMN answer_lang TEXT NOT NULL DEFAULT '';
ALTER TABLE participation_comments ADD COLUMN lang TEXT NOT NULL DEFAULT '';
