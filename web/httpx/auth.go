package httpx

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"cityhub/apperr"
	"cityhub/identity"
)

// Authenticator turns credentials into callers; identity.Service is one.
type Authenticator interface {
	// Authenticate verifies an access token.
	Authenticate(ctx context.Context, token string) (identity.Caller, error)
	// SessionCaller is the account behind a page-session token.
	SessionCaller(ctx context.Context, token string) (identity.Caller, error)
}

// ErasedAuthenticator is an Authenticator that also tells the erased
// account an access token was issued to (identity.Service.ErasedAccount);
// Authenticate asks it only for the retry of an erasure (erasureRetry).
type ErasedAuthenticator interface {
	ErasedAccount(ctx context.Context, token string) (string, error)
}

// erasure reports whether r asks for its account's erasure (DELETE
// /api/v1/me). With an erased account's token it is refused as the erasure
// refuses an account erased already (apperr.ErrAccountDeleted): two
// erasures raced, and which check answers the loser (the door, once the
// winner committed, or the erasure, when it was waiting) is chance.
func erasure(r *http.Request) bool {
	return r.Method == http.MethodDelete && r.URL.Path == "/api/v1/me"
}

// erasureRetry reports whether r may be an account's retry of its own
// erasure under the Idempotency-Key of the request that erased it: the
// README promises the same key the first answer, and the first answer was
// the erasure's. Its token names an erased account, which Authenticate
// refuses for every other request.
func erasureRetry(r *http.Request) bool {
	return erasure(r) && r.Header.Get("Idempotency-Key") != ""
}

// PasswordChangeAuthenticator is an Authenticator that also tells the
// account whose password change ended an access token
// (identity.Service.PasswordChangedAccount); Authenticate asks it only
// for the retry of a password change (passwordChangeRetry).
type PasswordChangeAuthenticator interface {
	PasswordChangedAccount(ctx context.Context, token string) (string, error)
}

// passwordChangeRetry reports whether r may be the retry of the password
// change that ended its token (PUT /api/v1/me/password under an
// Idempotency-Key): the README promises the same key the first answer,
// and the first answer, 204, ended the token. Authenticate refuses that
// token for every other request.
func passwordChangeRetry(r *http.Request) bool {
	return r.Method == http.MethodPut && r.URL.Path == "/api/v1/me/password" && r.Header.Get("Idempotency-Key") != ""
}

type endedKey struct{}

// endedToken is a token the request it retries ended (an erased account's
// on an erasure's retry, a changed password's on the change's retry): the
// account, and how the door refused the token.
type endedToken struct {
	accountID string
	refusal   error
	// passwordChange: the token was ended by a password change, whose
	// success alone (204) is given again for it.
	passwordChange bool
}

// endedTokenOf is r's token ended by the request r retries, if
// Authenticate let it through so, without a caller.
func endedTokenOf(r *http.Request) (endedToken, bool) {
	e, ok := r.Context().Value(endedKey{}).(endedToken)
	return e, ok
}

// ErasedAccount is the erased account whose keyed retry of its erasure r
// is (Authenticate let it through without a caller): the scope its first
// answer was kept under. Only that answer is given for it; anything else
// is refused as the door refused the token (Caller).
func ErasedAccount(r *http.Request) (string, bool) {
	e, ok := endedTokenOf(r)
	return e.accountID, ok && !e.passwordChange
}

// PasswordChangedAccount is the account whose keyed retry of the password
// change that ended its token r is (Authenticate let it through without a
// caller): the scope the change's first answer was kept under. Only that
// answer, a 204, is given for it; anything else is refused as the door
// refused the token (Caller), but another body under the change's key,
// which is refused as any reuse of a key is.
func PasswordChangedAccount(r *http.Request) (string, bool) {
	e, ok := endedTokenOf(r)
	return e.accountID, ok && e.passwordChange
}

// OneAuthorization is r's Authorization header ("" for none), or
// Unauthenticated (invalid_token) for several: which of several
// credentials counts is a guess a proxy in front may make otherwise than
// the hub, so none does. Every reader of the header asks it.
func OneAuthorization(r *http.Request) (string, error) {
	if len(r.Header.Values("Authorization")) > 1 {
		return "", apperr.R(apperr.Unauthenticated, "invalid_token", "Send one Authorization header, not several.")
	}
	return r.Header.Get("Authorization"), nil
}

