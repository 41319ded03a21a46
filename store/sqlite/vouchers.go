package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/vouchers"
)

// SQLite has one writer, so the Lock methods are plain reads: the write
// transaction that calls them already excludes every other writer.

type vouchersStore struct{ db *DB }

// Vouchers is the vouchers' view of the database.
func (db *DB) Vouchers() vouchers.Store { return vouchersStore{db} }

func (s vouchersStore) InTx(ctx context.Context, fn func(vouchers.Tx) error) error {
	return s.db.InTx(ctx, func(tx *Tx) error { return fn(tx) })
}

func (s vouchersStore) View(ctx context.Context, fn func(vouchers.Tx) error) error {
	return s.db.View(ctx, func(tx *Tx) error { return fn(tx) })
}

const shopCols = `id, name, address, district, category, iban, active, created_at`

func scanShop(row rowScanner) (vouchers.Shop, error) {
	var s vouchers.Shop
	var active int
	var created int64
	err := row.Scan(&s.ID, &s.Name, &s.Address, &s.District, &s.Category, &s.IBAN, &active, &created)
	s.Active, s.Created = active == 1, fromMicros(created)
	return s, err
}

// InsertShop implements vouchers.Tx.
func (tx *Tx) InsertShop(ctx context.Context, s vouchers.Shop) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO voucher_shops (`+shopCols+`, name_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.Name, s.Address, s.District, s.Category, s.IBAN, boolInt(s.Active), toMicros(s.Created), vouchers.ShopKey(s.Name, s.Address))
	return wrap("insert shop", err)
}

// UpdateShop implements vouchers.Tx.
func (tx *Tx) UpdateShop(ctx context.Context, s vouchers.Shop) error {
	res, err := tx.q.ExecContext(ctx, `UPDATE voucher_shops SET name = ?2, address = ?3, district = ?4, category = ?5, iban = ?6, active = ?7, name_key = ?8 WHERE id = ?1`,
		s.ID, s.Name, s.Address, s.District, s.Category, s.IBAN, boolInt(s.Active), vouchers.ShopKey(s.Name, s.Address))
	return wrap("update shop", oneRow(res, err))
}

// Shop implements vouchers.Tx.
func (tx *Tx) Shop(ctx context.Context, id string) (vouchers.Shop, error) {
	s, err := scanShop(tx.q.QueryRowContext(ctx, `SELECT `+shopCols+` FROM voucher_shops WHERE id = ?`, id))
	return s, wrap("read shop", err)
}

func vJSONList(l []string) string {
	if l == nil {
		l = []string{}
	}
	b, _ := json.Marshal(l)
	return string(b)
}

func vNullJSONList(l []string) any {
	if len(l) == 0 {
		return nil
	}
	return vJSONList(l)
}

// ListShops implements vouchers.Tx.
func (tx *Tx) ListShops(ctx context.Context, f vouchers.ShopFilter) ([]vouchers.Shop, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+shopCols+` FROM voucher_shops
		WHERE (?1 IS NULL OR id IN (SELECT value FROM json_each(?1))) AND (?2 = '' OR district = ?2) AND (?3 = '' OR category = ?3) AND (?4 = 0 OR active = 1)
		ORDER BY district, name, id`, vNullJSONList(f.IDs), f.District, f.Category, boolInt(f.ActiveOnly))
	out, err := collect(rows, err, scanShop)
	return out, wrap("list shops", err)
}

const campaignCols = `id, name, description, budget_cents, face_value_cents, percent_off, min_spend_cents, per_citizen_limit,
	valid_from, valid_until, districts, categories, shop_ids, mode, status, created_at, lang`

func scanCampaign(row rowScanner) (vouchers.Campaign, error) {
	var c vouchers.Campaign
	var from, until, created int64
	var districts, categories, shops string
	err := row.Scan(&c.ID, &c.Name, &c.Description, &c.BudgetCents, &c.FaceValueCents, &c.PercentOff, &c.MinSpendCents, &c.PerCitizenLimit,
		&from, &until, &districts, &categories, &shops, &c.Mode, &c.Status, &created, &c.Lang)
	if err != nil {
		return c, err
	}
	c.ValidFrom, c.ValidUntil, c.Created = fromMicros(from), fromMicros(until), fromMicros(created)
	for _, x := range []struct {
		dst *[]string
		src string
	}{{&c.Districts, districts}, {&c.Categories, categories}, {&c.ShopIDs, shops}} {
		*x.dst = []string{}
		if err := json.Unmarshal([]byte(x.src), x.dst); err != nil {
			return c, wrap("decode campaign list", err)
		}
	}
	return c, nil
}

