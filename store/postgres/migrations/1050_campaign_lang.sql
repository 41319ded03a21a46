-- The language a campaign's name and description are written in ("it",
-- "en"), chosen by the administrator who writes them; '' for a campaign
-- made before it was asked. Pages mark the texts with it.
ALTER TABLE voucher_campaigns ADD COLUMN lang TEXT NOT NULL DEFAULT '';
