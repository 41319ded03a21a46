package vouchers

import (
	"context"
	"fmt"
	"time"

	"cityhub/apperr"
	"cityhub/idem"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/mail"
	"cityhub/qrtoken"
	"cityhub/wallet"
)

// ---- Claiming -------------------------------------------------------------

// ClaimableCampaign is a campaign a citizen may claim now, with how many
// more vouchers they may take.
type ClaimableCampaign struct {
	Campaign
	ClaimedByYou int `json:"claimed_by_you"`
	YouMayClaim  int `json:"you_may_claim"`
}

// Claimable lists open campaigns in their validity window, with budget for
// one more voucher, that the citizen has not used up.
func (s *Service) Claimable(ctx context.Context, c identity.Caller) ([]ClaimableCampaign, error) {
	if err := requireCitizen(c); err != nil {
		return nil, err
	}
	now := s.now()
	out := []ClaimableCampaign{}
	err := s.store.View(ctx, func(tx Tx) error {
		camps, err := tx.ListCampaigns(ctx, []string{StatusOpen})
		if err != nil {
			return err
		}
		for _, camp := range camps {
			if now.Before(camp.ValidFrom) || !now.Before(camp.ValidUntil) {
				continue
			}
			budget, err := tx.Account(ctx, wallet.CampaignBudgetAccount(camp.ID))
			if err != nil {
				return fmt.Errorf("read budget: %w", err)
			}
			if budget.Balance < camp.FaceValueCents {
				continue // run out: nothing left to claim
			}
			n, err := tx.CountVouchers(ctx, camp.ID, c.AccountID)
			if err != nil {
				return err
			}
			if n < camp.PerCitizenLimit {
				out = append(out, ClaimableCampaign{Campaign: camp, ClaimedByYou: n, YouMayClaim: camp.PerCitizenLimit - n})
			}
		}
		return nil
	})
	return out, err
}

// Claim gives the citizen a voucher of the campaign, reserving its value
// from the budget. The budget's floor and a lock per citizen and campaign
// check the budget and the citizen's limit against every concurrent claim;
// the campaign is shared, so a close waits for the claims in flight. NotFound for
// an unknown campaign; Conflict (reasons campaign_not_open, not_yet_valid,
// campaign_over, per_citizen_limit, budget_exhausted); Unauthenticated
// (apperr.ErrAccountDeleted) when the citizen's account was erased while
// the claim was on its way, and no voucher is made.
func (s *Service) Claim(ctx context.Context, c identity.Caller, campaignID string) (VoucherView, error) {
	out, _, err := s.ClaimWithKey(ctx, c, campaignID, "")
	return out, err
}

// ClaimWithKey is Claim under a client's idempotency key (none when key is
// empty): the key is recorded in the transaction that makes the voucher, so
// a retry, however many race and whenever it comes (after a crash, after the
// campaign closed or the citizen reached the limit), answers the first
// voucher (replayed=true) and never makes another. The same key for another
// campaign is Conflict (idempotency_key_reused).
//
// A refusal is the key's answer too (idem.DoKeeping): a retry of a claim
// refused because the campaign was paused or closed, the citizen at the
// limit or the budget spent is refused again alike (replayed=true), even
// once the campaign is open again. The API keeps no second copy of these
// answers (OwnAnswerRoutes).
func (s *Service) ClaimWithKey(ctx context.Context, c identity.Caller, campaignID, key string) (VoucherView, bool, error) {
	if err := requireCitizen(c); err != nil {
		return VoucherView{}, false, err
	}
	if key == "" {
		var out VoucherView
		err := s.inClaimTx(ctx, campaignID, func(tx Tx) error {
			var err error
			out, err = s.claimTx(ctx, tx, c, campaignID)
			return err
		})
		return out, false, budgetExhausted(err)
	}
	if err := idem.ValidateKey(key); err != nil {
		return VoucherView{}, false, err
	}
	scope, request := "voucher.claim:"+c.AccountID, map[string]string{"campaign_id": campaignID}
	var out VoucherView
	var replayed bool
	var refused error
	err := s.inClaimTx(ctx, campaignID, func(tx Tx) error {
		var camp Campaign
		var n int
		var err error
		// The key's claim goes with the claim's reads (one round trip for
		// both, where the store can), and a refusal judged on them writes
		// nothing but the key: the claimant's lock and the campaign's
		// share are all a claim takes before it decides.
		out, refused, replayed, err = idem.DoKeepingAfterRead(ctx, tx, scope, key, request, func() error {
			var err error
			camp, n, err = claimReads(ctx, tx, c, campaignID)
			return err
		}, func() (VoucherView, error) {
			out, err := s.claimWrites(ctx, tx, c, camp, n)
			if apperr.Has(err, apperr.InsufficientFunds) {
				// Refused after the voucher was written (a store that
				// posts the reservation at once): a refusal DoKeeping
				// kept here would commit the voucher with the key.
				return out, idem.AfterWrites(errBudgetExhausted)
			}
			return out, err
		})
		return err
	})
	if late, ok := idem.LateRefusal(err); ok {
		err = late
	}
	if err = budgetExhausted(err); apperr.ReasonOf(err) == reasonBudgetExhausted {
		// The budget refused the reservation, at the commit it rode with
		// or at once after the voucher was written: either way the claim's
		// transaction rolled back with its key, and the refusal is kept in
		// a transaction of its own. A copy of this request that committed
		// the key meanwhile gave the key its first answer, and this
		// request gets it.
		err = s.store.InTx(ctx, func(tx Tx) error {
			var err error
			out, refused, replayed, err = idem.KeepRefusal[VoucherView](ctx, tx, scope, key, request, errBudgetExhausted)
			return err
		})
	}
	if err == nil && refused != nil {
		out, err = VoucherView{}, refused
	}
	return out, replayed, err
}