// InsertCampaign implements vouchers.Tx.
func (tx *Tx) InsertCampaign(ctx context.Context, c vouchers.Campaign) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO voucher_campaigns (`+campaignCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Name, c.Description, c.BudgetCents, c.FaceValueCents, c.PercentOff, c.MinSpendCents, c.PerCitizenLimit,
		toMicros(c.ValidFrom), toMicros(c.ValidUntil), vJSONList(c.Districts), vJSONList(c.Categories), vJSONList(c.ShopIDs), c.Mode, c.Status, toMicros(c.Created), c.Lang)
	return wrap("insert campaign", err)
}

// UpdateCampaign implements vouchers.Tx.
func (tx *Tx) UpdateCampaign(ctx context.Context, c vouchers.Campaign) error {
	res, err := tx.q.ExecContext(ctx, `UPDATE voucher_campaigns SET name = ?2, description = ?3, face_value_cents = ?4, percent_off = ?5,
		min_spend_cents = ?6, per_citizen_limit = ?7, valid_from = ?8, valid_until = ?9, districts = ?10, categories = ?11,
		shop_ids = ?12, mode = ?13, status = ?14, lang = ?15 WHERE id = ?1`,
		c.ID, c.Name, c.Description, c.FaceValueCents, c.PercentOff, c.MinSpendCents, c.PerCitizenLimit,
		toMicros(c.ValidFrom), toMicros(c.ValidUntil), vJSONList(c.Districts), vJSONList(c.Categories), vJSONList(c.ShopIDs), c.Mode, c.Status, c.Lang)
	return wrap("update campaign", oneRow(res, err))
}

// Campaign implements vouchers.Tx.
func (tx *Tx) Campaign(ctx context.Context, id string) (vouchers.Campaign, error) {
	c, err := scanCampaign(tx.q.QueryRowContext(ctx, `SELECT `+campaignCols+` FROM voucher_campaigns WHERE id = ?`, id))
	return c, wrap("read campaign", err)
}

// LockCampaign implements vouchers.Tx.
func (tx *Tx) LockCampaign(ctx context.Context, id string) (vouchers.Campaign, error) {
	return tx.Campaign(ctx, id)
}

// LockClaimant implements vouchers.Tx; writers are serial here.
func (tx *Tx) LockClaimant(ctx context.Context, campaignID, accountID string) error { return nil }

// LockCampaignStatus implements vouchers.Tx; writers are serial here.
func (tx *Tx) LockCampaignStatus(ctx context.Context, id string) (vouchers.Campaign, error) {
	return tx.Campaign(ctx, id)
}

// ShareCampaign implements vouchers.Tx; writers are serial here.
func (tx *Tx) ShareCampaign(ctx context.Context, id string) (vouchers.Campaign, error) {
	return tx.Campaign(ctx, id)
}

// ShareHolder implements vouchers.Tx. Writers are serial: an erasure is
// wholly before or after this transaction, and a read is enough.
func (tx *Tx) ShareHolder(ctx context.Context, accountID string) (bool, error) {
	var erased bool
	err := tx.q.QueryRowContext(ctx, `SELECT deleted_at <> 0 FROM accounts WHERE id = ?`, accountID).Scan(&erased)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return erased, wrap("share the account", err)
}

// RedemptionTarget implements vouchers.Tx. Writers are serial, so reads on
// the writer connection are as good as locked, and a round trip here is a
// function call: four plain reads serve.
func (tx *Tx) RedemptionTarget(ctx context.Context, voucherID, shopID string) (vouchers.Voucher, vouchers.Campaign, vouchers.Shop, error) {
	v, err := tx.LockVoucher(ctx, voucherID)
	if err != nil {
		return v, vouchers.Campaign{}, vouchers.Shop{}, err
	}
	c, err := tx.Campaign(ctx, v.CampaignID)
	if err != nil {
		return v, c, vouchers.Shop{}, err
	}
	s, err := tx.Shop(ctx, shopID)
	if apperr.Has(err, apperr.NotFound) {
		return v, c, s, apperr.R(apperr.NotFound, "shop_not_found", "No such shop.")
	}
	if err != nil {
		return v, c, s, err
	}
	v.HolderWorksHere, err = tx.WorksAt(ctx, v.AccountID, shopID)
	return v, c, s, err
}

// WorksAt implements vouchers.Tx.
func (tx *Tx) WorksAt(ctx context.Context, accountID, shopID string) (bool, error) {
	var works bool
	err := tx.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM account_grants
		WHERE account_id = ? AND role = ? AND scope = ?)`, accountID, string(identity.RoleMerchant), shopID).Scan(&works)
	return works, wrap("read whether the account works at the shop", err)
}

