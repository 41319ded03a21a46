package vouchers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/idem"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/money"
	"cityhub/wallet"
)

// ---- Redemption -----------------------------------------------------------

// Preview is what the till shows after a scan, before the amount is entered.
type Preview struct {
	VoucherID      string    `json:"voucher_id"`
	CampaignName   string    `json:"campaign_name"`
	Status         string    `json:"status"`
	RemainingCents int64     `json:"remaining_cents"`
	PercentOff     int       `json:"percent_off,omitempty"`
	MinSpendCents  int64     `json:"min_spend_cents"`
	Mode           string    `json:"mode"`
	ExpiresAt      time.Time `json:"expires_at"`
	Eligible       bool      `json:"eligible_here"`
	// Problem says why it cannot be redeemed here now, when it cannot.
	Problem string `json:"problem,omitempty"`
	// ProblemReason is Problem's reason code, the one the redeem would
	// refuse with (voucher_used, own_voucher...): what a till translates.
	ProblemReason string `json:"problem_reason,omitempty"`
}

// PreviewCode shows a merchant what a scanned or typed code is worth at
// their shop. Forbidden unless the caller is staff of shopID (checked before
// the code is read); Invalid/NotFound/Conflict/RateLimited as identify.
func (s *Service) PreviewCode(ctx context.Context, c identity.Caller, shopID, presented string) (Preview, error) {
	if err := requireMerchant(c, shopID); err != nil {
		return Preview{}, err
	}
	id, err := s.identify(ctx, shopID, presented)
	if err != nil {
		return Preview{}, err
	}
	var p Preview
	err = s.store.View(ctx, func(tx Tx) error {
		v, err := tx.Voucher(ctx, id)
		if err != nil {
			return voucherNotFound(err)
		}
		camp, err := tx.Campaign(ctx, v.CampaignID)
		if err != nil {
			return err
		}
		shop, err := tx.Shop(ctx, shopID)
		if err != nil {
			return shopNotFound(err)
		}
		if err := readHolderWorksHere(ctx, tx, &v, shopID); err != nil {
			return err
		}
		vv := view(v, camp, s.now(), false)
		p = Preview{VoucherID: v.ID, CampaignName: camp.Name, Status: vv.Status, RemainingCents: v.RemainingCents,
			PercentOff: camp.PercentOff, MinSpendCents: camp.MinSpendCents, Mode: camp.Mode, ExpiresAt: v.ExpiresAt}
		// Eligible is exactly "redeeming now would pass the voucher's own
		// rules" (the amount apart), so that a till may offer the button on
		// it alone: a used, expired or closed voucher, one of a campaign not
		// begun, of another shop, of the caller's own (ownVoucher) or of
		// one of this shop's staff (staffVoucher) is not.
		if err := redeemable(v, camp, shop, c.AccountID, s.now(), s.zone); err != nil {
			p.Problem, p.ProblemReason = apperr.MessageOf(err), apperr.ReasonOf(err)
		} else {
			p.Eligible = true
		}
		return nil
	})
	return p, err
}

// redeemable checks everything about a voucher except the purchase amount,
// for the staff member staffID (the caller) at shop. A voucher of staffID's
// own comes first, then one of a colleague's at shop: they are refused
// whatever their state, so the till says so rather than a reason that
// would pass with time.
func redeemable(v Voucher, camp Campaign, shop Shop, staffID string, now time.Time, zone *time.Location) error {
	switch {
	case ownVoucher(v, staffID):
		return errOwnVoucher
	case staffVoucher(v):
		return errStaffVoucher
	case camp.Status == StatusClosed || camp.Status == StatusDraft:
		return apperr.R(apperr.Conflict, "campaign_closed", "This voucher's campaign is closed.")
	case now.Before(camp.ValidFrom):
		return apperr.R(apperr.Conflict, "not_yet_valid", "This voucher cannot be used before %s.", camp.ValidFrom.In(zone).Format("2 Jan 2006 15:04"))
	case !now.Before(camp.ValidUntil):
		return apperr.R(apperr.Conflict, "voucher_expired", "This voucher has expired.")
	case v.Status != VoucherActive || v.RemainingCents <= 0:
		return apperr.R(apperr.Conflict, "voucher_used", "This voucher has already been used.")
	case !camp.Eligible(shop):
		return apperr.R(apperr.Conflict, "shop_not_eligible", "This voucher cannot be used at this shop.")
	}
	return nil
}

