-- A report's recorded change names the photo a moderation approved or hid
-- (see the PostgreSQL migration of the same number).
ALTER TABLE participation_report_changes ADD COLUMN photo_id TEXT NOT NULL DEFAULT '';