// RedemptionTargetByCode implements vouchers.Tx.
func (tx *Tx) RedemptionTargetByCode(ctx context.Context, codeHash, shopID string) (vouchers.Voucher, vouchers.Campaign, vouchers.Shop, error) {
	v, err := tx.VoucherByCodeHash(ctx, codeHash)
	if err != nil {
		return v, vouchers.Campaign{}, vouchers.Shop{}, err
	}
	return tx.RedemptionTarget(ctx, v.ID, shopID)
}

// ListCampaigns implements vouchers.Tx.
func (tx *Tx) ListCampaigns(ctx context.Context, statuses []string) ([]vouchers.Campaign, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+campaignCols+` FROM voucher_campaigns
		WHERE (?1 IS NULL OR status IN (SELECT value FROM json_each(?1))) ORDER BY created_at DESC, id`, vNullJSONList(statuses))
	out, err := collect(rows, err, scanCampaign)
	return out, wrap("list campaigns", err)
}

const voucherCols = `id, campaign_id, account_id, value_cents, remaining_cents, status, code, code_hash, claimed_at, expires_at`

func scanVoucher(row rowScanner) (vouchers.Voucher, error) {
	var v vouchers.Voucher
	var claimed, expires int64
	err := row.Scan(&v.ID, &v.CampaignID, &v.AccountID, &v.ValueCents, &v.RemainingCents, &v.Status, &v.Code, &v.CodeHash, &claimed, &expires)
	v.ClaimedAt, v.ExpiresAt = fromMicros(claimed), fromMicros(expires)
	return v, err
}

// InsertVoucher implements vouchers.Tx.
func (tx *Tx) InsertVoucher(ctx context.Context, v vouchers.Voucher) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO vouchers (`+voucherCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		v.ID, v.CampaignID, v.AccountID, v.ValueCents, v.RemainingCents, v.Status, v.Code, v.CodeHash, toMicros(v.ClaimedAt), toMicros(v.ExpiresAt))
	return wrap("insert voucher", err)
}

// UpdateVoucher implements vouchers.Tx.
func (tx *Tx) UpdateVoucher(ctx context.Context, v vouchers.Voucher) error {
	res, err := tx.q.ExecContext(ctx, `UPDATE vouchers SET remaining_cents = ?, status = ? WHERE id = ?`, v.RemainingCents, v.Status, v.ID)
	return wrap("update voucher", oneRow(res, err))
}

// Voucher implements vouchers.Tx.
func (tx *Tx) Voucher(ctx context.Context, id string) (vouchers.Voucher, error) {
	v, err := scanVoucher(tx.q.QueryRowContext(ctx, `SELECT `+voucherCols+` FROM vouchers WHERE id = ?`, id))
	return v, wrap("read voucher", err)
}

// LockVoucher implements vouchers.Tx.
func (tx *Tx) LockVoucher(ctx context.Context, id string) (vouchers.Voucher, error) {
	return tx.Voucher(ctx, id)
}

// VoucherByCodeHash implements vouchers.Tx.
func (tx *Tx) VoucherByCodeHash(ctx context.Context, hash string) (vouchers.Voucher, error) {
	v, err := scanVoucher(tx.q.QueryRowContext(ctx, `SELECT `+voucherCols+` FROM vouchers WHERE code_hash = ?`, hash))
	return v, wrap("find voucher by code", err)
}

// ListVouchers implements vouchers.Tx.
func (tx *Tx) ListVouchers(ctx context.Context, accountID string) ([]vouchers.Voucher, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+voucherCols+` FROM vouchers WHERE account_id = ? ORDER BY claimed_at DESC, id`, accountID)
	out, err := collect(rows, err, scanVoucher)
	return out, wrap("list vouchers", err)
}

// CountVouchers implements vouchers.Tx.
func (tx *Tx) CountVouchers(ctx context.Context, campaignID, accountID string) (int, error) {
	var n int
	err := tx.q.QueryRowContext(ctx, `SELECT count(*) FROM vouchers WHERE campaign_id = ? AND account_id = ?`, campaignID, accountID).Scan(&n)
	return n, wrap("count vouchers", err)
}

const redemptionCols = `id, voucher_id, campaign_id, shop_id, purchase_cents, amount_cents, staff_id, device, at, reversed_at, reversed_by, settlement_id`

func scanRedemption(row rowScanner) (vouchers.Redemption, error) {
	var r vouchers.Redemption
	var at int64
	var reversed sql.NullInt64
	err := row.Scan(&r.ID, &r.VoucherID, &r.CampaignID, &r.ShopID, &r.PurchaseCents, &r.AmountCents, &r.StaffID, &r.Device, &at, &reversed, &r.ReversedBy, &r.SettlementID)
	r.At = fromMicros(at)
	if reversed.Valid {
		t := fromMicros(reversed.Int64)
		r.ReversedAt = &t
	}
	return r, err
}

func vNullTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

// InsertRedemption implements vouchers.Tx.
func (tx *Tx) InsertRedemption(ctx context.Context, r vouchers.Redemption) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO voucher_redemptions (`+redemptionCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.VoucherID, r.CampaignID, r.ShopID, r.PurchaseCents, r.AmountCents, r.StaffID, r.Device, toMicros(r.At), vNullTimePtr(r.ReversedAt), r.ReversedBy, r.SettlementID)
	return wrap("insert redemption", err)
}

