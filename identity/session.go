package identity

import (
	"context"
	"fmt"
	"time"

	"cityhub/apperr"
	"cityhub/ids"
)

// Session is a page session (the browser's cookie), stored by hash.
type Session struct {
	Hash       string    `json:"-"`
	AccountID  string    `json:"account_id"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	// Generation is the account's TokenGeneration when the session began:
	// a session of an older generation is over.
	Generation int64 `json:"-"`
}

// touchEvery limits writes: a session's last use is recorded at most this
// often, not on every page view.
const touchEvery = time.Minute

var errNoSession = apperr.R(apperr.Unauthenticated, "session_expired", "Your session has ended. Please log in again.")

// StartSession checks the credentials, with the same limits as Login, and
// opens a page session. It returns the session token for the cookie (shown
// once, stored only as a hash) and the caller.
func (s *Service) StartSession(ctx context.Context, email, password, ip string) (string, Caller, error) {
	a, err := s.authenticate(ctx, email, password, ip, "account.login")
	if err != nil {
		return "", Caller{}, err
	}
	return s.openSession(ctx, a)
}

// openSession opens a page session for an account already authenticated.
func (s *Service) openSession(ctx context.Context, a Account) (string, Caller, error) {
	now := s.now()
	token := "ses_" + ids.Token(32)
	err := s.store.InTx(ctx, func(tx Tx) error {
		return tx.InsertPageSession(ctx, Session{Hash: secretHash(token), AccountID: a.ID, CreatedAt: now, LastSeenAt: now,
			ExpiresAt: now.Add(s.opt.SessionMax), Generation: a.TokenGeneration})
	})
	if err != nil {
		return "", Caller{}, fmt.Errorf("store session: %w", err)
	}
	return token, a.Caller(), nil
}

// SessionCaller returns the caller of a page session and records its use.
// Unauthenticated (reason session_expired) for unknown, idle or expired
// sessions, for accounts no longer active and for sessions begun before
// the account's latest disable.
func (s *Service) SessionCaller(ctx context.Context, token string) (Caller, error) {
	if token == "" || len(token) > MaxTokenLen {
		return Caller{}, errNoSession
	}
	now := s.now()
	hash := secretHash(token)
	var sess Session
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		sess, err = tx.PageSessionByHash(ctx, hash)
		if apperr.Has(err, apperr.NotFound) {
			return errNoSession
		}
		if err != nil {
			return fmt.Errorf("read session: %w", err)
		}
		if !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) >= s.opt.SessionIdle {
			return errNoSession
		}
		return nil
	})
	if err != nil {
		return Caller{}, err
	}
	// Read with the other requests' callers of the moment (authread.go).
	a, err := s.callerAccount(ctx, sess.AccountID)
	if err != nil {
		return Caller{}, err
	}
	if sess.Generation != a.TokenGeneration {
		// Its login raced a disable that deleted the account's sessions
		// but could not see this one yet.
		return Caller{}, errNoSession
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		err := s.store.InTx(ctx, func(tx Tx) error { return tx.TouchPageSession(ctx, hash, now) })
		if err != nil {
			return Caller{}, fmt.Errorf("touch session: %w", err)
		}
	}
	return a.Caller(), nil
}

// EndSession deletes a page session; ending an unknown one is not an error.
func (s *Service) EndSession(ctx context.Context, token string) error {
	if token == "" || len(token) > MaxTokenLen {
		return nil
	}
	return s.store.InTx(ctx, func(tx Tx) error { return tx.DeletePageSession(ctx, secretHash(token)) })
}