// inClaimTx runs a claim's transaction. Every claim of a campaign ends on
// its budget's lock, held from the reservation until the commit is on
// disk: where the store can, claims of one campaign that arrive together
// are committed together (GroupedStore), so that they hold it, and wait for
// the disk, once.
func (s *Service) inClaimTx(ctx context.Context, campaignID string, fn func(tx Tx) error) error {
	if g, ok := s.store.(GroupedStore); ok {
		return g.InTxGrouped(ctx, "voucher-claim:"+campaignID, fn)
	}
	return s.store.InTx(ctx, fn)
}

// budgetExhausted is err, or Conflict (budget_exhausted) when it is the
// budget's floor refusing a claim's reservation, at once or at the commit
// the reservation rides with: the only floor a claim's transaction meets.
func budgetExhausted(err error) error {
	if apperr.Has(err, apperr.InsufficientFunds) {
		return errBudgetExhausted
	}
	return err
}

const reasonBudgetExhausted = "budget_exhausted"

var errBudgetExhausted = apperr.R(apperr.Conflict, reasonBudgetExhausted, "This campaign's budget has run out.")

func (s *Service) claimTx(ctx context.Context, tx Tx, c identity.Caller, campaignID string) (VoucherView, error) {
	camp, n, err := claimReads(ctx, tx, c, campaignID)
	if err != nil {
		return VoucherView{}, err
	}
	return s.claimWrites(ctx, tx, c, camp, n)
}

// claimReads takes what a claim reads and locks, and writes nothing (a
// keyed claim may send them with its key's claim: idem.DoKeepingAfterRead).
// The campaign is shared, not locked: claims of a campaign run side by
// side, and a status change waits for those in flight. They meet only
// where they must: the budget's ledger account (its floor is checked when
// the value is reserved, at the end) and, per person, the claimant lock
// that keeps the per-citizen count exact, taken first so that the count,
// read after it, sees every claim of this person committed before. The
// claimant's account is shared too: a claim authenticated just before its
// person erased the account would otherwise give a voucher to an erased
// account, one the erasure (which gives up the account's vouchers) did not
// see. Sharing it, the claim either ends before the erasure reads the
// vouchers or finds the account erased and makes none.
func claimReads(ctx context.Context, tx Tx, c identity.Caller, campaignID string) (Campaign, int, error) {
	if err := tx.LockClaimant(ctx, campaignID, c.AccountID); err != nil {
		return Campaign{}, 0, fmt.Errorf("lock claimant: %w", err)
	}
	camp, n, erased, err := shareAndCount(ctx, tx, campaignID, c.AccountID)
	if err != nil {
		return Campaign{}, 0, campaignNotFound(err)
	}
	if erased {
		return Campaign{}, 0, apperr.ErrAccountDeleted
	}
	return camp, n, nil
}

