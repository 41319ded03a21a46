package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/vouchers"
)

type vouchersStore struct{ db *DB }

// Vouchers is the vouchers' view of the database.
func (db *DB) Vouchers() vouchers.Store { return vouchersStore{db} }

func (s vouchersStore) InTx(ctx context.Context, fn func(vouchers.Tx) error) error {
	return s.db.InTx(ctx, func(tx *Tx) error { return fn(tx) })
}

// InTxGrouped implements vouchers.GroupedStore.
func (s vouchersStore) InTxGrouped(ctx context.Context, key string, fn func(vouchers.Tx) error) error {
	return s.db.InTxGrouped(ctx, key, func(tx *Tx) error { return fn(tx) })
}

func (s vouchersStore) View(ctx context.Context, fn func(vouchers.Tx) error) error {
	return s.db.View(ctx, func(tx *Tx) error { return fn(tx) })
}

const shopCols = `id, name, address, district, category, iban, active, created_at`

func scanShop(row pgx.Row) (vouchers.Shop, error) {
	var s vouchers.Shop
	err := row.Scan(&s.ID, &s.Name, &s.Address, &s.District, &s.Category, &s.IBAN, &s.Active, &s.Created)
	s.Created = s.Created.UTC()
	return s, err
}

// InsertShop implements vouchers.Tx.
func (tx *Tx) InsertShop(ctx context.Context, s vouchers.Shop) error {
	_, err := tx.q.Exec(ctx, `INSERT INTO voucher_shops (`+shopCols+`, name_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		s.ID, s.Name, s.Address, s.District, s.Category, s.IBAN, s.Active, s.Created, vouchers.ShopKey(s.Name, s.Address))
	return wrap("insert shop", err)
}

// UpdateShop implements vouchers.Tx.
func (tx *Tx) UpdateShop(ctx context.Context, s vouchers.Shop) error {
	tag, err := tx.q.Exec(ctx, `UPDATE voucher_shops SET name = $2, address = $3, district = $4, category = $5, iban = $6, active = $7, name_key = $8 WHERE id = $1`,
		s.ID, s.Name, s.Address, s.District, s.Category, s.IBAN, s.Active, vouchers.ShopKey(s.Name, s.Address))
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return wrap("update shop", err)
}

// Shop implements vouchers.Tx.
func (tx *Tx) Shop(ctx context.Context, id string) (vouchers.Shop, error) {
	s, err := scanShop(tx.q.QueryRow(ctx, `SELECT `+shopCols+` FROM voucher_shops WHERE id = $1`, id))
	return s, wrap("read shop", err)
}

// ListShops implements vouchers.Tx.
func (tx *Tx) ListShops(ctx context.Context, f vouchers.ShopFilter) ([]vouchers.Shop, error) {
	rows, err := tx.q.Query(ctx, `SELECT `+shopCols+` FROM voucher_shops
		WHERE ($1::text[] IS NULL OR id = ANY($1)) AND ($2 = '' OR district = $2) AND ($3 = '' OR category = $3) AND (NOT $4 OR active)
		ORDER BY district, name, id`, vNullList(f.IDs), f.District, f.Category, f.ActiveOnly)
	if err != nil {
		return nil, wrap("list shops", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (vouchers.Shop, error) { return scanShop(r) })
	return out, wrap("list shops", err)
}

func vNullList(ids []string) []string {
	if len(ids) == 0 {
		return nil
	}
	return ids
}

const campaignCols = `id, name, description, budget_cents, face_value_cents, percent_off, min_spend_cents, per_citizen_limit,
	valid_from, valid_until, districts, categories, shop_ids, mode, status, created_at, lang`

func scanCampaign(row pgx.Row) (vouchers.Campaign, error) {
	var c vouchers.Campaign
	err := row.Scan(&c.ID, &c.Name, &c.Description, &c.BudgetCents, &c.FaceValueCents, &c.PercentOff, &c.MinSpendCents, &c.PerCitizenLimit,
		&c.ValidFrom, &c.ValidUntil, &c.Districts, &c.Categories, &c.ShopIDs, &c.Mode, &c.Status, &c.Created, &c.Lang)
	c.ValidFrom, c.ValidUntil, c.Created = c.ValidFrom.UTC(), c.ValidUntil.UTC(), c.Created.UTC()
	for _, l := range []*[]string{&c.Districts, &c.Categories, &c.ShopIDs} {
		if *l == nil {
			*l = []string{}
		}
	}
	return c, err
}

func vEmpty(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// InsertCampaign implements vouchers.Tx.
func (tx *Tx) InsertCampaign(ctx context.Context, c vouchers.Campaign) error {
	_, err := tx.q.Exec(ctx, `INSERT INTO voucher_campaigns (`+campaignCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
		c.ID, c.Name, c.Description, c.BudgetCents, c.FaceValueCents, c.PercentOff, c.MinSpendCents, c.PerCitizenLimit,
		c.ValidFrom, c.ValidUntil, vEmpty(c.Districts), vEmpty(c.Categories), vEmpty(c.ShopIDs), c.Mode, c.Status, c.Created, c.Lang)
	return wrap("insert campaign", err)
}

// UpdateCampaign implements vouchers.Tx.
func (tx *Tx) UpdateCampaign(ctx context.Context, c vouchers.Campaign) error {
	tag, err := tx.q.Exec(ctx, `UPDATE voucher_campaigns SET name = $2, description = $3, face_value_cents = $4, percent_off = $5,
		min_spend_cents = $6, per_citizen_limit = $7, valid_from = $8, valid_until = $9, districts = $10, categories = $11,
		shop_ids = $12, mode = $13, status = $14, lang = $15 WHERE id = $1`,
		c.ID, c.Name, c.Description, c.FaceValueCents, c.PercentOff, c.MinSpendCents, c.PerCitizenLimit,
		c.ValidFrom, c.ValidUntil, vEmpty(c.Districts), vEmpty(c.Categories), vEmpty(c.ShopIDs), c.Mode, c.Status, c.Lang)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return wrap("update campaign", err)
}

// Campaign implements vouchers.Tx.
func (tx *Tx) Campaign(ctx context.Context, id string) (vouchers.Campaign, error) {
	c, err := scanCampaign(tx.q.QueryRow(ctx, `SELECT `+campaignCols+` FROM voucher_campaigns WHERE id = $1`, id))
	return c, wrap("read campaign", err)
}

// LockCampaign implements vouchers.Tx: FOR NO KEY UPDATE, which the KEY
// SHARE of redemptions (and of the foreign keys of new vouchers and
// redemptions) does not wait for.
func (tx *Tx) LockCampaign(ctx context.Context, id string) (vouchers.Campaign, error) {
	c, err := scanCampaign(tx.q.QueryRow(ctx, `SELECT `+campaignCols+` FROM voucher_campaigns WHERE id = $1 FOR NO KEY UPDATE`, id))
	return c, wrap("lock campaign", err)
}

// LockClaimant implements vouchers.Tx with a transaction-scoped advisory
// lock on the (campaign, account) pair. It is queued, so it rides with the
// count that follows it; that count is a statement of its own, so its
// snapshot is taken once the lock is held and sees every claim committed
// before. (Two pairs whose hashes collide only wait for each other.)
//
// In a grouped transaction (InTxGrouped) the lock is only tried: a claim
// whose claimant's lock another transaction holds would stall every claim
// of its group behind it, so it fails with errWouldWait instead, and the
// group runs it alone, where it waits as usual.
func (tx *Tx) LockClaimant(ctx context.Context, campaignID, accountID string) error {
	if tx.grouped {
		return tx.later(ctx, deferred{what: "try the claimant's lock",
			sql:  `SELECT 1 WHERE pg_try_advisory_xact_lock(hashtext('voucher-claim:' || $1), hashtext($2))`,
			args: []any{campaignID, accountID},
			check: func(tag pgconn.CommandTag) error {
				if tag.RowsAffected() != 1 {
					return errWouldWait
				}
				return nil
			}})
	}
	return tx.later(ctx, deferred{what: "lock claimant",
		sql: `SELECT pg_advisory_xact_lock(hashtext('voucher-claim:' || $1), hashtext($2))`, args: []any{campaignID, accountID}})
}

// LockCampaignStatus implements vouchers.Tx: FOR UPDATE conflicts with KEY
// SHARE, so it waits for every redemption holding the campaign.
func (tx *Tx) LockCampaignStatus(ctx context.Context, id string) (vouchers.Campaign, error) {
	c, err := scanCampaign(tx.q.QueryRow(ctx, `SELECT `+campaignCols+` FROM voucher_campaigns WHERE id = $1 FOR UPDATE`, id))
	return c, wrap("lock campaign", err)
}

const shareCampaignSQL = `SELECT ` + campaignCols + ` FROM voucher_campaigns WHERE id = $1 FOR KEY SHARE`

// ShareCampaign implements vouchers.Tx.
func (tx *Tx) ShareCampaign(ctx context.Context, id string) (vouchers.Campaign, error) {
	c, err := scanCampaign(tx.q.QueryRow(ctx, shareCampaignSQL, id))
	return c, wrap("share campaign", err)
}

// RedemptionTarget implements vouchers.Tx in one round trip. A locking
// read that waited re-reads the rows it locked (READ COMMITTED), so the
// voucher and the campaign are the ones committed when the locks were got.
func (tx *Tx) RedemptionTarget(ctx context.Context, voucherID, shopID string) (vouchers.Voucher, vouchers.Campaign, vouchers.Shop, error) {
	return tx.redemptionTarget(ctx, "v.id", voucherID, shopID)
}

// RedemptionTargetByCode implements vouchers.Tx: the code's look-up and the
// voucher's lock are one statement.
func (tx *Tx) RedemptionTargetByCode(ctx context.Context, codeHash, shopID string) (vouchers.Voucher, vouchers.Campaign, vouchers.Shop, error) {
	return tx.redemptionTarget(ctx, "v.code_hash", codeHash, shopID)
}

// redemptionTarget reads the voucher whose column (v.id or v.code_hash) is
// value, locked, with its campaign shared and the shop.
func (tx *Tx) redemptionTarget(ctx context.Context, column, value, shopID string) (vouchers.Voucher, vouchers.Campaign, vouchers.Shop, error) {
	return scanRedemptionTarget(tx.q.QueryRow(ctx, redemptionTargetSQL(column), value, shopID))
}

// merchantGrantSQL is the condition on account_grants g that the grant is
// a merchant's (identity.RoleMerchant); the shop is its scope.
const merchantGrantSQL = `g.role = '` + string(identity.RoleMerchant) + `'`

// WorksAt implements vouchers.Tx.
func (tx *Tx) WorksAt(ctx context.Context, accountID, shopID string) (bool, error) {
	var works bool
	err := tx.q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM account_grants g
		WHERE g.account_id = $1 AND `+merchantGrantSQL+` AND g.scope = $2)`, accountID, shopID).Scan(&works)
	return works, wrap("read whether the account works at the shop", err)
}

// CodeFailuresAndTarget implements vouchers.CodeTargetReader: the counts and
// the voucher's locking read are two statements of one batch, in that
// order.
func (tx *Tx) CodeFailuresAndTarget(ctx context.Context, keys []string, since time.Time, codeHash, shopID string) (map[string]int, vouchers.CodeTarget, error) {
	var fails map[string]int
	var t vouchers.CodeTarget
	err := tx.readBatch(ctx, codeFailuresRead(keys, since, &fails), batchRead{
		sql:  redemptionTargetSQL("v.code_hash"),
		args: []any{codeHash, shopID},
		read: func(br pgx.BatchResults) error {
			t.Voucher, t.Campaign, t.Shop, t.Err = scanRedemptionTarget(br.QueryRow())
			if t.Err != nil && !apperr.Has(t.Err, apperr.NotFound) {
				// Not an answer but a failure: the batch and the
				// transaction fail with it.
				return t.Err
			}
			return nil
		},
	})
	return fails, t, err
}

// redemptionTargetCols are the columns scanRedemptionTarget reads: the
// voucher v, whether its holder is staff of the shop s (a look-up of
// account_grants' primary key, in the statement that reads the voucher, so
// the rule costs the redemption no round trip; a missing shop matches no
// grant), its campaign c and the shop s.
const redemptionTargetCols = `v.id, v.campaign_id, v.account_id, v.value_cents, v.remaining_cents, v.status, v.code, v.code_hash, v.claimed_at, v.expires_at,
			EXISTS (SELECT 1 FROM account_grants g WHERE g.account_id = v.account_id AND ` + merchantGrantSQL + ` AND g.scope = s.id),
			c.id, c.name, c.description, c.budget_cents, c.face_value_cents, c.percent_off, c.min_spend_cents, c.per_citizen_limit,
			c.valid_from, c.valid_until, c.districts, c.categories, c.shop_ids, c.mode, c.status, c.created_at, c.lang,
			s.id, s.name, s.address, s.district, s.category, s.iban, s.active, s.created_at`

// redemptionTargetSQL reads the voucher whose column (v.id or v.code_hash)
// is $1, locked, with its campaign shared and the shop $2.
func redemptionTargetSQL(column string) string {
	return `SELECT ` + redemptionTargetCols + `
		FROM vouchers v JOIN voucher_campaigns c ON c.id = v.campaign_id
		LEFT JOIN voucher_shops s ON s.id = $2
		WHERE ` + column + ` = $1
		FOR UPDATE OF v FOR KEY SHARE OF c`
}

// scanRedemptionTarget reads redemptionTargetSQL's row: the columns
// redemptionTargetCols and then, into extra, any that follow them.
func scanRedemptionTarget(row pgx.Row, extra ...any) (vouchers.Voucher, vouchers.Campaign, vouchers.Shop, error) {
	var v vouchers.Voucher
	var c vouchers.Campaign
	var s vouchers.Shop
	var shopFound *string
	var shopName, shopAddress, shopDistrict, shopCategory, shopIBAN *string
	var shopActive *bool
	var shopCreated *time.Time
	err := row.Scan(append([]any{
		&v.ID, &v.CampaignID, &v.AccountID, &v.ValueCents, &v.RemainingCents, &v.Status, &v.Code, &v.CodeHash, &v.ClaimedAt, &v.ExpiresAt,
		&v.HolderWorksHere,
		&c.ID, &c.Name, &c.Description, &c.BudgetCents, &c.FaceValueCents, &c.PercentOff, &c.MinSpendCents, &c.PerCitizenLimit,
		&c.ValidFrom, &c.ValidUntil, &c.Districts, &c.Categories, &c.ShopIDs, &c.Mode, &c.Status, &c.Created, &c.Lang,
		&shopFound, &shopName, &shopAddress, &shopDistrict, &shopCategory, &shopIBAN, &shopActive, &shopCreated}, extra...)...)
	if err != nil {
		return v, c, s, wrap("read voucher to redeem", err)
	}
	v.ClaimedAt, v.ExpiresAt = v.ClaimedAt.UTC(), v.ExpiresAt.UTC()
	c.ValidFrom, c.ValidUntil, c.Created = c.ValidFrom.UTC(), c.ValidUntil.UTC(), c.Created.UTC()
	for _, l := range []*[]string{&c.Districts, &c.Categories, &c.ShopIDs} {
		if *l == nil {
			*l = []string{}
		}
	}
	if shopFound == nil {
		return v, c, s, apperr.R(apperr.NotFound, "shop_not_found", "No such shop.")
	}
	s = vouchers.Shop{ID: *shopFound, Name: *shopName, Address: *shopAddress, District: *shopDistrict, Category: *shopCategory,
		IBAN: *shopIBAN, Active: *shopActive, Created: shopCreated.UTC()}
	return v, c, s, nil
}

// ListCampaigns implements vouchers.Tx.
func (tx *Tx) ListCampaigns(ctx context.Context, statuses []string) ([]vouchers.Campaign, error) {
	rows, err := tx.q.Query(ctx, `SELECT `+campaignCols+` FROM voucher_campaigns
		WHERE ($1::text[] IS NULL OR status = ANY($1)) ORDER BY created_at DESC, id`, vNullList(statuses))
	if err != nil {
		return nil, wrap("list campaigns", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (vouchers.Campaign, error) { return scanCampaign(r) })
	return out, wrap("list campaigns", err)
}

const voucherCols = `id, campaign_id, account_id, value_cents, remaining_cents, status, code, code_hash, claimed_at, expires_at`

func scanVoucher(row pgx.Row) (vouchers.Voucher, error) {
	var v vouchers.Voucher
	err := row.Scan(&v.ID, &v.CampaignID, &v.AccountID, &v.ValueCents, &v.RemainingCents, &v.Status, &v.Code, &v.CodeHash, &v.ClaimedAt, &v.ExpiresAt)
	v.ClaimedAt, v.ExpiresAt = v.ClaimedAt.UTC(), v.ExpiresAt.UTC()
	return v, err
}

// InsertVoucher implements vouchers.Tx. Queued to ride with the next
// statement or the commit (pipeline.go): nothing reads it back first.
func (tx *Tx) InsertVoucher(ctx context.Context, v vouchers.Voucher) error {
	return tx.later(ctx, deferred{what: "insert voucher",
		sql:  `INSERT INTO vouchers (` + voucherCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		args: []any{v.ID, v.CampaignID, v.AccountID, v.ValueCents, v.RemainingCents, v.Status, v.Code, v.CodeHash, v.ClaimedAt, v.ExpiresAt}})
}

// UpdateVoucher implements vouchers.Tx. Callers have locked the voucher, so
// the write is queued to ride with the next statement or the COMMIT
// (pipeline.go); its row count is judged by the server (counted).
func (tx *Tx) UpdateVoucher(ctx context.Context, v vouchers.Voucher) error {
	return tx.later(ctx, counted("update voucher", `UPDATE vouchers SET remaining_cents = $2, status = $3 WHERE id = $1`,
		v.ID, v.RemainingCents, v.Status))
}

// Voucher implements vouchers.Tx.
func (tx *Tx) Voucher(ctx context.Context, id string) (vouchers.Voucher, error) {
	v, err := scanVoucher(tx.q.QueryRow(ctx, `SELECT `+voucherCols+` FROM vouchers WHERE id = $1`, id))
	return v, wrap("read voucher", err)
}

// LockVoucher implements vouchers.Tx.
func (tx *Tx) LockVoucher(ctx context.Context, id string) (vouchers.Voucher, error) {
	v, err := scanVoucher(tx.q.QueryRow(ctx, `SELECT `+voucherCols+` FROM vouchers WHERE id = $1 FOR UPDATE`, id))
	return v, wrap("lock voucher", err)
}

// VoucherByCodeHash implements vouchers.Tx.
func (tx *Tx) VoucherByCodeHash(ctx context.Context, hash string) (vouchers.Voucher, error) {
	v, err := scanVoucher(tx.q.QueryRow(ctx, `SELECT `+voucherCols+` FROM vouchers WHERE code_hash = $1`, hash))
	return v, wrap("find voucher by code", err)
}

// ListVouchers implements vouchers.Tx.
func (tx *Tx) ListVouchers(ctx context.Context, accountID string) ([]vouchers.Voucher, error) {
	rows, err := tx.q.Query(ctx, `SELECT `+voucherCols+` FROM vouchers WHERE account_id = $1 ORDER BY claimed_at DESC, id`, accountID)
	if err != nil {
		return nil, wrap("list vouchers", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (vouchers.Voucher, error) { return scanVoucher(r) })
	return out, wrap("list vouchers", err)
}

// ShareCampaignCountingVouchers implements vouchers.ClaimReader: the
// share, the count and the account's share are three statements of one
// batch, with the claimant lock queued before them, so the count's
// snapshot is taken once the lock is held.
func (tx *Tx) ShareCampaignCountingVouchers(ctx context.Context, campaignID, accountID string) (vouchers.Campaign, int, bool, error) {
	var c vouchers.Campaign
	var n int
	var erased bool
	err := tx.readBatch(ctx, batchRead{
		sql:  shareCampaignSQL,
		args: []any{campaignID},
		read: rowInto(&c, "share campaign", scanCampaign),
	}, batchRead{
		sql:  countVouchersSQL,
		args: []any{campaignID, accountID},
		read: func(br pgx.BatchResults) error {
			return wrap("count vouchers", br.QueryRow().Scan(&n))
		},
	}, batchRead{
		sql:  shareHolderSQL,
		args: []any{accountID},
		read: func(br pgx.BatchResults) error { return scanErased(br.QueryRow(), &erased) },
	})
	return c, n, erased, err
}

// shareHolderSQL shares an account's row: FOR SHARE conflicts with the
// NO KEY UPDATE an erasure takes first (HoldRider).
const shareHolderSQL = `SELECT deleted_at IS NOT NULL FROM accounts WHERE id = $1 FOR SHARE`

// ShareHolder implements vouchers.Tx.
func (tx *Tx) ShareHolder(ctx context.Context, accountID string) (bool, error) {
	var erased bool
	return erased, scanErased(tx.q.QueryRow(ctx, shareHolderSQL, accountID), &erased)
}

// scanErased reads shareHolderSQL's answer: no row is an account the
// store does not hold, not an erased one.
func scanErased(row pgx.Row, erased *bool) error {
	err := row.Scan(erased)
	if errors.Is(err, pgx.ErrNoRows) {
		*erased, err = false, nil
	}
	return wrap("share the account", err)
}

// CountVouchers implements vouchers.Tx.
func (tx *Tx) CountVouchers(ctx context.Context, campaignID, accountID string) (int, error) {
	var n int
	err := tx.q.QueryRow(ctx, countVouchersSQL, campaignID, accountID).Scan(&n)
	return n, wrap("count vouchers", err)
}

const countVouchersSQL = `SELECT count(*) FROM vouchers WHERE campaign_id = $1 AND account_id = $2`

const redemptionCols = `id, voucher_id, campaign_id, shop_id, purchase_cents, amount_cents, staff_id, device, at, reversed_at, reversed_by, settlement_id`

func scanRedemption(row pgx.Row) (vouchers.Redemption, error) {
	var r vouchers.Redemption
	err := row.Scan(&r.ID, &r.VoucherID, &r.CampaignID, &r.ShopID, &r.PurchaseCents, &r.AmountCents, &r.StaffID, &r.Device, &r.At, &r.ReversedAt, &r.ReversedBy, &r.SettlementID)
	r.At = r.At.UTC()
	if r.ReversedAt != nil {
		t := r.ReversedAt.UTC()
		r.ReversedAt = &t
	}
	return r, err
}

// InsertRedemption implements vouchers.Tx. The id is new and the voucher
// locked, so nothing is expected to refuse the row: it is queued to ride
// with the next statement (pipeline.go). Its campaign is read from its
// voucher, and only when the shop exists: otherwise the campaign is NULL
// and the insert fails, as the foreign keys dropped by migration 1009 made
// it fail.
func (tx *Tx) InsertRedemption(ctx context.Context, r vouchers.Redemption) error {
	return tx.later(ctx, deferred{what: "insert redemption",
		sql: `INSERT INTO voucher_redemptions (` + redemptionCols + `) VALUES ($1, $2,
			(SELECT v.campaign_id FROM vouchers v WHERE v.id = $2 AND v.campaign_id = $3 AND EXISTS (SELECT FROM voucher_shops s WHERE s.id = $4)),
			$4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		args: []any{r.ID, r.VoucherID, r.CampaignID, r.ShopID, r.PurchaseCents, r.AmountCents, r.StaffID, r.Device, r.At, r.ReversedAt, r.ReversedBy, r.SettlementID}})
}

// Redemption implements vouchers.Tx.
func (tx *Tx) Redemption(ctx context.Context, id string) (vouchers.Redemption, error) {
	r, err := scanRedemption(tx.q.QueryRow(ctx, `SELECT `+redemptionCols+` FROM voucher_redemptions WHERE id = $1`, id))
	return r, wrap("read redemption", err)
}

// LockRedemption implements vouchers.Tx.
func (tx *Tx) LockRedemption(ctx context.Context, id string) (vouchers.Redemption, error) {
	r, err := scanRedemption(tx.q.QueryRow(ctx, `SELECT `+redemptionCols+` FROM voucher_redemptions WHERE id = $1 FOR UPDATE`, id))
	return r, wrap("lock redemption", err)
}

// MarkReversed implements vouchers.Tx.
func (tx *Tx) MarkReversed(ctx context.Context, id string, at time.Time, by string) error {
	tag, err := tx.q.Exec(ctx, `UPDATE voucher_redemptions SET reversed_at = $2, reversed_by = $3 WHERE id = $1 AND reversed_at IS NULL AND settlement_id = ''`, id, at, by)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return wrap("mark redemption reversed", err)
}

// ListRedemptions implements vouchers.Tx.
func (tx *Tx) ListRedemptions(ctx context.Context, f vouchers.RedemptionFilter) ([]vouchers.Redemption, error) {
	if f.Limit <= 0 {
		// A statement lists every redemption of its period, however many.
		f.Limit = 1 << 40
	}
	rows, err := tx.q.Query(ctx, `SELECT `+redemptionCols+` FROM voucher_redemptions
		WHERE ($1 = '' OR shop_id = $1) AND ($2 = '' OR voucher_id = $2) AND ($3 = '' OR campaign_id = $3) AND ($4 = '' OR settlement_id = $4)
		  AND ($5::timestamptz IS NULL OR at >= $5) AND ($6::timestamptz IS NULL OR at < $6)
		ORDER BY at, id LIMIT $7`, f.ShopID, f.VoucherID, f.CampaignID, f.SettlementID, nullTime(f.Since), nullTime(f.Until), f.Limit)
	if err != nil {
		return nil, wrap("list redemptions", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (vouchers.Redemption, error) { return scanRedemption(r) })
	return out, wrap("list redemptions", err)
}

// AssignSettlement implements vouchers.Tx. Under READ COMMITTED the UPDATE
// waits for rows a concurrent reversal holds and re-checks the WHERE clause
// on their committed version, so a reversed row is never settled.
func (tx *Tx) AssignSettlement(ctx context.Context, shopID, settlementID string, upTo time.Time) (int, int64, error) {
	var n int
	var total int64
	err := tx.q.QueryRow(ctx, `WITH s AS (
			UPDATE voucher_redemptions SET settlement_id = $2
			WHERE shop_id = $1 AND settlement_id = '' AND reversed_at IS NULL AND at < $3
			RETURNING amount_cents)
		SELECT count(*), COALESCE(sum(amount_cents), 0) FROM s`, shopID, settlementID, upTo).Scan(&n, &total)
	return n, total, wrap("assign settlement", err)
}

// UnsettledTotals implements vouchers.Tx.
func (tx *Tx) UnsettledTotals(ctx context.Context, shopID string, upTo time.Time) (int, int64, error) {
	var n int
	var total int64
	err := tx.q.QueryRow(ctx, `SELECT count(*), COALESCE(sum(amount_cents), 0) FROM voucher_redemptions
		WHERE shop_id = $1 AND settlement_id = '' AND reversed_at IS NULL AND at < $2`, shopID, upTo).Scan(&n, &total)
	return n, total, wrap("unsettled totals", err)
}

const settlementCols = `id, shop_id, period_end, count, total_cents, status, closed_at, closed_by, paid_at, payment_ref, shop_name, iban`

func scanSettlement(row pgx.Row) (vouchers.Settlement, error) {
	var s vouchers.Settlement
	err := row.Scan(&s.ID, &s.ShopID, &s.PeriodEnd, &s.Count, &s.TotalCents, &s.Status, &s.ClosedAt, &s.ClosedBy, &s.PaidAt, &s.PaymentRef, &s.ShopName, &s.IBAN)
	s.PeriodEnd, s.ClosedAt = s.PeriodEnd.UTC(), s.ClosedAt.UTC()
	if s.PaidAt != nil {
		t := s.PaidAt.UTC()
		s.PaidAt = &t
	}
	return s, err
}

// InsertSettlement implements vouchers.Tx.
func (tx *Tx) InsertSettlement(ctx context.Context, s vouchers.Settlement) error {
	_, err := tx.q.Exec(ctx, `INSERT INTO voucher_settlements (`+settlementCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		s.ID, s.ShopID, s.PeriodEnd, s.Count, s.TotalCents, s.Status, s.ClosedAt, s.ClosedBy, s.PaidAt, s.PaymentRef, s.ShopName, s.IBAN)
	return wrap("insert settlement", err)
}

// Settlement implements vouchers.Tx.
func (tx *Tx) Settlement(ctx context.Context, id string) (vouchers.Settlement, error) {
	s, err := scanSettlement(tx.q.QueryRow(ctx, `SELECT `+settlementCols+` FROM voucher_settlements WHERE id = $1`, id))
	return s, wrap("read settlement", err)
}

// LockSettlement implements vouchers.Tx.
func (tx *Tx) LockSettlement(ctx context.Context, id string) (vouchers.Settlement, error) {
	s, err := scanSettlement(tx.q.QueryRow(ctx, `SELECT `+settlementCols+` FROM voucher_settlements WHERE id = $1 FOR UPDATE`, id))
	return s, wrap("lock settlement", err)
}

// MarkSettlementPaid implements vouchers.Tx.
func (tx *Tx) MarkSettlementPaid(ctx context.Context, id string, at time.Time, ref string) error {
	tag, err := tx.q.Exec(ctx, `UPDATE voucher_settlements SET status = 'paid', paid_at = $2, payment_ref = $3 WHERE id = $1 AND status = 'closed'`, id, at, ref)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return wrap("mark settlement paid", err)
}

// UnpaidStatementsTotal implements vouchers.Tx.
func (tx *Tx) UnpaidStatementsTotal(ctx context.Context, shopID string) (int64, error) {
	var n int64
	err := tx.q.QueryRow(ctx, `SELECT COALESCE(sum(total_cents), 0) FROM voucher_settlements WHERE shop_id = $1 AND status = 'closed'`, shopID).Scan(&n)
	return n, wrap("sum unpaid statements", err)
}

// ClaimTotals implements vouchers.Tx.
func (tx *Tx) ClaimTotals(ctx context.Context, campaignID string) (int, int64, error) {
	var n int
	var v int64
	err := tx.q.QueryRow(ctx, `SELECT count(*), COALESCE(sum(value_cents), 0) FROM vouchers WHERE campaign_id = $1`, campaignID).Scan(&n, &v)
	return n, v, wrap("claim totals", err)
}

// RedemptionTotals implements vouchers.Tx.
func (tx *Tx) RedemptionTotals(ctx context.Context, campaignID string) ([]vouchers.GroupTotal, error) {
	rows, err := tx.q.Query(ctx, `SELECT s.district, s.category, count(*), sum(r.amount_cents)
		FROM voucher_redemptions r JOIN voucher_shops s ON s.id = r.shop_id
		WHERE r.campaign_id = $1 AND r.reversed_at IS NULL
		GROUP BY s.district, s.category ORDER BY s.district, s.category`, campaignID)
	if err != nil {
		return nil, wrap("redemption totals", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (vouchers.GroupTotal, error) {
		var g vouchers.GroupTotal
		err := r.Scan(&g.District, &g.Category, &g.Count, &g.AmountCents)
		return g, err
	})
	return out, wrap("redemption totals", err)
}

// RecordCodeFailures implements vouchers.Tx.
func (tx *Tx) RecordCodeFailures(ctx context.Context, keys []string, at, pruneBefore time.Time) error {
	_, err := tx.q.Exec(ctx, `WITH pruned AS (DELETE FROM voucher_code_failures WHERE key = ANY($1) AND at < $3)
		INSERT INTO voucher_code_failures (key, at) SELECT k, $2 FROM unnest($1::text[]) AS k`, keys, at, pruneBefore)
	return wrap("record code failures", err)
}

const codeFailuresSQL = `SELECT key, count(*) FROM voucher_code_failures WHERE key = ANY($1) AND at >= $2 GROUP BY key`

// CodeFailures implements vouchers.Tx.
func (tx *Tx) CodeFailures(ctx context.Context, keys []string, since time.Time) (map[string]int, error) {
	rows, err := tx.q.Query(ctx, codeFailuresSQL, keys, since)
	if err != nil {
		return nil, wrap("count code failures", err)
	}
	return collectCodeFailures(rows)
}

// codeFailuresRead is CodeFailures as a statement of a batch, its counts
// into dst.
func codeFailuresRead(keys []string, since time.Time, dst *map[string]int) batchRead {
	return batchRead{sql: codeFailuresSQL, args: []any{keys, since}, read: func(br pgx.BatchResults) error {
		rows, err := br.Query()
		if err != nil {
			return wrap("count code failures", err)
		}
		*dst, err = collectCodeFailures(rows)
		return err
	}}
}

// collectCodeFailures reads codeFailuresSQL's rows.
func collectCodeFailures(rows pgx.Rows) (map[string]int, error) {
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var key string
		var n int
		if err := rows.Scan(&key, &n); err != nil {
			return nil, wrap("count code failures", err)
		}
		out[key] = n
	}
	return out, wrap("count code failures", rows.Err())
}
