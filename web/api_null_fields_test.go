package web

import (
	"net/http"
	"testing"

	"cityhub/identity"
)

// A JSON null reads as the field left out: a required field left out or
// null is 400 missing_field on login, refresh and logout, where it was
// read as an empty value and answered as a wrong one (401, or 204 for a
// logout of nothing). "locale":"" is no language anywhere (400
// bad_locale), as PUT /api/v1/me/locale always said, while a locale left
// out or null on a sign-up or an account's creation is the default.
func TestAPINullAndMissingFields(t *testing.T) {
	t.Parallel()
	env, _, _ := accountServer(t)
	_, admin := env.account(t, identity.RoleAdmin)

	for _, c := range []struct{ path, body string }{
		{"/api/v1/auth/login", `{}`},
		{"/api/v1/auth/login", `{"email":null,"password":null}`},
		{"/api/v1/auth/login", `{"email":"a@example.org"}`},
		{"/api/v1/auth/login", `{"email":"a@example.org","password":null}`},
		{"/api/v1/auth/login", `{"password":"correct horse battery"}`},
		{"/api/v1/auth/refresh", `{}`},
		{"/api/v1/auth/refresh", `{"refresh_token":null}`},
		{"/api/v1/auth/logout", `{}`},
		{"/api/v1/auth/logout", `{"refresh_token":null}`},
	} {
		rec := env.do(t, "POST", c.path, "", c.body)
		if rec.Code != http.StatusBadRequest {
			t.Fatalf("%s %s: %d %s", c.path, c.body, rec.Code, rec.Body)
		}
		wantReason(t, rec, "missing_field")
	}
	// A value given, even empty, is judged as the value it is.
	if rec := env.do(t, "POST", "/api/v1/auth/refresh", "", `{"refresh_token":""}`); rec.Code != http.StatusUnauthorized {
		t.Fatalf("an empty refresh token: %d %s", rec.Code, rec.Body)
	}
	if rec := env.do(t, "POST", "/api/v1/auth/logout", "", `{"refresh_token":"nope"}`); rec.Code != http.StatusNoContent {
		t.Fatalf("logging out an unknown token: %d %s", rec.Code, rec.Body)
	}

	for _, c := range []struct{ path, auth, extra string }{
		{"/api/v1/accounts", "", ``},
		{"/api/v1/admin/accounts", admin, `,"grants":[{"role":"citizen"}]`},
	} {
		rec := env.do(t, "POST", c.path, c.auth, `{"email":"empty-locale@example.org","password":"correct horse battery","name":"E","locale":""`+c.extra+`}`)
		if rec.Code != http.StatusBadRequest {
			t.Fatalf("%s with locale \"\": %d %s", c.path, rec.Code, rec.Body)
		}
		wantReason(t, rec, "bad_locale")
	}
	if rec := env.do(t, "POST", "/api/v1/accounts", "", `{"email":"null-locale@example.org","password":"correct horse battery","name":"N","locale":null}`); rec.Code != http.StatusAccepted {
		t.Fatalf("a sign-up with locale null: %d %s", rec.Code, rec.Body)
	}
	rec := env.do(t, "POST", "/api/v1/admin/accounts", admin, `{"email":"null-locale-2@example.org","password":"correct horse battery","name":"N","locale":null,"grants":[{"role":"citizen"}]}`)
	if rec.Code != http.StatusCreated {
		t.Fatalf("an account made with locale null: %d %s", rec.Code, rec.Body)
	}
}
