package identity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"time"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/idem"
)

// Failed logins are throttled in buckets, after OWASP's authentication cheat
// sheet (protection against automated attacks): a lock-out by account alone
// lets anyone lock a citizen out, and one by address alone locks a school or
// the town hall out behind their shared address. So an attempt must fit in:
//
//   - its (account, network) bucket, always: one network guessing one
//     account is held there without touching anyone else;
//   - the account's bucket, unless the network is known for the account (a
//     successful login from it within KnownFor): a guess spread over many
//     networks slows the account down for unknown networks only, and the
//     citizen at home or at the office still logs in;
//   - the network's bucket, unless the network is known for the account: a
//     network spraying many accounts is held, while the people who logged in
//     from it before still do.
//
// An attempt is reserved in its buckets before its password is checked, in
// one database step that counts and writes, so a burst of concurrent
// attempts is held to the limits exactly. A failed attempt stays counted; a
// successful one is released and empties its (account, network) bucket.
// Buckets are keyed by a hash of the email address, not by the account, so
// an address without an account is throttled exactly like one with.

// LoginBucket is one limit an attempt must fit in: fewer than Limit attempts
// of Subject after Since.
type LoginBucket struct {
	Subject string
	Limit   int
	Since   time.Time
}

// errTooManyAttempts is the one answer once a limit is reached, whether the
// email has an account or not.
var errTooManyAttempts = apperr.R(apperr.RateLimited, "too_many_attempts", "Too many failed attempts. Please wait a few minutes and try again.")

// tooMany is a limit's refusal err, which a retry fits after after.
func tooMany(err *apperr.Error, after time.Duration) error { return apperr.Throttled(err, after) }

func emailHash(emailNorm string) string {
	sum := sha256.Sum256([]byte(emailNorm))
	return hex.EncodeToString(sum[:])
}

// The subjects keep the names of the failure table's first version, so
// failures counted before an upgrade still count after it.
func accountSubject(emailNorm string) string { return "email:" + emailHash(emailNorm) }
func networkSubject(network string) string   { return "ip:" + network }
func pairSubject(emailNorm, network string) string {
	return accountSubject(emailNorm) + " " + networkSubject(network)
}

// signupSubject counts sign-ups by network like logins, falling back on the
// address as given when it does not parse.
func signupSubject(ip string) string {
	if n := network(ip); n != "" {
		return "signup:" + n
	}
	return "signup:" + ip
}

// network is the unit a client address is counted by: the address itself
// for IPv4, its /64 for IPv6, since one household or one attacker gets a
// whole /64. Empty for an empty or unreadable address.
func network(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ""
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	p, err := a.Prefix(64)
	if err != nil {
		return ""
	}
	return p.String()
}

// loginBuckets lists the buckets an attempt on emailNorm from netw must fit.
func (s *Service) loginBuckets(emailNorm, netw string, known bool, now time.Time) []LoginBucket {
	l := s.opt.Limits
	since := now.Add(-l.Window)
	var b []LoginBucket
	if netw != "" {
		b = append(b, LoginBucket{Subject: pairSubject(emailNorm, netw), Limit: l.PerAccountIP, Since: since})
	}
	if !known {
		b = append(b, LoginBucket{Subject: accountSubject(emailNorm), Limit: l.PerAccount, Since: since})
		if netw != "" {
			b = append(b, LoginBucket{Subject: networkSubject(netw), Limit: l.PerIP, Since: since})
		}
	}
	return b
}

// reserveLogin reserves attempt in the buckets of a login on emailNorm from
// netw and reads the account, in tx. RateLimited (reason too_many_attempts,
// with a retry delay) when a bucket is full.
func (s *Service) reserveLogin(ctx context.Context, tx Tx, attempt, emailNorm, netw string, now time.Time) (Account, bool, error) {
	known := false
	if netw != "" {
		var err error
		known, err = tx.LoginAddressKnown(ctx, emailNorm, netw, now.Add(-s.opt.Limits.KnownFor))
		if err != nil {
			return Account{}, false, fmt.Errorf("read known addresses: %w", err)
		}
	}
	ok, freeAt, err := tx.ReserveLoginAttempt(ctx, attempt, s.loginBuckets(emailNorm, netw, known, now), now)
	if err != nil {
		return Account{}, false, fmt.Errorf("reserve login attempt: %w", err)
	}
	if !ok {
		return Account{}, false, tooMany(errTooManyAttempts, freeAt.Sub(now))
	}
	a, err := tx.AccountByEmail(ctx, emailNorm)
	switch {
	case err == nil:
		return a, true, nil
	case apperr.Has(err, apperr.NotFound):
		return Account{}, false, nil
	default:
		return Account{}, false, fmt.Errorf("read account: %w", err)
	}
}

