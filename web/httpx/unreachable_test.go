package httpx

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"cityhub/apperr"
	"cityhub/identity"
)

// downAuth answers every credential as a database that does not answer.
type downAuth struct{}

func (downAuth) Authenticate(context.Context, string) (identity.Caller, error) {
	return identity.Caller{}, apperr.DatabaseUnavailable(errors.New("dial tcp: connection refused"))
}

func (downAuth) SessionCaller(context.Context, string) (identity.Caller, error) {
	return identity.Caller{}, apperr.DatabaseUnavailable(errors.New("dial tcp: connection refused"))
}

// With the database down, a call with an access token or with the session
// cookie is answered 503 database_unavailable with Retry-After: not 500,
// and not 401 as if the caller were signed out.
func TestAnAPICallWhileTheDatabaseIsDownIsUnavailable(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := Authenticate(downAuth{}, log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := Caller(r); err != nil {
			WriteError(log, w, r, err)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	bearer := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
	bearer.Header.Set("Authorization", "Bearer tok")
	cookie := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
	cookie.AddCookie(&http.Cookie{Name: SessionCookie, Value: "sess"})
	for name, r := range map[string]*http.Request{"bearer": bearer, "cookie": cookie} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		var p Problem
		_ = json.Unmarshal(rec.Body.Bytes(), &p)
		if rec.Code != http.StatusServiceUnavailable || p.Code != "unavailable" || p.Reason != apperr.ReasonDatabaseUnavailable {
			t.Errorf("%s: %d %s/%s, want 503 unavailable/database_unavailable: %s", name, rec.Code, p.Code, p.Reason, rec.Body)
		}
		if got := rec.Header().Get("Retry-After"); got != "5" {
			t.Errorf("%s: Retry-After %q, want 5", name, got)
		}
	}
}
