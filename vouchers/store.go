package vouchers

import (
	"context"
	"time"

	"cityhub/audit"
	"cityhub/idem"
	"cityhub/identity"
	"cityhub/mail"
	"cityhub/wallet"
)

// Store is the vouchers' view of the database.
type Store interface {
	// InTx runs fn in one database transaction; an error from fn rolls it back.
	InTx(ctx context.Context, fn func(tx Tx) error) error
	// View runs fn for reads, outside a write transaction.
	View(ctx context.Context, fn func(tx Tx) error) error
}

// GroupedStore is a Store that can commit transactions that arrive
// together with the same key in one (InTxGrouped): they share the locks
// they would queue for one by one, and one commit. A fn that fails in the
// group, or would wait for a claimant's lock there, is undone alone and run
// again alone, as is every fn of a group refused at its commit, so fn gets
// the answer it would have had alone; fn must be safe to run again, as
// InTx's are.
type GroupedStore interface {
	InTxGrouped(ctx context.Context, key string, fn func(tx Tx) error) error
}

// Tx is one database transaction. It embeds the ledger, idempotency and audit
// transactions so that a voucher's state change, the money it moves, the
// client's idempotency record and the audit entry commit together or not at
// all. Lock methods hold the row until the transaction ends; locks are taken
// in the order campaign, shop, settlement, redemption, voucher, ledger
// accounts. Missing rows are NotFound.
type Tx interface {
	wallet.Tx
	idem.Tx
	audit.Tx
	// The voucher-claimed e-mail is enqueued with the claim.
	mail.Enqueuer

	// InsertShop and UpdateShop keep ShopKey(name, address) unique:
	// Conflict when another shop has it.
	InsertShop(ctx context.Context, s Shop) error
	UpdateShop(ctx context.Context, s Shop) error
	Shop(ctx context.Context, id string) (Shop, error)
	ListShops(ctx context.Context, f ShopFilter) ([]Shop, error)

	InsertCampaign(ctx context.Context, c Campaign) error
	UpdateCampaign(ctx context.Context, c Campaign) error
	Campaign(ctx context.Context, id string) (Campaign, error)
	// LockCampaign locks a campaign against other edits and status changes;
	// it does not wait for claims or redemptions, which only share the
	// campaign row.
	LockCampaign(ctx context.Context, id string) (Campaign, error)
	// LockCampaignStatus locks a campaign against everything, redemptions and
	// reversals in flight included (it waits for them), so a status change
	// (a close releasing the held value) sees every one of them.
	LockCampaignStatus(ctx context.Context, id string) (Campaign, error)
	// LockClaimant serializes, until the transaction ends, the claims of
	// one account on one campaign, so that the per-citizen count a claim
	// reads next cannot miss a claim of the same person in flight. Other
	// people's claims do not wait.
	LockClaimant(ctx context.Context, campaignID, accountID string) error
	// ShareHolder holds a person's account against its erasure until the
	// transaction ends (an erasure waits, and then finds what this
	// transaction gave them) and reports whether it was erased already. An
	// account the store does not hold is not erased.
	ShareHolder(ctx context.Context, accountID string) (erased bool, err error)
	// ShareCampaign reads a campaign and holds off a status change
	// (LockCampaignStatus) until the transaction ends, without holding off
	// claims or other sharers.
	ShareCampaign(ctx context.Context, id string) (Campaign, error)
	// RedemptionTarget reads in one go what a redemption checks: the
	// voucher, locked, with HolderWorksHere for the shop (as WorksAt); its
	// campaign, shared (as ShareCampaign); and the shop (NotFound with the
	// shop's reason when only the shop is missing).
	RedemptionTarget(ctx context.Context, voucherID, shopID string) (Voucher, Campaign, Shop, error)
	// RedemptionTargetByCode is RedemptionTarget for the voucher whose typed
	// code hashes to codeHash: NotFound (without the shop's reason) when no
	// voucher has it.
	RedemptionTargetByCode(ctx context.Context, codeHash, shopID string) (Voucher, Campaign, Shop, error)
	// WorksAt reports whether the account holds a merchant grant
	// (identity.RoleMerchant) scoped to the shop.
	WorksAt(ctx context.Context, accountID, shopID string) (bool, error)
	// ListCampaigns lists campaigns with one of statuses (all when empty),
	// newest first.
	ListCampaigns(ctx context.Context, statuses []string) ([]Campaign, error)
	// PageCampaigns reads what sk names of the campaigns with one of
	// statuses (all when empty), newest first: created_at, then id, both
	// descending. CountCampaigns counts all of them.
	PageCampaigns(ctx context.Context, statuses []string, sk Seek) ([]Campaign, error)
	CountCampaigns(ctx context.Context, statuses []string) (int, error)

	InsertVoucher(ctx context.Context, v Voucher) error
	// UpdateVoucher writes RemainingCents and Status.
	UpdateVoucher(ctx context.Context, v Voucher) error
	Voucher(ctx context.Context, id string) (Voucher, error)
	LockVoucher(ctx context.Context, id string) (Voucher, error)
	VoucherByCodeHash(ctx context.Context, hash string) (Voucher, error)
	// ListVouchers lists an account's vouchers, newest first.
	ListVouchers(ctx context.Context, accountID string) ([]Voucher, error)
	// InsertForfeit records a voucher's value given up (ForfeitTx).
	InsertForfeit(ctx context.Context, f Forfeit) error
	// Forfeited says whether a voucher was given up with its holder's
	// account.
	Forfeited(ctx context.Context, voucherID string) (bool, error)
	// CountVouchers counts an account's vouchers of a campaign.
	CountVouchers(ctx context.Context, campaignID, accountID string) (int, error)
	// VouchersToRemind lists, locked and soonest first, at most limit
	// active vouchers with value left, expiring in (from, to], whose
	// holder was not reminded yet; rows another reminder holds are skipped.
	VouchersToRemind(ctx context.Context, from, to time.Time, limit int) ([]Voucher, error)
	// MarkReminded records that a voucher's holder was reminded; false if
	// someone already had.
	MarkReminded(ctx context.Context, id string, at time.Time) (bool, error)
	// AccountByID reads the holder a reminder is addressed to.
	AccountByID(ctx context.Context, id string) (identity.Account, error)

	// CampaignMoney reads, in one snapshot, every campaign's figures that
	// its two ledger accounts must agree with (see Service.Reconcile).
	CampaignMoney(ctx context.Context) ([]CampaignMoney, error)
	// ShopMoney is CampaignMoney for every shop and its two accounts.
	ShopMoney(ctx context.Context) ([]ShopMoney, error)

	InsertRedemption(ctx context.Context, r Redemption) error
	Redemption(ctx context.Context, id string) (Redemption, error)
	LockRedemption(ctx context.Context, id string) (Redemption, error)
	// MarkReversed sets ReversedAt and ReversedBy.
	MarkReversed(ctx context.Context, id string, at time.Time, by string) error
	// ListRedemptions lists redemptions matching f, oldest first.
	ListRedemptions(ctx context.Context, f RedemptionFilter) ([]Redemption, error)

	// AssignSettlement stamps settlementID on every unreversed, unsettled
	// redemption of shopID made before upTo, and returns their number and
	// total. Redemptions locked by a concurrent reversal are waited for.
	AssignSettlement(ctx context.Context, shopID, settlementID string, upTo time.Time) (count int, total int64, err error)
	// UnsettledTotals counts and sums what AssignSettlement would stamp
	// (unreversed, unsettled redemptions of shopID made before upTo)
	// without stamping it.
	UnsettledTotals(ctx context.Context, shopID string, upTo time.Time) (count int, total int64, err error)
	InsertSettlement(ctx context.Context, s Settlement) error
	Settlement(ctx context.Context, id string) (Settlement, error)
	LockSettlement(ctx context.Context, id string) (Settlement, error)
	// MarkSettlementPaid sets status paid, PaidAt and PaymentRef.
	MarkSettlementPaid(ctx context.Context, id string, at time.Time, ref string) error
	// UnpaidStatementsTotal sums a shop's statements issued and not paid
	// (SettlementClosed).
	UnpaidStatementsTotal(ctx context.Context, shopID string) (int64, error)
	// PageSettlements reads what sk names of a shop's settlements (all
	// shops' when empty), newest first: closed_at, then id, both
	// descending. CountSettlements counts all of them.
	PageSettlements(ctx context.Context, shopID string, sk Seek) ([]Settlement, error)
	CountSettlements(ctx context.Context, shopID string) (int, error)

	// RecordCodeFailures notes one failed typed-code look-up at time at for
	// each key ("shop:<id>", "ip:<address>"), and forgets the keys' failures
	// older than pruneBefore.
	RecordCodeFailures(ctx context.Context, keys []string, at, pruneBefore time.Time) error
	// CodeFailures counts each key's failed look-ups since a time.
	CodeFailures(ctx context.Context, keys []string, since time.Time) (map[string]int, error)

	// ClaimTotals counts a campaign's vouchers and sums their value.
	ClaimTotals(ctx context.Context, campaignID string) (count int, value int64, err error)
	// RedemptionTotals groups a campaign's unreversed redemptions by the
	// district and category of the shop.
	RedemptionTotals(ctx context.Context, campaignID string) ([]GroupTotal, error)
}

