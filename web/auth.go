package web

import (
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"cityhub/apperr"
	"cityhub/identity"
)

// authenticate puts the request's caller in its context: from an
// "Authorization: Bearer <access token>" header, else from the page-session
// cookie. A bearer token that does not verify is refused here with 401, so
// a client learns at once that it must refresh; a stale cookie is only
// ignored, and the page decides whether it needs someone signed in.
//
// The JSON API takes a cookie for safe methods only: a state-changing API
// call must carry a bearer token, which a forged cross-site request cannot,
// so the API needs no CSRF tokens. Pages post forms with their own CSRF check.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.Identity == nil {
			next.ServeHTTP(w, r)
			return
		}
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, token, ok := strings.Cut(h, " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
				s.writeError(w, r, apperr.R(apperr.Unauthenticated, "invalid_token", "The Authorization header must be \"Bearer <access token>\"."))
				return
			}
			c, err := s.Identity.Authenticate(r.Context(), strings.TrimSpace(token))
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(identity.WithCaller(r.Context(), c)))
			return
		}
		if cookie, err := r.Cookie(sessionCookie); err == nil && cookie.Value != "" && cookieAllowed(r) {
			c, err := s.Identity.SessionCaller(r.Context(), cookie.Value)
			switch {
			case err == nil:
				r = r.WithContext(identity.WithCaller(r.Context(), c))
			case apperr.CodeOf(err) == apperr.Internal:
				s.log.ErrorContext(r.Context(), "read page session", slog.Any("error", err))
			}
		}
		next.ServeHTTP(w, r)
	})
}

// sessionCookie is the page-session cookie's name.
const sessionCookie = "cityhub_session"

func cookieAllowed(r *http.Request) bool {
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		return true
	}
	return r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions
}

var errNoCaller = apperr.R(apperr.Unauthenticated, "login_required", "Please log in.")

// caller is the authenticated caller of r. Unauthenticated if there is none.
func (s *Server) caller(r *http.Request) (identity.Caller, error) {
	c, ok := identity.CallerFrom(r.Context())
	if !ok || c.AccountID == "" {
		return identity.Caller{}, errNoCaller
	}
	return c, nil
}

// requireRole is the caller of r if it holds one of roles (in any scope;
// check the scope with Caller.HasIn where it matters). Unauthenticated (401)
// without a caller, Forbidden (403) with none of the roles.
func (s *Server) requireRole(r *http.Request, roles ...identity.Role) (identity.Caller, error) {
	c, err := s.caller(r)
	if err != nil {
		return c, err
	}
	if slices.ContainsFunc(roles, c.Has) {
		return c, nil
	}
	return identity.Caller{}, apperr.E(apperr.Forbidden, "Your account may not do this.")
}