// Redemption implements vouchers.Tx.
func (tx *Tx) Redemption(ctx context.Context, id string) (vouchers.Redemption, error) {
	r, err := scanRedemption(tx.q.QueryRowContext(ctx, `SELECT `+redemptionCols+` FROM voucher_redemptions WHERE id = ?`, id))
	return r, wrap("read redemption", err)
}

// LockRedemption implements vouchers.Tx.
func (tx *Tx) LockRedemption(ctx context.Context, id string) (vouchers.Redemption, error) {
	return tx.Redemption(ctx, id)
}

// MarkReversed implements vouchers.Tx.
func (tx *Tx) MarkReversed(ctx context.Context, id string, at time.Time, by string) error {
	res, err := tx.q.ExecContext(ctx, `UPDATE voucher_redemptions SET reversed_at = ?, reversed_by = ? WHERE id = ? AND reversed_at IS NULL AND settlement_id = ''`, toMicros(at), by, id)
	return wrap("mark redemption reversed", oneRow(res, err))
}

// ListRedemptions implements vouchers.Tx.
func (tx *Tx) ListRedemptions(ctx context.Context, f vouchers.RedemptionFilter) ([]vouchers.Redemption, error) {
	if f.Limit <= 0 {
		// A statement lists every redemption of its period, however many.
		f.Limit = 1 << 40
	}
	rows, err := tx.q.QueryContext(ctx, `SELECT `+redemptionCols+` FROM voucher_redemptions
		WHERE (?1 = '' OR shop_id = ?1) AND (?2 = '' OR voucher_id = ?2) AND (?3 = '' OR campaign_id = ?3) AND (?4 = '' OR settlement_id = ?4)
		  AND (?5 = 0 OR at >= ?5) AND (?6 = 0 OR at < ?6)
		ORDER BY at, id LIMIT ?7`, f.ShopID, f.VoucherID, f.CampaignID, f.SettlementID, toMicros(f.Since), toMicros(f.Until), f.Limit)
	out, err := collect(rows, err, scanRedemption)
	return out, wrap("list redemptions", err)
}

// AssignSettlement implements vouchers.Tx.
func (tx *Tx) AssignSettlement(ctx context.Context, shopID, settlementID string, upTo time.Time) (int, int64, error) {
	n, total, err := tx.UnsettledTotals(ctx, shopID, upTo)
	if err != nil {
		return 0, 0, wrap("assign settlement", err)
	}
	_, err = tx.q.ExecContext(ctx, `UPDATE voucher_redemptions SET settlement_id = ?3 WHERE `+unsettledWhere, shopID, toMicros(upTo), settlementID)
	return n, total, wrap("assign settlement", err)
}

// unsettledWhere is the redemptions of shop ?1 made before ?2 that no
// statement holds yet and nobody reversed.
const unsettledWhere = `shop_id = ?1 AND settlement_id = '' AND reversed_at IS NULL AND at < ?2`

// UnsettledTotals implements vouchers.Tx.
func (tx *Tx) UnsettledTotals(ctx context.Context, shopID string, upTo time.Time) (int, int64, error) {
	var n int
	var total int64
	err := tx.q.QueryRowContext(ctx, `SELECT count(*), COALESCE(sum(amount_cents), 0) FROM voucher_redemptions WHERE `+unsettledWhere, shopID, toMicros(upTo)).Scan(&n, &total)
	return n, total, wrap("unsettled totals", err)
}

const settlementCols = `id, shop_id, period_end, count, total_cents, status, closed_at, closed_by, paid_at, payment_ref, shop_name, iban`