// ShopFilter selects shops; zero fields match all.
type ShopFilter struct {
	IDs        []string
	District   string
	Category   string
	ActiveOnly bool
}

// RedemptionFilter selects redemptions; zero fields match all.
type RedemptionFilter struct {
	ShopID       string
	VoucherID    string
	CampaignID   string
	SettlementID string
	Since        time.Time
	Until        time.Time
	Limit        int // 0: all
}

// GroupTotal is the redemptions of one district and category.
type GroupTotal struct {
	District    string `json:"district"`
	Category    string `json:"category"`
	Count       int    `json:"count"`
	AmountCents int64  `json:"amount_cents"`
}

// CodeTargetReader is a Tx that reads a typed code's failure counts
// (CodeFailures) and then its voucher (RedemptionTargetByCode, locked) in
// one exchange with the database. Redeem uses it when the store offers it;
// the counts are judged first, as when read apart, and the voucher read
// after them is dropped when they refuse.
type CodeTargetReader interface {
	CodeFailuresAndTarget(ctx context.Context, keys []string, since time.Time, codeHash, shopID string) (map[string]int, CodeTarget, error)
}

// CodeTarget is RedemptionTargetByCode's answer, its error included (a code
// no voucher has is NotFound).
type CodeTarget struct {
	Voucher  Voucher
	Campaign Campaign
	Shop     Shop
	Err      error
}

// ClaimReader is a Tx that shares a campaign (ShareCampaign), counts a
// person's vouchers of it (CountVouchers) and shares their account
// (ShareHolder) in one exchange with the database, the count read once the
// share, and any lock queued before it (LockClaimant), is held.
type ClaimReader interface {
	ShareCampaignCountingVouchers(ctx context.Context, campaignID, accountID string) (camp Campaign, n int, erased bool, err error)
}