// Authenticate puts the request's caller in its context: from an
// "Authorization: Bearer <access token>" header, else from the page-session
// cookie. A bearer token that does not verify is refused here with 401, so
// a client learns at once that it must refresh; a stale cookie is only
// ignored, and the page decides whether it needs someone signed in.
//
// The JSON API takes a cookie for safe methods only: a state-changing API
// call must carry a bearer token, which a forged cross-site request cannot,
// so the API needs no CSRF tokens. Pages post forms with their own CSRF check.
// With a nil auth, no request is authenticated, nor one for a public path
// that reads no caller (ReadsNoCaller).
func Authenticate(auth Authenticator, log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if auth == nil || ReadsNoCaller(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		h, err := OneAuthorization(r)
		if err != nil {
			WriteError(log, w, r, err)
			return
		}
		if h != "" {
			scheme, token, ok := strings.Cut(h, " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
				WriteError(log, w, r, apperr.R(apperr.Unauthenticated, "invalid_token", "The Authorization header must be \"Bearer <access token>\"."))
				return
			}
			c, err := auth.Authenticate(r.Context(), strings.TrimSpace(token))
			if err != nil {
				if ea, ok := auth.(ErasedAuthenticator); ok && erasure(r) && apperr.ReasonOf(err) == "account_inactive" {
					if id, eerr := ea.ErasedAccount(r.Context(), strings.TrimSpace(token)); eerr == nil {
						err = apperr.ErrAccountDeleted
						// Its kept first answer, if it has one, is given
						// (Replayer); without one it is refused so, by
						// Caller.
						if erasureRetry(r) {
							next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), endedKey{}, endedToken{accountID: id, refusal: err})))
							return
						}
					}
				}
				if pa, ok := auth.(PasswordChangeAuthenticator); ok && passwordChangeRetry(r) && apperr.ReasonOf(err) == "invalid_token" {
					if id, perr := pa.PasswordChangedAccount(r.Context(), strings.TrimSpace(token)); perr == nil {
						// The change's kept 204, if it has one, is given
						// (Replayer); anything else is refused so.
						next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), endedKey{}, endedToken{accountID: id, refusal: err, passwordChange: true})))
						return
					}
				}
				WriteError(log, w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(identity.WithCaller(r.Context(), c)))
			return
		}
		if cookie, err := r.Cookie(SessionCookie); err == nil && cookie.Value != "" {
			if !cookieAllowed(r) {
				// Not read: Caller's refusal says the method needs a
				// bearer token, not that a signed-in person log in.
				next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), cookieNotTakenKey{}, true)))
				return
			}
			c, err := auth.SessionCaller(r.Context(), cookie.Value)
			switch {
			case err == nil:
				r = r.WithContext(identity.WithCaller(r.Context(), c))
			case apperr.IsServerFault(err):
				// Not a session that ended: whether the person is signed
				// in is unknown, which Caller and the pages say, rather
				// than treating them as a visitor and asking them to log
				// in again (a login that could not work either).
				log.ErrorContext(r.Context(), "read page session", slog.Any("error", err))
				r = r.WithContext(context.WithValue(r.Context(), sessionUnreadKey{}, err))
			}
		}
		next.ServeHTTP(w, r)
	})
}

// MetricsPath is where the Prometheus metrics are served.
const MetricsPath = "/metrics"

// ReadsNoCaller reports whether path is one of the feeds outside the API
// whose answer is the same for everyone: health and readiness, the signing
// keys and the rest of /.well-known, robots.txt and the GBFS feeds. Their
// credentials are not read: a client that sends its access token to every
// address, a stale one too, still gets the public answer (never a 401
// nothing there needs), and no cookie costs a database read. /metrics
// carries the monitoring's own bearer token, which its handler checks,
// not a person's access token. A feed that comes to depend on its caller
// must leave this list.
func ReadsNoCaller(path string) bool {
	switch path {
	case "/healthz", "/readyz", "/robots.txt", MetricsPath:
		return true
	}
	return strings.HasPrefix(path, "/.well-known/") || strings.HasPrefix(path, "/gbfs/")
}

// SessionCookie is the page-session cookie's name: it holds the identity
// session token of a signed-in page user.
const SessionCookie = "cityhub_session"

func cookieAllowed(r *http.Request) bool {
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		return true
	}
	return r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions
}

// ErrNoCaller is the error of a request without a signed-in caller.
var ErrNoCaller = apperr.R(apperr.Unauthenticated, "login_required", "Please log in.")

// errCookieNotTaken is ErrNoCaller for a state-changing API call that came
// with the page-session cookie alone: the person may well be signed in, so
// the refusal says what the call lacks rather than asking them to log in.
var errCookieNotTaken = apperr.R(apperr.Unauthenticated, "login_required",
	"This method needs an access token (Authorization: Bearer): the session cookie signs in GET requests only.")

// cookieNotTakenKey marks a request whose session cookie the API does not
// take for its method (cookieAllowed).
type cookieNotTakenKey struct{}

// sessionUnreadKey holds the error of a session cookie that could not be
// read (the database did not answer): the request's caller is unknown.
type sessionUnreadKey struct{}

// SessionUnread is the error that kept r's session cookie from being read,
// nil when it was read (or there was none, or it named no session).
func SessionUnread(r *http.Request) error {
	err, _ := r.Context().Value(sessionUnreadKey{}).(error)
	return err
}

// Caller is the authenticated caller of r. Unauthenticated if there is
// none: for the retry of an erasure or a password change whose first
// answer is not kept (ErasedAccount, PasswordChangedAccount), with the
// door's refusal of its token.
func Caller(r *http.Request) (identity.Caller, error) {
	c, ok := identity.CallerFrom(r.Context())
	if !ok || c.AccountID == "" {
		if e, ok := endedTokenOf(r); ok {
			return identity.Caller{}, e.refusal
		}
		if r.Context().Value(cookieNotTakenKey{}) != nil {
			return identity.Caller{}, errCookieNotTaken
		}
		if err := SessionUnread(r); err != nil {
			return identity.Caller{}, err
		}
		return identity.Caller{}, ErrNoCaller
	}
	return c, nil
}

// RequireRole is the caller of r if it holds one of roles (in any scope;
// check the scope with Caller.HasIn where it matters). Unauthenticated (401)
// without a caller, Forbidden (403) with none of the roles: its reason names
// the role wanted (identity.RefusalReason), role_required where several
// would do.
func RequireRole(r *http.Request, roles ...identity.Role) (identity.Caller, error) {
	c, err := Caller(r)
	if err != nil {
		return c, err
	}
	if slices.ContainsFunc(roles, c.Has) {
		return c, nil
	}
	return identity.Caller{}, apperr.R(apperr.Forbidden, identity.RefusalReason(roles...), "Your account may not do this.")
}