// ownVoucher reports whether v is held by the account staffID: staff may
// not redeem, at a till they work, a voucher they hold themselves, or the
// shop would be owed the city's money with no customer. The holder is read
// with the voucher (voucherCols, redemptionTargetCols), so the rule costs
// no read of its own. A voucher without a holder is nobody's.
func ownVoucher(v Voucher, staffID string) bool {
	return v.AccountID != "" && v.AccountID == staffID
}

// errOwnVoucher refuses a redemption of the caller's own voucher: Conflict,
// as the other rules about the voucher at this till (shop_not_eligible), so
// that a retry of the key is refused again alike (idem.Keeps).
var errOwnVoucher = apperr.R(apperr.Conflict, "own_voucher", "This voucher is yours: you cannot redeem it at a till you work.")

// staffVoucher reports whether v, read for a shop, is held by staff of that
// shop (Voucher.HolderWorksHere): whoever serves it there, a colleague of
// the holder's, the shop would be owed the city's money with no customer,
// as with ownVoucher. Staff of another shop are citizens at this one. The
// redemption targets read the fact with the voucher, in the same statement
// where the store can, so the rule costs no round trip of its own.
func staffVoucher(v Voucher) bool {
	return v.AccountID != "" && v.HolderWorksHere
}

// errStaffVoucher refuses a redemption, at a shop, of a voucher held by
// that shop's staff: Conflict, as errOwnVoucher.
var errStaffVoucher = apperr.R(apperr.Conflict, "staff_voucher", "This voucher belongs to someone who works at this shop: it cannot be redeemed at its tills.")

// readHolderWorksHere fills v.HolderWorksHere for shopID, for a read of
// the voucher that is not a redemption target's (a preview's, a quote's):
// one more read, off the redemption's path. A voucher without a holder
// needs none.
func readHolderWorksHere(ctx context.Context, tx Tx, v *Voucher, shopID string) error {
	if v.AccountID == "" {
		return nil
	}
	works, err := tx.WorksAt(ctx, v.AccountID, shopID)
	if err != nil {
		return fmt.Errorf("read whether the holder works at the shop: %w", err)
	}
	v.HolderWorksHere = works
	return nil
}

// RedeemRequest is what the till sends.
type RedeemRequest struct {
	Code          string `json:"code"` // a QR token or a typed code
	PurchaseCents int64  `json:"purchase_cents"`
}

// Redeem uses a voucher at the caller's shop for a purchase. The voucher row
// is locked and every rule (campaign state, validity, eligibility, minimum
// spend, remaining value) is checked in the transaction that moves the value
// to the shop's payable, so one voucher cannot be spent twice. A replay of
// key with the same request (code and amount) returns the first result
// (replayed=true), even once the QR code it carried has expired: the key is
// looked up before the code is read. A refusal that idem.Keeps is kept with
// the key too, and a replay is refused alike (replayed=true with the
// error), even if what refused it has changed since. The same key with
// another code or amount is Conflict (idempotency_key_reused).
// Redemptions that arrive together are committed together, each with the
// answer it would have had alone (redeem_batch.go).
func (s *Service) Redeem(ctx context.Context, c identity.Caller, shopID, key string, req RedeemRequest) (Redemption, bool, error) {
	if err := requireMerchant(c, shopID); err != nil {
		return Redemption{}, false, err
	}
	if err := idem.ValidateKey(key); err != nil {
		return Redemption{}, false, err
	}
	if err := CheckPurchaseCents(req.PurchaseCents); err != nil {
		return Redemption{}, false, err
	}
	// The request as the till sent it: a retry carries the same code, even
	// when that code has expired since.
	request := RedeemRequest{Code: strings.TrimSpace(req.Code), PurchaseCents: req.PurchaseCents}
	// What the till read is made sense of before the transaction (a
	// token's signature, a typed code's hash: no database), but a failure
	// counts only once the key is known not to be a replay.
	target, badCode := s.presented(shopID, req.Code)
	if _, pending := idem.PendingFrom(ctx); s.batch != nil && badCode == nil && !pending {
		hash, err := idem.Hash(request)
		if err != nil {
			return Redemption{}, false, err
		}
		r, replayed, err := s.redeemBatched(ctx, batchRedemption{ctx: ctx, c: c, shopID: shopID, key: key, request: request, hash: hash,
			voucherID: target.voucherID, codeHash: target.hash})
		if !errors.Is(err, errRunAlone) {
			return r, replayed, err
		}
	}
	return s.redeemAlone(ctx, c, shopID, key, request, target, badCode)
}

