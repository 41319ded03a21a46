package vouchers

// What a till presents: a QR token or a typed code, made into a voucher,
// and the failed typed codes counted against the shop and the address.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/qrtoken"
)

// CheckPresented refuses what the till read when there is nothing to look
// at (only spaces): Invalid, code_missing. A till's form checks it with the
// amount, to report both at once before asking for the voucher.
func CheckPresented(presented string) error {
	if strings.TrimSpace(presented) == "" {
		return apperr.R(apperr.Invalid, "code_missing", "Scan or type the voucher's code.")
	}
	return nil
}

// identify turns what the till read (a QR token or a typed code) into a
// voucher id. Tokens are verified before anything else is looked at; typed
// codes are looked up by hash, and failures count against the shop and the
// caller's address. Every failure of a typed code answers alike, whether or
// not some voucher has that code.
func (s *Service) identify(ctx context.Context, shopID, presented string) (string, error) {
	presented = strings.TrimSpace(presented)
	if err := CheckPresented(presented); err != nil {
		return "", err
	}
	now := s.now()
	if qrtoken.LooksLikeToken(presented) {
		claims, err := qrtoken.Verify(s.keys, presented, qrtoken.KindVoucher, now, TokenLeeway)
		if err != nil {
			return "", err
		}
		return claims.ObjectID, nil
	}
	// Failures are counted in the database, so every hub replica behind a
	// balancer sees the same count.
	ip := audit.OriginFrom(ctx).IP
	shopKey, ipKey := "shop:"+shopID, "ip:"+ip
	keys := []string{shopKey}
	if ip != "" {
		keys = append(keys, ipKey)
	}
	var fails map[string]int
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		fails, err = tx.CodeFailures(ctx, keys, now.Add(-CodeFailureWindow))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("count failed codes: %w", err)
	}
	if fails[shopKey] >= MaxCodeFailuresPerShop || (ip != "" && fails[ipKey] >= MaxCodeFailuresPerIP) {
		return "", errTooManyFailedCodes
	}
	// fail counts a typed code that named no voucher, malformed or not,
	// against the guessing limits.
	fail := func(what string) error {
		err := s.store.InTx(ctx, func(tx Tx) error { return tx.RecordCodeFailures(ctx, keys, now, now.Add(-2*CodeFailureWindow)) })
		if err != nil {
			s.log.ErrorContext(ctx, "record failed code", slog.Any("error", err))
		}
		s.log.WarnContext(ctx, what, slog.String("shop", shopID), slog.String("ip", ip))
		return apperr.R(apperr.NotFound, "code_unknown", "No voucher has this code.")
	}
	hash, err := qrtoken.ParseCode(presented)
	if err != nil {
		return "", errors.Join(err, fail("typed voucher code malformed"))
	}
	var id string
	err = s.store.View(ctx, func(tx Tx) error {
		v, err := tx.VoucherByCodeHash(ctx, hash)
		if err != nil {
			return err
		}
		id = v.ID
		return nil
	})
	if apperr.Has(err, apperr.NotFound) {
		return "", fail("typed voucher code not found")
	}
	return id, err
}

// presentedCode is what a till read: a voucher id from a verified token,
// or the hash of a typed code.
type presentedCode struct {
	voucherID string
	hash      string
	// typed: not a token (failures of typed codes are counted).
	typed bool
}

// presented makes sense of what the till read without the database: a
// token is verified, a typed code is hashed. The error is what the till is
// told (a bad token's, or code_unknown for a typed code that cannot be one).
func (s *Service) presented(shopID, presented string) (presentedCode, error) {
	presented = strings.TrimSpace(presented)
	if err := CheckPresented(presented); err != nil {
		return presentedCode{}, err
	}
	if qrtoken.LooksLikeToken(presented) {
		claims, err := qrtoken.Verify(s.keys, presented, qrtoken.KindVoucher, s.now(), TokenLeeway)
		if err != nil {
			return presentedCode{}, err
		}
		return presentedCode{voucherID: claims.ObjectID}, nil
	}
	hash, err := qrtoken.ParseCode(presented)
	if err != nil {
		return presentedCode{typed: true}, errors.Join(err, errCodeUnknown)
	}
	return presentedCode{hash: hash, typed: true}, nil
}

var errCodeUnknown = apperr.R(apperr.NotFound, "code_unknown", "No voucher has this code.")

// errTooManyFailedCodes asks for a retry after the whole window: while
// refused, no failure is counted, so by then every counted one has expired.
var errTooManyFailedCodes = apperr.Throttled(apperr.R(apperr.RateLimited, "too_many_failed_codes", "Too many wrong codes; wait a few minutes and try again."), CodeFailureWindow)

// tooManyFailures reports whether fails, counted under keys
// (codeFailureKeys), refuse another typed code.
func tooManyFailures(fails map[string]int, keys []string) bool {
	return fails[keys[0]] >= MaxCodeFailuresPerShop || (len(keys) > 1 && fails[keys[1]] >= MaxCodeFailuresPerIP)
}

// codeFailureKeys are the keys typed-code failures count under: the shop,
// and the caller's address when known.
func codeFailureKeys(ctx context.Context, shopID string) []string {
	keys := []string{"shop:" + shopID}
	if ip := audit.OriginFrom(ctx).IP; ip != "" {
		keys = append(keys, "ip:"+ip)
	}
	return keys
}

// checkCodeFailures refuses a typed code while the shop or the caller's
// address has had too many wrong ones. Failures are counted in the
// database, so every hub replica behind a balancer sees the same count.
// When lookUp is set and the store reads both at once (CodeTargetReader),
// the code's voucher comes back too, read after the counts: a round trip
// fewer for every typed code. Otherwise the voucher is nil, for readRedemptionTarget
// to read.
func (s *Service) checkCodeFailures(ctx context.Context, tx Tx, shopID string, code presentedCode, lookUp bool) (*CodeTarget, error) {
	keys := codeFailureKeys(ctx, shopID)
	since := s.now().Add(-CodeFailureWindow)
	var fails map[string]int
	var read *CodeTarget
	var err error
	if r, ok := tx.(CodeTargetReader); ok && lookUp {
		var t CodeTarget
		fails, t, err = r.CodeFailuresAndTarget(ctx, keys, since, code.hash, shopID)
		read = &t
	} else {
		fails, err = tx.CodeFailures(ctx, keys, since)
	}
	if err != nil {
		return nil, fmt.Errorf("count failed codes: %w", err)
	}
	if tooManyFailures(fails, keys) {
		return nil, errTooManyFailedCodes
	}
	return read, nil
}

// recordCodeFailure counts a typed code that matched no voucher.
func (s *Service) recordCodeFailure(ctx context.Context, shopID string) {
	now := s.now()
	keys := codeFailureKeys(ctx, shopID)
	err := s.store.InTx(ctx, func(tx Tx) error { return tx.RecordCodeFailures(ctx, keys, now, now.Add(-2*CodeFailureWindow)) })
	if err != nil {
		s.log.ErrorContext(ctx, "record failed code", slog.Any("error", err))
	}
	s.log.WarnContext(ctx, "typed voucher code not found", slog.String("shop", shopID), slog.String("ip", audit.OriginFrom(ctx).IP))
}
