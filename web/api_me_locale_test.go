package web

import (
	"encoding/json"
	"net/http"
	"testing"

	"cityhub/identity"
)

// PUT /api/v1/me/locale changes the caller's own account's language, as
// /account does: GET /api/v1/me shows it, and the account's e-mails
// follow it. A language the hub does not speak, or none, is 400 with
// nothing changed; without a bearer token 401.
func TestAPIChangesMyLocale(t *testing.T) {
	t.Parallel()
	env, _, _ := accountServer(t)
	anna, bearer := env.account(t, identity.RoleCitizen)
	bruno, _ := env.account(t, identity.RoleCitizen)

	me := func() identity.Caller {
		t.Helper()
		rec := env.do(t, "GET", "/api/v1/me", bearer, "")
		var c identity.Caller
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &c) != nil {
			t.Fatalf("GET /api/v1/me: %d %s", rec.Code, rec.Body)
		}
		return c
	}
	if got := me().Locale; got != "it" {
		t.Fatalf("the account starts in %q", got)
	}

	for _, body := range []string{`{"locale":"de"}`, `{"locale":""}`, `{}`, `{"locale":"EN"}`} {
		rec := env.do(t, "PUT", "/api/v1/me/locale", bearer, body)
		if rec.Code != http.StatusBadRequest {
			t.Fatalf("%s: %d %s", body, rec.Code, rec.Body)
		}
		wantReason(t, rec, "bad_locale")
	}
	if rec := env.do(t, "PUT", "/api/v1/me/locale", bearer, `{"locale":"en","extra":1}`); rec.Code != http.StatusBadRequest {
		t.Fatalf("an unknown field: %d %s", rec.Code, rec.Body)
	}
	if rec := env.do(t, "PUT", "/api/v1/me/locale", "", `{"locale":"en"}`); rec.Code != http.StatusUnauthorized {
		t.Fatalf("without a token: %d %s", rec.Code, rec.Body)
	}
	if got := accountLocale(t, env, anna.ID); got != "it" {
		t.Fatalf("a refusal changed the language to %q", got)
	}

	rec := env.do(t, "PUT", "/api/v1/me/locale", bearer, `{"locale":"en"}`)
	var c identity.Caller
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &c) != nil || c.Locale != "en" || c.AccountID != anna.ID {
		t.Fatalf("PUT en: %d %s", rec.Code, rec.Body)
	}
	if got := me().Locale; got != "en" {
		t.Fatalf("GET /api/v1/me after the change shows %q", got)
	}
	if got := accountLocale(t, env, bruno.ID); got != "it" {
		t.Fatalf("another account changed with it: %q", got)
	}
	if got := resetMailLocale(t, env, anna.Email); got != "en" {
		t.Fatalf("an e-mail after the change is in %q, want en", got)
	}
	if rec := env.do(t, "PUT", "/api/v1/me/locale", bearer, `{"locale":"it"}`); rec.Code != http.StatusOK || me().Locale != "it" {
		t.Fatalf("PUT it: %d %s", rec.Code, rec.Body)
	}
}