// claimWrites judges a claim on what claimReads found and makes the
// voucher.
func (s *Service) claimWrites(ctx context.Context, tx Tx, c identity.Caller, camp Campaign, n int) (VoucherView, error) {
	now := s.now()
	if camp.Status == StatusDraft {
		// Only its administrators see a draft: to anyone else it is not
		// there, as in its shops' list.
		return VoucherView{}, campaignNotFound(apperr.E(apperr.NotFound, "draft"))
	}
	if camp.Status != StatusOpen {
		return VoucherView{}, apperr.R(apperr.Conflict, "campaign_not_open", "This campaign is not open for claims.")
	}
	if now.Before(camp.ValidFrom) {
		return VoucherView{}, apperr.R(apperr.Conflict, "not_yet_valid", "This campaign has not started yet.")
	}
	if !now.Before(camp.ValidUntil) {
		return VoucherView{}, apperr.R(apperr.Conflict, "campaign_over", "This campaign has ended.")
	}
	if n >= camp.PerCitizenLimit {
		return VoucherView{}, apperr.R(apperr.Conflict, "per_citizen_limit", "You already have as many vouchers of this campaign as allowed (%d).", camp.PerCitizenLimit)
	}
	code, hash := qrtoken.NewCode()
	v := Voucher{
		ID: ids.New("vch"), CampaignID: camp.ID, AccountID: c.AccountID,
		ValueCents: camp.FaceValueCents, RemainingCents: camp.FaceValueCents, Status: VoucherActive,
		Code: code, CodeHash: hash, ClaimedAt: now.UTC(), ExpiresAt: camp.ValidUntil,
	}
	if err := tx.InsertVoucher(ctx, v); err != nil {
		return VoucherView{}, fmt.Errorf("insert voucher: %w", err)
	}
	// The budget is one account for the whole city: its lock is the one
	// every claim of the campaign queues on. The reservation is written with
	// the commit, so the lock is held while the server commits and not
	// while a round trip goes by; a budget it would break fails the commit
	// (or, on a store that posts at once, this call), and ClaimWithKey
	// answers budget_exhausted on the way out of the transaction.
	err := wallet.PostAtCommit(ctx, tx, wallet.Transaction{
		Key: "voucher.claim:" + v.ID, Kind: "voucher.claim", RefType: "voucher", RefID: v.ID,
		Entries: []wallet.Entry{
			{Account: wallet.CampaignBudgetAccount(camp.ID), Amount: -v.ValueCents},
			{Account: wallet.CampaignHeldAccount(camp.ID), Amount: v.ValueCents},
		},
	}, now)
	if err != nil {
		return VoucherView{}, fmt.Errorf("reserve voucher value: %w", err)
	}
	if err := s.audit(ctx, tx, c, "voucher.claim", "voucher", v.ID, "", map[string]any{"campaign_id": camp.ID, "value_cents": v.ValueCents}); err != nil {
		return VoucherView{}, err
	}
	if err := s.claimedEmail(ctx, tx, c, camp, v, now); err != nil {
		return VoucherView{}, err
	}
	return view(v, camp, now, true), nil
}

// shareAndCount shares the campaign (ShareCampaign), then counts the
// person's vouchers of it (CountVouchers) and shares their account
// (ShareHolder): in one exchange with the database when the store offers
// it (ClaimReader), else one after the other.
func shareAndCount(ctx context.Context, tx Tx, campaignID, accountID string) (camp Campaign, n int, erased bool, err error) {
	if r, ok := tx.(ClaimReader); ok {
		return r.ShareCampaignCountingVouchers(ctx, campaignID, accountID)
	}
	if camp, err = tx.ShareCampaign(ctx, campaignID); err != nil {
		return camp, 0, false, err
	}
	if n, err = tx.CountVouchers(ctx, campaignID, accountID); err != nil {
		return camp, 0, false, fmt.Errorf("count vouchers: %w", err)
	}
	if erased, err = tx.ShareHolder(ctx, accountID); err != nil {
		return camp, 0, false, fmt.Errorf("share the claimant's account: %w", err)
	}
	return camp, n, erased, nil
}

