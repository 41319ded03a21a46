-- A report's recorded change says what a moderation did: a redaction goes
-- from 'shown' to 'hidden' or back (from_status, to_status), a photo's
-- moderation goes from one photo state to another and names the photo
-- here. Changes recorded before said neither, and keep saying nothing:
-- which photo they were about is not known.
ALTER TABLE participation_report_changes ADD COLUMN photo_id TEXT NOT NULL DEFAULT '';