// loginSucceeded releases the attempt's reservation, empties its (account,
// network) bucket and marks the network known for the account.
func (s *Service) loginSucceeded(ctx context.Context, tx Tx, attempt string, a Account, netw string, now time.Time) error {
	if err := tx.ReleaseLoginAttempt(ctx, attempt); err != nil {
		return fmt.Errorf("release login attempt: %w", err)
	}
	if netw == "" {
		return nil
	}
	if _, err := tx.ClearLoginAttempts(ctx, pairSubject(NormalizeEmail(a.Email), netw)); err != nil {
		return fmt.Errorf("clear login attempts: %w", err)
	}
	if err := tx.RememberLoginAddress(ctx, a.ID, netw, now, now.Add(-s.opt.Limits.KnownFor)); err != nil {
		return fmt.Errorf("remember login address: %w", err)
	}
	return nil
}

// ClearLoginLimits forgets the failed logins counted against an email
// address (its own bucket and its buckets with every network) and against a
// client address (its own bucket, its buckets with every account and its
// sign-ups), so that a citizen, or everyone behind a school's address, can
// log in at once. Either may be empty, not both. It returns how many
// counters it emptied (the account's, each pair's, the network's, ...), not
// how many attempts they held. It checks no caller: it is for the operator at the
// command line (cityhub clear-login-limits), like EnsureAccount. Invalid for
// an unreadable address, an email address that is none (typed wrong, it
// would find nothing and seem to say the address was clean) or when both
// are empty.
func (s *Service) ClearLoginLimits(ctx context.Context, email, ip string) (int, error) {
	if email != "" {
		if err := ValidateEmail(NormalizeEmail(email)); err != nil {
			return 0, err
		}
	}
	return s.clearLoginLimits(ctx, SystemAccountID, "login_limits", "", email, ip)
}

// clearLoginLimits clears the limits of email and ip (either may be empty,
// not both) and records it, as done by actorID to the object named.
func (s *Service) clearLoginLimits(ctx context.Context, actorID, objectType, objectID, email, ip string) (int, error) {
	var patterns []string
	detail := map[string]any{}
	if email != "" {
		h := accountSubject(NormalizeEmail(email))
		// The account's bucket and its (account, network) buckets share
		// the prefix; the hash has a fixed length, so nothing else does.
		patterns = append(patterns, h+"*")
		detail["email_hash"] = emailHash(NormalizeEmail(email))
	}
	if ip != "" {
		netw := network(ip)
		if netw == "" {
			return 0, apperr.R(apperr.Invalid, "bad_ip", "%q is not an IP address.", ip)
		}
		patterns = append(patterns, networkSubject(netw), "email:* "+networkSubject(netw), signupSubject(ip), mailNetworkSubject(netw))
		detail["network"] = netw
	}
	if len(patterns) == 0 {
		return 0, apperr.R(apperr.Invalid, "nothing_to_clear", "Give an email address, an IP address or both.")
	}
	n := 0
	err := s.store.InTx(ctx, func(tx Tx) error {
		n = 0
		for _, p := range patterns {
			m, err := tx.ClearLoginAttempts(ctx, p)
			if err != nil {
				return fmt.Errorf("clear login attempts: %w", err)
			}
			n += m
		}
		detail["cleared"] = n
		return tx.AppendAudit(ctx, audit.Entry{ActorID: actorID, Action: "login.limits_cleared", ObjectType: objectType, ObjectID: objectID,
			IP: audit.OriginFrom(ctx).IP, Detail: detail})
	})
	return n, err
}

// limitTx runs fn, the records of a limit or of an attempt (reserved,
// released, a login's success), in a transaction of its own that is never
// a keyed request's work (idem.WithoutPending): a request refused after
// it (a 429, a wrong password) made nothing, and its retry runs again
// rather than being refused as idempotency_key_answer_lost. Every such
// record goes through here.
func (s *Service) limitTx(ctx context.Context, fn func(Tx) error) error {
	return s.store.InTx(idem.WithoutPending(ctx), fn)
}
