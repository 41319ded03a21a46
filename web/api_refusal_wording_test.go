package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/mobility/mobilitytest"
	"cityhub/web/httpx"
)

// GET /api/v1/mobility/rides?before= that is no RFC 3339 time is 400
// bad_before, a reason in the style of the other query parameters'
// (bad_cursor, bad_state) and the one its description names, where it was
// the bare name "before".
func TestAPIRidesBadBefore(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", func(env *testEnv, d *Deps) {
		d.Mobility = mobilitytest.NewService(env.DB.Mobility(), nil)
	})
	_, citizen := env.account(t, identity.RoleCitizen)
	for _, before := range []string{"garbage", "2026-13-01T00:00:00Z", "2026-01-01"} {
		rec := env.do(t, "GET", "/api/v1/mobility/rides?before="+before, citizen, "")
		if rec.Code != http.StatusBadRequest {
			t.Fatalf("before=%s: %d %s", before, rec.Code, rec.Body)
		}
		wantReason(t, rec, "bad_before")
	}
	if rec := env.do(t, "GET", "/api/v1/mobility/rides?before=2026-01-01T00:00:00Z", citizen, ""); rec.Code != http.StatusOK {
		t.Fatalf("a good before: %d %s", rec.Code, rec.Body)
	}
}

// A state-changing API call with the session cookie alone is 401
// login_required, as documented, with a detail that says why: the
// cookie signs in GETs only and this method needs a bearer token, where
// it said "Please log in." to someone signed in. Without any credentials
// the detail stays "Please log in.".
func TestAPICookieOnStateChangeSaysBearer(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite")
	acct, _ := env.account(t, identity.RoleCitizen)
	token, _, err := env.Identity.StartSession(context.Background(), acct.Email, testPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ method, path, body string }{
		{"PUT", "/api/v1/me/locale", `{"locale":"en"}`},
		{"DELETE", "/api/v1/me", ""},
		{"POST", "/api/v1/me/email-changes", `{"email":"new@example.org","password":"x"}`},
	} {
		for _, cookie := range []bool{true, false} {
			req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
			if c.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if cookie {
				req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: token})
			}
			rec := httptest.NewRecorder()
			env.Server.ServeHTTP(rec, req)
			p := wantProblem(t, rec, http.StatusUnauthorized)
			wantReason(t, rec, "login_required")
			if says := strings.Contains(p.Detail, "Bearer"); says != cookie {
				t.Errorf("%s %s, cookie %v: %q", c.method, c.path, cookie, p.Detail)
			}
		}
	}
	if got := accountLocale(t, env, acct.ID); got != "it" {
		t.Fatalf("a refused call changed the language to %q", got)
	}
}
