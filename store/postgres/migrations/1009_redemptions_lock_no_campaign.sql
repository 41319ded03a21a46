-- A redemption's foreign keys to its campaign and its shop are checked by
-- locking those rows (FOR KEY SHARE) for every redemption written. Every
-- redemption of a city-wide campaign names the same campaign row, which
-- the batch already shares (its read) and the claims hold too, so each check
-- reads the members of a MultiXact: in a batch's write the campaign's
-- check alone took a fifth of the statement's time, the three checks
-- together about a third (bench/README.md, "A redemption's campaign and
-- shop are checked by the statement that writes it").
--
-- What they guarded is kept without them:
--   - the statements that write a redemption (vouchers_batch.go, and
--     InsertRedemption for one alone) write it only with the campaign of
--     its voucher, as the voucher row reads within the statement, and with
--     a shop that exists then; otherwise the batch's statement fails
--     (redemptions_written, CL007) or the single insert does (its campaign
--     is then NULL);
--   - a voucher's own foreign key still names its campaign, and the
--     redemption's to its voucher stays: that voucher row is locked by the
--     redemption already, so its check costs no MultiXact;
--   - no campaign and no shop is ever deleted: the foreign keys refused
--     to delete one that a redemption names, and the trigger below
--     refuses to delete any (a campaign is closed, a shop made inactive).
-- SQLite keeps its foreign keys: its checks lock nothing.
ALTER TABLE voucher_redemptions DROP CONSTRAINT voucher_redemptions_campaign_id_fkey;
ALTER TABLE voucher_redemptions DROP CONSTRAINT voucher_redemptions_shop_id_fkey;

CREATE FUNCTION refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are never deleted', TG_TABLE_NAME USING ERRCODE = 'CL008';
END
$$;
CREATE TRIGGER voucher_campaigns_never_deleted BEFORE DELETE ON voucher_campaigns
    FOR EACH ROW EXECUTE FUNCTION refuse_delete();
CREATE TRIGGER voucher_shops_never_deleted BEFORE DELETE ON voucher_shops
    FOR EACH ROW EXECUTE FUNCTION refuse_delete();