// EmailsClaims reports whether a voucher c claims enqueues the
// voucher-claimed e-mail: e-mails are on and c has an address to write to
// (a SPID/CIE account may have none). claimedEmail decides on exactly this,
// so a page may tell the citizen an e-mail comes only when it does.
func (s *Service) EmailsClaims(c identity.Caller) bool {
	return s.mail != nil && identity.MailableAddress(c.Email)
}

// claimedEmail enqueues the voucher-claimed e-mail in the claim's
// transaction, unless EmailsClaims says none goes to c.
func (s *Service) claimedEmail(ctx context.Context, tx Tx, c identity.Caller, camp Campaign, v Voucher, now time.Time) error {
	if !s.EmailsClaims(c) {
		return nil
	}
	m, err := s.mail.VoucherClaimed(mail.Recipient{AccountID: c.AccountID, Email: c.Email, Name: c.Name, Locale: c.Locale},
		mail.Voucher{Campaign: camp.Name, ValueCents: v.ValueCents, PercentOff: camp.PercentOff, MinSpendCents: camp.MinSpendCents, ExpiresAt: v.ExpiresAt})
	if err != nil {
		return fmt.Errorf("compose voucher e-mail: %w", err)
	}
	if _, err := mail.Enqueue(ctx, tx, m, now); err != nil {
		return err
	}
	return nil
}

// VoucherView is a voucher as its holder sees it.
type VoucherView struct {
	Voucher
	CampaignName string `json:"campaign_name"`
	// CampaignLang is the language of CampaignName (Campaign.Lang): pages
	// mark the name with it. Not in the JSON.
	CampaignLang   string       `json:"-"`
	PercentOff     int          `json:"percent_off,omitempty"`
	MinSpendCents  int64        `json:"min_spend_cents"`
	Mode           string       `json:"mode"`
	TypedCode      string       `json:"code,omitempty"`
	Redemptions    []VoucherUse `json:"redemptions,omitempty"`
	CampaignStatus string       `json:"campaign_status"`
}

// VoucherUse is one redemption of a voucher as its holder sees it: where,
// when and how much. Who served at the till, from which device, and the
// shop's settlement are the shop's and the city's business, not shown.
type VoucherUse struct {
	ID            string     `json:"id"`
	ShopID        string     `json:"shop_id"`
	ShopName      string     `json:"shop_name"`
	PurchaseCents int64      `json:"purchase_cents"`
	AmountCents   int64      `json:"amount_cents"` // taken from the voucher
	At            time.Time  `json:"at"`
	ReversedAt    *time.Time `json:"reversed_at,omitempty"` // given back to the voucher
}

func view(v Voucher, camp Campaign, now time.Time, owner bool) VoucherView {
	if v.Status == VoucherActive && (!now.Before(camp.ValidUntil) || camp.Status == StatusClosed) {
		v.Status = VoucherExpired
	}
	vv := VoucherView{Voucher: v, CampaignName: camp.Name, CampaignLang: camp.Lang, PercentOff: camp.PercentOff, MinSpendCents: camp.MinSpendCents, Mode: camp.Mode, CampaignStatus: camp.Status}
	if owner && v.Status == VoucherActive {
		vv.TypedCode = v.Code
	}
	return vv
}

// MyVouchers lists the caller's vouchers, newest first.
func (s *Service) MyVouchers(ctx context.Context, c identity.Caller) ([]VoucherView, error) {
	if c.AccountID == "" {
		return nil, apperr.E(apperr.Unauthenticated, "Sign in first.")
	}
	return s.vouchersOf(ctx, c.AccountID)
}

func (s *Service) vouchersOf(ctx context.Context, accountID string) ([]VoucherView, error) {
	now := s.now()
	out := []VoucherView{}
	err := s.store.View(ctx, func(tx Tx) error {
		vs, err := tx.ListVouchers(ctx, accountID)
		if err != nil {
			return err
		}
		camps := map[string]Campaign{}
		for _, v := range vs {
			camp, ok := camps[v.CampaignID]
			if !ok {
				if camp, err = tx.Campaign(ctx, v.CampaignID); err != nil {
					return fmt.Errorf("read campaign: %w", err)
				}
				camps[v.CampaignID] = camp
			}
			out = append(out, view(v, camp, now, true))
		}
		return nil
	})
	return out, err
}

