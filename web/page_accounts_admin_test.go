package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/vouchers"
	"cityhub/web/webtest"
)

// noSecrets fails the test if a page shows a password hash, a typed
// password or a token.
func noSecrets(t *testing.T, what, body string, typed ...string) {
	t.Helper()
	for _, s := range append([]string{"$argon2", "password_hash", "refresh_token", "CH1:"}, typed...) {
		if strings.Contains(body, s) {
			t.Fatalf("%s shows %q", what, s)
		}
	}
}

// The city administrator finds accounts, opens one, gives it roles from
// the city's shops, disables and enables it after a confirmation, clears
// its login limits and creates a staff account; every form keeps what was
// typed (never a password) with the mistake next to its field, needs its
// CSRF token, and is the administrator's only.
func TestAccountAdminPages(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", func(env *testEnv, d *Deps) {
		d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
	})
	ctx := context.Background()
	adminAcct, _ := env.account(t, identity.RoleAdmin)
	citizen, _ := env.account(t, identity.RoleCitizen)
	shop, err := env.Deps.Vouchers.CreateShop(ctx, adminAcct.Caller(), vouchers.Shop{Name: "Forno Traiano", Address: "Via Traiano 3",
		District: "centro", Category: "food", IBAN: "IT60 X054 2811 1010 0000 0123 456"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, adminAcct.Email, testPassword)
	csrf := pc.CSRF("/admin/accounts/new")
	post := func(path string, form url.Values) (*http.Response, string) {
		form.Set("csrf_token", csrf)
		return pc.Post(path, form)
	}
	grantsOf := func(id string) []identity.Grant {
		a, err := env.Identity.Account(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return a.Grants
	}

	// The dashboard reaches the accounts; the list shows everyone.
	if _, body := pc.Get("/admin"); !strings.Contains(body, `href="/admin/accounts"`) {
		t.Fatal("the dashboard has no link to the accounts")
	}
	res, body := pc.Get("/admin/accounts")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-account="`+citizen.ID+`"`) || !strings.Contains(body, `data-account="`+adminAcct.ID+`"`) {
		t.Fatalf("accounts page: %d\n%s", res.StatusCode, body)
	}
	noSecrets(t, "the accounts page", body)
	// A search by part of the address, kept in its field.
	part := strings.ToUpper(strings.SplitN(citizen.Email, "@", 2)[0])
	res, body = pc.Get("/admin/accounts?q=" + url.QueryEscape(part))
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-account="`+citizen.ID+`"`) || strings.Contains(body, `data-account="`+adminAcct.ID+`"`) ||
		!strings.Contains(body, `value="`+part+`"`) {
		t.Fatalf("search: %d\n%s", res.StatusCode, body)
	}
	if _, body = pc.Get("/admin/accounts?role=merchant_staff"); !strings.Contains(body, `data-testid="no-accounts"`) {
		t.Fatalf("no shop staff yet:\n%s", body)
	}
	// A state that does not exist is named next to its field.
	if res, body = pc.Get("/admin/accounts?state=asleep&q=anna"); res.StatusCode != http.StatusBadRequest || fieldError(body, "state") == "" || !strings.Contains(body, `value="anna"`) {
		t.Fatalf("bad state: %d\n%s", res.StatusCode, body)
	}

	// A new staff account: mistakes next to their fields, the name kept,
	// the password never sent back.
	const typedPassword = "secret horse battery"
	res, body = post("/admin/accounts", url.Values{"name": {"Till Forno"}, "email": {""}, "password": {typedPassword}, "locale": {"it"}})
	if res.StatusCode != http.StatusBadRequest || fieldError(body, "email") == "" || fieldError(body, "roles") == "" || fieldError(body, "name") != "" ||
		!strings.Contains(body, `value="Till Forno"`) {
		t.Fatalf("new account without address or role: %d\n%s", res.StatusCode, body)
	}
	noSecrets(t, "the refused new account form", body, typedPassword)
	// Every mistake at once, not one per try.
	res, body = post("/admin/accounts", url.Values{"name": {"Till Forno"}, "email": {"till at forno"}, "password": {"short"}, "role": {"citizen"}})
	if res.StatusCode != http.StatusBadRequest || fieldError(body, "email") == "" || fieldError(body, "password") == "" || fieldError(body, "roles") != "" ||
		!strings.Contains(body, `value="till at forno"`) {
		t.Fatalf("new account with a bad address and a short password: %d\n%s", res.StatusCode, body)
	}
	res, body = post("/admin/accounts", url.Values{"name": {"Till Forno"}, "email": {citizen.Email}, "password": {typedPassword}, "locale": {"it"},
		"scope_merchant_staff": {shop.ID}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(fieldError(body, "email"), "già") || !strings.Contains(body, `value="`+shop.ID+`" checked`) {
		t.Fatalf("new account with a taken address: %d\n%s", res.StatusCode, body)
	}
	noSecrets(t, "the refused new account form", body, typedPassword)
	res, _ = post("/admin/accounts", url.Values{"name": {"Till Forno"}, "email": {"till@forno.example"}, "password": {typedPassword}, "locale": {"en"},
		"scope_merchant_staff": {shop.ID}})
	loc := res.Header.Get("Location")
	m := regexp.MustCompile(`^/admin/accounts/(acc_[a-z0-9]+)\?done=created$`).FindStringSubmatch(loc)
	if res.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("create: %d %q", res.StatusCode, loc)
	}
	till := m[1]
	if got := grantsOf(till); !slices.Equal(got, []identity.Grant{{Role: identity.RoleMerchant, Scope: shop.ID}}) {
		t.Fatalf("new account's grants %+v", got)
	}
	if _, err := env.Identity.Login(ctx, "till@forno.example", typedPassword, ""); err != nil {
		t.Fatalf("the new account cannot log in: %v", err)
	}
	res, body = pc.Get(loc)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="done"`) || !strings.Contains(body, "till@forno.example") ||
		!strings.Contains(body, "Forno Traiano") || !strings.Contains(body, `value="`+shop.ID+`" checked`) {
		t.Fatalf("the new account's page: %d\n%s", res.StatusCode, body)
	}
	noSecrets(t, "an account's page", body)
	if _, body = pc.Get("/admin/accounts?role=merchant_staff&scope=" + shop.ID); !strings.Contains(body, `data-account="`+till+`"`) {
		t.Fatalf("the shop's staff:\n%s", body)
	}

	// Roles: a shop code nobody has is refused next to its field, as typed.
	res, body = post("/admin/accounts/"+till+"/grants", url.Values{"role": {"citizen"}, "scope_merchant_staff": {shop.ID}, "other_merchant_staff": {"shop_nope"}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(fieldError(body, "other_merchant_staff"), "shop_nope") ||
		!strings.Contains(body, `value="shop_nope"`) || !strings.Contains(body, `id="role-citizen" name="role" value="citizen" checked`) {
		t.Fatalf("unknown shop: %d\n%s", res.StatusCode, body)
	}
	if got := grantsOf(till); len(got) != 1 {
		t.Fatalf("a refused form changed the grants: %+v", got)
	}
	// No role at all is refused too.
	if res, body = post("/admin/accounts/"+till+"/grants", url.Values{}); res.StatusCode != http.StatusBadRequest || fieldError(body, "roles") == "" {
		t.Fatalf("no role: %d\n%s", res.StatusCode, body)
	}
	res, _ = post("/admin/accounts/"+till+"/grants", url.Values{"role": {"citizen"}, "scope_merchant_staff": {shop.ID}, "other_door_staff": {"venue_1"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/accounts/"+till+"?done=grants" {
		t.Fatalf("save roles: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	want := []identity.Grant{{Role: identity.RoleCitizen}, {Role: identity.RoleDoor, Scope: "venue_1"}, {Role: identity.RoleMerchant, Scope: shop.ID}}
	if got := grantsOf(till); !slices.Equal(got, want) {
		t.Fatalf("grants %+v, want %+v", got, want)
	}
	// The administrator cannot take their own administrator role.
	res, body = post("/admin/accounts/"+adminAcct.ID+"/grants", url.Values{"role": {"citizen"}})
	if res.StatusCode != http.StatusForbidden || fieldError(body, "roles") == "" {
		t.Fatalf("self-demotion: %d\n%s", res.StatusCode, body)
	}
	if a, _ := env.Identity.Account(ctx, adminAcct.ID); !a.Caller().Has(identity.RoleAdmin) {
		t.Fatal("the administrator lost their role")
	}
	// Without the CSRF token nothing changes.
	if res, _ := pc.Post("/admin/accounts/"+till+"/grants", url.Values{"role": {"city_admin"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("grants without CSRF: %d", res.StatusCode)
	}
	if res, _ := pc.Post("/admin/accounts/"+till+"/disable", url.Values{"confirm": {"yes"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("disable without CSRF: %d", res.StatusCode)
	}
	if got := grantsOf(till); !slices.Equal(got, want) {
		t.Fatalf("grants after posts without CSRF: %+v", got)
	}

	// Disabling asks first; a post that skipped the question goes to it.
	res, body = pc.Get("/admin/accounts/" + till + "/disable")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="confirm-button"`) || !strings.Contains(body, "Till Forno") {
		t.Fatalf("disable confirmation: %d\n%s", res.StatusCode, body)
	}
	if res, _ := post("/admin/accounts/"+till+"/disable", url.Values{}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/accounts/"+till+"/disable" {
		t.Fatalf("disable without confirmation: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if a, _ := env.Identity.Account(ctx, till); a.Disabled {
		t.Fatal("disabled without confirmation")
	}
	if res, _ := post("/admin/accounts/"+till+"/disable", url.Values{"confirm": {"yes"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", res.StatusCode)
	}
	if a, _ := env.Identity.Account(ctx, till); !a.Disabled {
		t.Fatal("not disabled")
	}
	if _, body = pc.Get("/admin/accounts/" + till); !strings.Contains(body, `data-state="disabled"`) || !strings.Contains(body, `data-testid="enable"`) {
		t.Fatalf("disabled account's page:\n%s", body)
	}
	if _, body = pc.Get("/admin/accounts?state=disabled"); !strings.Contains(body, `data-account="`+till+`"`) || strings.Contains(body, `data-account="`+citizen.ID+`"`) {
		t.Fatalf("disabled accounts:\n%s", body)
	}
	if res, body = pc.Get("/admin/accounts/" + till + "/enable"); res.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="confirm-button"`) {
		t.Fatalf("enable confirmation: %d\n%s", res.StatusCode, body)
	}
	if res, _ := post("/admin/accounts/"+till+"/enable", url.Values{"confirm": {"yes"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("enable: %d", res.StatusCode)
	}
	if a, _ := env.Identity.Account(ctx, till); a.Disabled {
		t.Fatal("still disabled")
	}
	// One's own account offers no disabling.
	if res, _ := pc.Get("/admin/accounts/" + adminAcct.ID + "/disable"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("own account's disable page: %d", res.StatusCode)
	}

	// A citizen who mistyped their password: the page says so, and one
	// press frees them.
	for range 2 {
		if res := env.do(t, "POST", "/api/v1/auth/login", "", `{"email":"`+citizen.Email+`","password":"wrong horse battery"}`); res.Code != http.StatusUnauthorized {
			t.Fatalf("wrong login: %d", res.Code)
		}
	}
	if _, body = pc.Get("/admin/accounts/" + citizen.ID); !strings.Contains(body, `data-testid="failed-logins" data-count="2"`) {
		t.Fatalf("failed logins not shown:\n%s", body)
	}
	if res, _ := post("/admin/accounts/"+citizen.ID+"/login-limits", url.Values{}); res.StatusCode != http.StatusSeeOther ||
		res.Header.Get("Location") != "/admin/accounts/"+citizen.ID+"?done=cleared" {
		t.Fatalf("clear limits: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if _, body = pc.Get("/admin/accounts/" + citizen.ID); !strings.Contains(body, `data-testid="failed-logins" data-count="0"`) {
		t.Fatalf("failed logins after clearing:\n%s", body)
	}

	// Pages of two, newest first, follow each other.
	_, body = pc.Get("/admin/accounts?limit=2")
	next := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(body)
	if next == nil || strings.Count(body, "data-account=") != 2 {
		t.Fatalf("first page of two:\n%s", body)
	}
	res, body = pc.Get(strings.ReplaceAll(next[1], "&amp;", "&"))
	if res.StatusCode != http.StatusOK || strings.Count(body, "data-account=") == 0 || !strings.Contains(body, `data-testid="first-page"`) {
		t.Fatalf("second page: %d\n%s", res.StatusCode, body)
	}

	// An erased account shows what remains, and no form.
	if err := env.Identity.DeleteAccount(ctx, citizen.ID); err != nil {
		t.Fatal(err)
	}
	if res, body = pc.Get("/admin/accounts/" + citizen.ID); res.StatusCode != http.StatusOK || !strings.Contains(body, `data-state="erased"`) ||
		strings.Contains(body, `data-testid="save-roles"`) || strings.Contains(body, citizen.Email) {
		t.Fatalf("erased account: %d\n%s", res.StatusCode, body)
	}
	if res, _ = pc.Get("/admin/accounts/acc_nobody"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("no such account: %d", res.StatusCode)
	}

	// Nobody else: a citizen and shop staff get 403, a visitor the login.
	other, _ := env.account(t, identity.RoleCitizen)
	merchant, _ := env.account(t, identity.RoleMerchant)
	for _, who := range []identity.Account{other, merchant} {
		cc := webtest.SignedIn(t, srv.URL, who.Email, testPassword)
		for _, p := range []string{"/admin/accounts", "/admin/accounts/new", "/admin/accounts/" + till, "/admin/accounts/" + till + "/disable"} {
			if res, body := cc.Get(p); res.StatusCode != http.StatusForbidden || strings.Contains(body, "till@forno.example") {
				t.Errorf("%s on %s: %d", who.Email, p, res.StatusCode)
			}
		}
		tok := cc.CSRF("/privacy")
		for _, p := range []string{"/admin/accounts/" + who.ID + "/grants", "/admin/accounts/" + till + "/disable", "/admin/accounts/" + till + "/login-limits"} {
			if res, _ := cc.Post(p, url.Values{"csrf_token": {tok}, "role": {"city_admin"}, "confirm": {"yes"}}); res.StatusCode != http.StatusForbidden {
				t.Errorf("%s posting %s: %d", who.Email, p, res.StatusCode)
			}
		}
		if res, _ := cc.Post("/admin/accounts", url.Values{"csrf_token": {tok}, "name": {"Evil"}, "email": {"evil@example.org"}, "password": {typedPassword},
			"role": {"city_admin"}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s creating an account: %d", who.Email, res.StatusCode)
		}
		if a, _ := env.Identity.Account(ctx, who.ID); a.Caller().Has(identity.RoleAdmin) {
			t.Fatalf("%s made themself an administrator", who.Email)
		}
	}
	if _, err := env.Identity.AccountByEmail(ctx, "evil@example.org"); err == nil {
		t.Fatal("a non-administrator created an account")
	}
	if a, _ := env.Identity.Account(ctx, till); a.Disabled {
		t.Fatal("a non-administrator disabled an account")
	}
	anon := webtest.NewPageClient(t, srv.URL)
	if res, _ := anon.Get("/admin/accounts"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Fatalf("a visitor: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}