func scanSettlement(row rowScanner) (vouchers.Settlement, error) {
	var s vouchers.Settlement
	var end, closed int64
	var paid sql.NullInt64
	err := row.Scan(&s.ID, &s.ShopID, &end, &s.Count, &s.TotalCents, &s.Status, &closed, &s.ClosedBy, &paid, &s.PaymentRef, &s.ShopName, &s.IBAN)
	s.PeriodEnd, s.ClosedAt = fromMicros(end), fromMicros(closed)
	if paid.Valid {
		t := fromMicros(paid.Int64)
		s.PaidAt = &t
	}
	return s, err
}

// InsertSettlement implements vouchers.Tx.
func (tx *Tx) InsertSettlement(ctx context.Context, s vouchers.Settlement) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO voucher_settlements (`+settlementCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.ShopID, toMicros(s.PeriodEnd), s.Count, s.TotalCents, s.Status, toMicros(s.ClosedAt), s.ClosedBy, vNullTimePtr(s.PaidAt), s.PaymentRef, s.ShopName, s.IBAN)
	return wrap("insert settlement", err)
}

// Settlement implements vouchers.Tx.
func (tx *Tx) Settlement(ctx context.Context, id string) (vouchers.Settlement, error) {
	s, err := scanSettlement(tx.q.QueryRowContext(ctx, `SELECT `+settlementCols+` FROM voucher_settlements WHERE id = ?`, id))
	return s, wrap("read settlement", err)
}

// LockSettlement implements vouchers.Tx.
func (tx *Tx) LockSettlement(ctx context.Context, id string) (vouchers.Settlement, error) {
	return tx.Settlement(ctx, id)
}

// MarkSettlementPaid implements vouchers.Tx.
func (tx *Tx) MarkSettlementPaid(ctx context.Context, id string, at time.Time, ref string) error {
	res, err := tx.q.ExecContext(ctx, `UPDATE voucher_settlements SET status = 'paid', paid_at = ?, payment_ref = ? WHERE id = ? AND status = 'closed'`, toMicros(at), ref, id)
	return wrap("mark settlement paid", oneRow(res, err))
}

// UnpaidStatementsTotal implements vouchers.Tx.
func (tx *Tx) UnpaidStatementsTotal(ctx context.Context, shopID string) (int64, error) {
	var n int64
	err := tx.q.QueryRowContext(ctx, `SELECT COALESCE(sum(total_cents), 0) FROM voucher_settlements WHERE shop_id = ? AND status = 'closed'`, shopID).Scan(&n)
	return n, wrap("sum unpaid statements", err)
}

// ClaimTotals implements vouchers.Tx.
func (tx *Tx) ClaimTotals(ctx context.Context, campaignID string) (int, int64, error) {
	var n int
	var v int64
	err := tx.q.QueryRowContext(ctx, `SELECT count(*), COALESCE(sum(value_cents), 0) FROM vouchers WHERE campaign_id = ?`, campaignID).Scan(&n, &v)
	return n, v, wrap("claim totals", err)
}

// RedemptionTotals implements vouchers.Tx.
func (tx *Tx) RedemptionTotals(ctx context.Context, campaignID string) ([]vouchers.GroupTotal, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT s.district, s.category, count(*), sum(r.amount_cents)
		FROM voucher_redemptions r JOIN voucher_shops s ON s.id = r.shop_id
		WHERE r.campaign_id = ? AND r.reversed_at IS NULL
		GROUP BY s.district, s.category ORDER BY s.district, s.category`, campaignID)
	out, err := collect(rows, err, func(r rowScanner) (vouchers.GroupTotal, error) {
		var g vouchers.GroupTotal
		err := r.Scan(&g.District, &g.Category, &g.Count, &g.AmountCents)
		return g, err
	})
	return out, wrap("redemption totals", err)
}

// RecordCodeFailures implements vouchers.Tx.
func (tx *Tx) RecordCodeFailures(ctx context.Context, keys []string, at, pruneBefore time.Time) error {
	for _, key := range keys {
		if _, err := tx.q.ExecContext(ctx, `DELETE FROM voucher_code_failures WHERE key = ? AND at < ?`, key, toMicros(pruneBefore)); err != nil {
			return wrap("prune code failures", err)
		}
		if _, err := tx.q.ExecContext(ctx, `INSERT INTO voucher_code_failures (key, at) VALUES (?, ?)`, key, toMicros(at)); err != nil {
			return wrap("record code failure", err)
		}
	}
	return nil
}

// CodeFailures implements vouchers.Tx.
func (tx *Tx) CodeFailures(ctx context.Context, keys []string, since time.Time) (map[string]int, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT key, count(*) FROM voucher_code_failures
		WHERE key IN (SELECT value FROM json_each(?1)) AND at >= ?2 GROUP BY key`, vJSONList(keys), toMicros(since))
	if err != nil {
		return nil, wrap("count code failures", err)
	}
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