// MyVoucher returns one of the caller's vouchers with where it was used.
// NotFound if it is not the caller's (whether or not it exists).
func (s *Service) MyVoucher(ctx context.Context, c identity.Caller, id string) (VoucherView, error) {
	var out VoucherView
	err := s.store.View(ctx, func(tx Tx) error {
		v, err := tx.Voucher(ctx, id)
		if err != nil || v.AccountID != c.AccountID || c.AccountID == "" {
			return apperr.R(apperr.NotFound, "voucher_not_found", "No such voucher.")
		}
		camp, err := tx.Campaign(ctx, v.CampaignID)
		if err != nil {
			return err
		}
		out = view(v, camp, s.now(), true)
		reds, err := tx.ListRedemptions(ctx, RedemptionFilter{VoucherID: v.ID})
		if err != nil {
			return fmt.Errorf("list the voucher's redemptions: %w", err)
		}
		names := map[string]string{}
		for _, r := range reds {
			name, ok := names[r.ShopID]
			if !ok {
				shop, err := tx.Shop(ctx, r.ShopID)
				if err != nil {
					return fmt.Errorf("read shop %s: %w", r.ShopID, err)
				}
				name, names[r.ShopID] = shop.Name, shop.Name
			}
			out.Redemptions = append(out.Redemptions, VoucherUse{ID: r.ID, ShopID: r.ShopID, ShopName: name,
				PurchaseCents: r.PurchaseCents, AmountCents: r.AmountCents, At: r.At, ReversedAt: r.ReversedAt})
		}
		return nil
	})
	return out, err
}

// Token is a freshly signed, rotating QR token for a voucher.
type Token = qrtoken.Rotating

// FreshToken signs a new short-lived QR token for one of the caller's active
// vouchers. NotFound if it is not the caller's; Conflict if it cannot be
// used any more.
func (s *Service) FreshToken(ctx context.Context, c identity.Caller, voucherID string) (Token, error) {
	tok, _, err := s.freshToken(ctx, c.AccountID, voucherID)
	return tok, err
}

// QRToken gives the wallet pages a voucher's rotating QR token and its typed
// code. NotFound unless accountID holds the voucher; Conflict once it is used
// or expired.
func (s *Service) QRToken(ctx context.Context, accountID, voucherID string) (token, typedCode string, expires time.Time, err error) {
	tok, code, err := s.freshToken(ctx, accountID, voucherID)
	return tok.Token, code, tok.ExpiresAt, err
}

func (s *Service) freshToken(ctx context.Context, accountID, voucherID string) (Token, string, error) {
	vv, err := s.MyVoucher(ctx, identity.Caller{AccountID: accountID}, voucherID)
	if err != nil {
		return Token{}, "", err
	}
	if vv.Status != VoucherActive {
		return Token{}, "", apperr.R(apperr.Conflict, "voucher_not_active", "This voucher is %s.", vv.Status)
	}
	tok, err := qrtoken.IssueRotating(s.keys, qrtoken.KindVoucher, vv.ID, s.now())
	if err != nil {
		return Token{}, "", err
	}
	return tok, vv.TypedCode, nil
}

// WalletItems implements wallet.ItemSource.
func (s *Service) WalletItems(ctx context.Context, accountID string) ([]wallet.Item, error) {
	vs, err := s.vouchersOf(ctx, accountID)
	if err != nil {
		return nil, err
	}
	items := make([]wallet.Item, 0, len(vs))
	for _, v := range vs {
		remaining := v.RemainingCents
		exp := v.ExpiresAt
		var ended string
		if v.Status == VoucherExpired && v.CampaignStatus == StatusClosed {
			ended = "campaign_closed"
		}
		// No text of our own here: the wallet page formats the value in the
		// reader's language; the title is the campaign's name as the city wrote it.
		items = append(items, wallet.Item{
			Kind: "voucher", ID: v.ID, Title: v.CampaignName, TitleLang: v.CampaignLang, Status: v.Status,
			Value: &remaining, PercentOff: v.PercentOff, Expires: &exp, EndedBy: ended, At: v.ClaimedAt, HasQR: v.Status == VoucherActive,
			Link: "/vouchers#" + v.ID,
		})
	}
	return items, nil
}

var _ wallet.ItemSource = (*Service)(nil)