// redeemScope is the scope of a shop's redemption keys.
func redeemScope(shopID string) string { return "voucher.redeem:" + shopID }

// redeemAlone is Redeem in a transaction of its own, for a request whose
// code the till read as target (badCode: why it cannot be a voucher's).
func (s *Service) redeemAlone(ctx context.Context, c identity.Caller, shopID, key string, request RedeemRequest, target presentedCode, badCode error) (Redemption, bool, error) {
	scope := redeemScope(shopID)
	var out Redemption
	var refused error
	var replayed, failedCode bool
	err := s.store.InTx(ctx, func(tx Tx) error {
		var pay wallet.Transaction
		var found redemptionTarget
		var err error
		failedCode = false
		// The key's claim goes with the reads (one round trip for both,
		// where the store can): a replay gets its first result even once
		// the code it carried has expired, and what the reads found is then
		// unused. A refusal is a result too (DoKeeping): the transaction
		// then commits the key alone, and a retry is refused again alike,
		// whatever changed meanwhile.
		out, refused, replayed, err = idem.DoKeepingAfterRead(ctx, tx, scope, key, request, func() error {
			var read *CodeTarget
			var err error
			if target.typed {
				// Refused while too many wrong codes were typed, and every
				// failure answers alike, whether or not some voucher has it.
				if read, err = s.checkCodeFailures(ctx, tx, shopID, target, badCode == nil); err != nil {
					return err
				}
			}
			if badCode != nil {
				failedCode = target.typed
				return badCode
			}
			found, err = readRedemptionTarget(ctx, tx, shopID, target, read)
			failedCode = errors.Is(err, errCodeUnknown)
			return err
		}, func() (Redemption, error) {
			var r Redemption
			var err error
			r, pay, err = s.redeemWrites(ctx, tx, c, shopID, found, request.PurchaseCents)
			return r, err
		})
		if replayed {
			// A replay's code was read for nothing: it fails nothing.
			failedCode = false
		}
		if err != nil || replayed || refused != nil {
			return err
		}
		// The ledger posting locks nothing: neither the campaign's held
		// account nor the shop's payable has a floor (the voucher row, locked
		// above, bounds what is taken), so redemptions of a city-wide
		// campaign do not queue on them. A close cannot slip in between: the
		// campaign is shared until commit (RedemptionTarget). Nothing reads
		// the posting back and no floor can refuse it, so it rides with the
		// COMMIT where the store can (wallet.PostAtCommit); its key is the
		// new redemption's, so it cannot have been posted already.
		if err := wallet.PostAtCommit(ctx, tx, pay, s.now()); err != nil {
			return fmt.Errorf("pay shop: %w", err)
		}
		return nil
	})
	if err == nil && refused != nil {
		out, err = Redemption{}, refused
	}
	if failedCode && err != nil {
		// Counted in a transaction of its own, once the redemption's has
		// ended.
		s.recordCodeFailure(ctx, shopID)
	}
	return out, replayed, err
}

// redemptionTarget is what a redemption reads, locked: the voucher, its
// campaign and the shop.
type redemptionTarget struct {
	v    Voucher
	camp Campaign
	shop Shop
}

// readRedemptionTarget reads the voucher a till presented (read: a typed
// code's, read with the failure counts, when the store did), locked, and
// its campaign shared until commit, so a close waits for this redemption
// (and its held value is released after it). It writes nothing.
func readRedemptionTarget(ctx context.Context, tx Tx, shopID string, target presentedCode, read *CodeTarget) (redemptionTarget, error) {
	var t redemptionTarget
	var err error
	if target.typed {
		if read != nil { // read with the failure counts
			t.v, t.camp, t.shop, err = read.Voucher, read.Campaign, read.Shop, read.Err
		} else {
			t.v, t.camp, t.shop, err = tx.RedemptionTargetByCode(ctx, target.hash, shopID)
		}
		if apperr.Has(err, apperr.NotFound) && apperr.ReasonOf(err) != "shop_not_found" {
			return redemptionTarget{}, errCodeUnknown
		}
	} else {
		t.v, t.camp, t.shop, err = tx.RedemptionTarget(ctx, target.voucherID, shopID)
	}
	if err != nil {
		if apperr.ReasonOf(err) == "shop_not_found" {
			return redemptionTarget{}, err
		}
		return redemptionTarget{}, voucherNotFound(err)
	}
	return t, nil
}

// redeemWrites judges a redemption of what readRedemptionTarget found,
// records it, and returns the ledger transaction that pays the shop, for
// the caller to post last.
func (s *Service) redeemWrites(ctx context.Context, tx Tx, c identity.Caller, shopID string, t redemptionTarget, purchase int64) (Redemption, wallet.Transaction, error) {
	p, err := s.judgeRedemption(ctx, c, shopID, t.v, t.camp, t.shop, purchase)
	if err != nil {
		return Redemption{}, wallet.Transaction{}, err
	}
	if err := tx.UpdateVoucher(ctx, p.voucher); err != nil {
		return Redemption{}, wallet.Transaction{}, fmt.Errorf("update voucher: %w", err)
	}
	if err := tx.InsertRedemption(ctx, p.redemption); err != nil {
		return Redemption{}, wallet.Transaction{}, fmt.Errorf("insert redemption: %w", err)
	}
	if err := tx.AppendAudit(ctx, p.audit); err != nil {
		return Redemption{}, wallet.Transaction{}, fmt.Errorf("audit voucher.redeem: %w", err)
	}
	return p.redemption, p.pay, nil
}

// redemptionPlan is what a redemption judged sound writes: the voucher as
// it becomes, the redemption, its audit entry, and the ledger transaction
// that pays the shop.
type redemptionPlan struct {
	voucher    Voucher
	redemption Redemption
	audit      audit.Entry
	pay        wallet.Transaction
}

// judgeRedemption checks a redemption of v (read locked, with its campaign
// and the shop) for a purchase, and says what it writes. It reads and
// writes nothing: the single and the batched paths share it.
func (s *Service) judgeRedemption(ctx context.Context, c identity.Caller, shopID string, v Voucher, camp Campaign, shop Shop, purchase int64) (redemptionPlan, error) {
	now := s.now()
	if err := redeemable(v, camp, shop, c.AccountID, now, s.zone); err != nil {
		return redemptionPlan{}, err
	}
	if purchase < camp.MinSpendCents {
		return redemptionPlan{}, apperr.R(apperr.Invalid, "below_min_spend", "This voucher needs a purchase of at least %s.", money.Cents(camp.MinSpendCents))
	}
	amount := camp.Discount(purchase, v.RemainingCents)
	if amount <= 0 {
		return redemptionPlan{}, apperr.R(apperr.Invalid, "purchase_amount", "The purchase is too small for this voucher.")
	}
	o := audit.OriginFrom(ctx)
	r := Redemption{
		ID: ids.New("vrd"), VoucherID: v.ID, CampaignID: camp.ID, ShopID: shopID,
		PurchaseCents: purchase, AmountCents: amount, StaffID: c.AccountID,
		Device: o.Device, At: now.UTC(),
	}
	v.RemainingCents -= amount
	if camp.Mode == ModeSingleUse {
		// What a single-use voucher did not cover stays reserved in the
		// campaign's held account, so a reversal can restore it exactly.
		v.RemainingCents = 0
	}
	if v.RemainingCents == 0 {
		v.Status = VoucherUsed
	}
	return redemptionPlan{
		voucher:    v,
		redemption: r,
		audit: audit.Entry{
			ActorID: c.AccountID, Action: "voucher.redeem", ObjectType: "voucher", ObjectID: v.ID,
			ShopID: shopID, Device: o.Device, IP: o.IP,
			Detail: map[string]any{"redemption_id": r.ID, "purchase_cents": purchase, "amount_cents": amount},
		},
		pay: wallet.Transaction{
			Key: "voucher.redeem:" + r.ID, Kind: "voucher.redeem", RefType: "voucher_redemption", RefID: r.ID,
			Entries: []wallet.Entry{
				{Account: wallet.CampaignHeldAccount(camp.ID), Amount: -amount},
				{Account: wallet.ShopPayableAccount(shopID), Amount: amount},
			},
		},
	}, nil
}

// CheckPurchaseCents refuses a purchase amount that is not a positive
// number of cents up to MaxCents (reason purchase_amount). An amount over
// the bound is told the bound: "a positive whole number of cents" alone
// reads as satisfied by 100000001. The till's page refuses with it an
// amount typed too large to hold in cents, so that every amount out of
// range gets the same answer whatever its size.
func CheckPurchaseCents(cents int64) error {
	switch {
	case cents <= 0:
		return apperr.R(apperr.Invalid, "purchase_amount", "The purchase amount must be a positive whole number of cents.")
	case cents > MaxCents:
		return apperr.R(apperr.Invalid, "purchase_amount", "The purchase amount must be at most %d cents (%s).", int64(MaxCents), money.Cents(MaxCents))
	}
	return nil
}
