package ui

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/wallet"
	"cityhub/web/httpx"
	"cityhub/web/webtest"
)

func TestSecurityHeadersOnEveryPage(t *testing.T) {
	pc, _ := newPageServer(t)
	if res := pc.Login("anna@example.org", "secret-Anna"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	for _, path := range []string{"/", "/login", "/wallet", "/privacy", "/admin", "/nope", "/wallet/items/voucher/vch_acc_anna/qr.png"} {
		res, _ := pc.Get(path)
		h := res.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP allows inline code: %q", path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" || !strings.Contains(h.Get("Permissions-Policy"), "camera=(self)") {
			t.Errorf("%s: missing security headers: %v", path, h)
		}
	}
}

func TestLoginCookieAndLogout(t *testing.T) {
	pc, accts := newPageServer(t)
	res := pc.Login("anna@example.org", "wrong")
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: status %d", res.StatusCode)
	}
	res = pc.Login("anna@example.org", "secret-Anna")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/wallet" {
		t.Fatalf("login: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == httpx.SessionCookie {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure {
		t.Fatalf("session cookie = %+v; want HttpOnly, SameSite=Lax, not Secure over plain http", session)
	}
	res, body := pc.Get("/wallet")
	if res.StatusCode != 200 || !strings.Contains(body, "1.234,50") || !strings.Contains(body, "ABCD-EFGH-ANNA") {
		t.Fatalf("wallet: %d\n%s", res.StatusCode, body)
	}
	tok := pc.CSRF("/wallet")
	res, _ = pc.Post("/logout", url.Values{"csrf_token": {tok}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	if len(accts.sessions) != 0 {
		t.Errorf("sessions left after logout: %d", len(accts.sessions))
	}
	res, _ = pc.Get("/wallet")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
		t.Errorf("wallet after logout: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestSecureCookieOverTLS(t *testing.T) {
	s := serve(Deps{PublicURL: "https://hub.example", Accounts: &pageAccounts{sessions: map[string]identity.Caller{}}})
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/login", nil))
	for _, c := range rec.Result().Cookies() {
		if !c.Secure || !c.HttpOnly {
			t.Errorf("cookie %s over TLS: Secure=%v HttpOnly=%v", c.Name, c.Secure, c.HttpOnly)
		}
	}
	if len(rec.Result().Cookies()) == 0 {
		t.Fatal("no cookie set on the login page")
	}
}

func TestLoginRedirectStaysOnSite(t *testing.T) {
	for _, bad := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example", "evil", "/a\r\nSet-Cookie: x=1", "/\t/evil.example", ""} {
		if p, ok := localPath(bad); ok {
			t.Errorf("localPath(%q) accepted as %q", bad, p)
		}
	}
	if p, ok := localPath("/wallet?before=12#history"); !ok || p != "/wallet?before=12#history" {
		t.Errorf("localPath refused a local path: %q %v", p, ok)
	}
	pc, _ := newPageServer(t)
	tok := pc.CSRF("/login")
	res, _ := pc.Post("/login", url.Values{"csrf_token": {tok}, "email": {"anna@example.org"}, "password": {"secret-Anna"}, "next": {"//evil.example/x"}})
	if loc := res.Header.Get("Location"); loc != "/wallet" {
		t.Errorf("redirect after login with a foreign next = %q", loc)
	}
}

func TestFormPostWithoutCSRFChangesNothing(t *testing.T) {
	pc, accts := newPageServer(t)
	pc.Login("anna@example.org", "secret-Anna")
	good := pc.CSRF("/privacy")
	cases := []struct {
		name string
		form url.Values
		hdr  map[string]string
	}{
		{"no token", url.Values{"confirm_email": {"anna@example.org"}}, nil},
		{"wrong token", url.Values{"confirm_email": {"anna@example.org"}, "csrf_token": {"AAAA" + good[4:]}}, nil},
		{"token from another session", url.Values{"confirm_email": {"anna@example.org"}, "csrf_token": {csrfFor(make([]byte, 32), "other")}}, nil},
		{"cross-site", url.Values{"confirm_email": {"anna@example.org"}, "csrf_token": {good}}, map[string]string{"Sec-Fetch-Site": "cross-site"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", pc.URL+"/privacy/delete", strings.NewReader(c.form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range c.hdr {
				req.Header.Set(k, v)
			}
			res, err := pc.Client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := webtest.ReadBody(t, res)
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("status %d, want 403", res.StatusCode)
			}
			if !strings.Contains(body, "Il modulo è scaduto") {
				t.Errorf("the refusal does not say why:\n%s", body)
			}
		})
	}
	if len(accts.deleted) != 0 {
		t.Fatalf("account deleted by a forged post: %v", accts.deleted)
	}
	// The genuine form does go through.
	res, body := pc.Post("/privacy/delete", url.Values{"confirm_email": {"anna@example.org"}, "csrf_token": {good}})
	if res.StatusCode != 200 || len(accts.deleted) != 1 || !strings.Contains(body, "cancellato") {
		t.Fatalf("genuine delete: %d, deleted %v", res.StatusCode, accts.deleted)
	}
}

// A form of this site's own that outlived its session is refused as any
// other, and what its sender typed comes back to copy, with a link to the
// form; a post from elsewhere gets the refusal alone.
func TestExpiredFormGivesBackWhatWasTyped(t *testing.T) {
	pc, accts := newPageServer(t)
	pc.Login("anna@example.org", "secret-Anna")
	const typed = "Il lampione di via Roma <b>è spento</b> da tre sere"
	form := url.Values{"confirm_email": {"anna@example.org"}, "csrf_token": {csrfFor(make([]byte, 32), "a session gone")},
		"description": {typed}, "new_password": {"a long password nobody may see"}, "key": {"an-idempotency-key-of-the-form"}, "short": {"ok"},
		"current": {"correct horse battery staple"}, "code": {"a scanned ticket's code of some length"}}
	post := func(site string) (int, string) {
		req, _ := http.NewRequest("POST", pc.URL+"/privacy/delete", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Referer", pc.URL+"/privacy")
		if site != "" {
			req.Header.Set("Sec-Fetch-Site", site)
		}
		res, err := pc.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode, webtest.ReadBody(t, res)
	}
	status, body := post("same-origin")
	if status != http.StatusForbidden || !strings.Contains(body, "Il modulo è scaduto") {
		t.Fatalf("expired form: %d\n%s", status, body)
	}
	if !strings.Contains(body, html.EscapeString(typed)) || strings.Contains(body, "<b>è spento") {
		t.Errorf("the typed text is not given back, escaped:\n%s", body)
	}
	for _, secret := range []string{"a long password nobody may see", "an-idempotency-key-of-the-form", "correct horse battery staple", "a scanned ticket's code"} {
		if strings.Contains(body, secret) {
			t.Errorf("the page shows %q", secret)
		}
	}
	if !strings.Contains(body, `<a href="/privacy">`) {
		t.Errorf("no link back to the form:\n%s", body)
	}
	for _, site := range []string{"cross-site", "same-site", ""} {
		if status, body := post(site); status != http.StatusForbidden || strings.Contains(body, "lampione") {
			t.Errorf("a post with Sec-Fetch-Site %q: %d, its text shown: %v", site, status, strings.Contains(body, "lampione"))
		}
	}
	if len(accts.deleted) != 0 {
		t.Fatalf("an expired form deleted the account: %v", accts.deleted)
	}
}

// A form whose session ended on the server (the password changed in another
// browser) is refused as a form of no one signed in, 401, and gives back
// what was typed, with a way to sign in that returns to the form.
func TestFormOfAnEndedSessionGivesBackWhatWasTyped(t *testing.T) {
	pc, accts := newPageServer(t)
	pc.Login("anna@example.org", "secret-Anna")
	tok := pc.CSRF("/privacy")
	accts.endSessions()
	const typed = "Una descrizione lunga che non deve andare perduta"
	req, _ := http.NewRequest("POST", pc.URL+"/privacy/delete", strings.NewReader(url.Values{"csrf_token": {tok}, "confirm_email": {"anna@example.org"}, "description": {typed}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Referer", pc.URL+"/privacy")
	res, err := pc.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body := webtest.ReadBody(t, res)
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, typed) || !strings.Contains(body, `href="/login?next=%2fprivacy"`) {
		t.Fatalf("a form of an ended session: %d\n%s", res.StatusCode, body)
	}
	if len(accts.deleted) != 0 {
		t.Fatalf("a form of an ended session deleted the account")
	}
}

// A page's script that asks for JSON (the scanners) gets a refusal it can
// read: problem+json with its reason, its detail in the page's language,
// so that a session that ended is told from a refused code.
func TestPageRefusalsAnswerScriptsInJSON(t *testing.T) {
	pc, _ := newPageServer(t)
	for _, tc := range []struct {
		name, path, reason string
		status             int
	}{
		{"expired form", "/privacy/delete", "csrf", http.StatusForbidden},
	} {
		req, _ := http.NewRequest("POST", pc.URL+tc.path, strings.NewReader(`{"code":"x"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("X-CSRF-Token", "stale")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		res, err := pc.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := webtest.ReadBody(t, res)
		var p struct{ Reason, Detail string }
		if res.StatusCode != tc.status || res.Header.Get("Content-Type") != "application/problem+json" || json.Unmarshal([]byte(body), &p) != nil ||
			p.Reason != tc.reason || !strings.Contains(p.Detail, "Il modulo è scaduto") {
			t.Errorf("%s: %d %s\n%s", tc.name, res.StatusCode, res.Header.Get("Content-Type"), body)
		}
	}
}

// Issue 8, item 8: a 200 KB e-mail on the login page was refused as "the
// form has expired or does not come from this site". A form over the limit
// is refused as too large (413) and one with a NUL or bytes that are not
// UTF-8 as unreadable (400); the CSRF message stays for CSRF.
func TestOversizedOrUnreadableFormSaysSo(t *testing.T) {
	pc, accts := newPageServer(t)
	tok := pc.CSRF("/login")
	for _, tc := range []struct {
		name   string
		email  string
		status int
		says   string
	}{
		{"200 KB e-mail", strings.Repeat("a", 200<<10) + "@example.org", http.StatusRequestEntityTooLarge, "troppo grande"},
		{"NUL in the e-mail", "anna@example.org\x00", http.StatusBadRequest, "caratteri non leggibili"},
		{"bytes that are not UTF-8", "anna\xff@example.org", http.StatusBadRequest, "caratteri non leggibili"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := pc.Post("/login", url.Values{"csrf_token": {tok}, "email": {tc.email}, "password": {"secret-Anna"}})
			if res.StatusCode != tc.status {
				t.Errorf("status %d, want %d", res.StatusCode, tc.status)
			}
			if !strings.Contains(body, tc.says) || strings.Contains(body, "Il modulo è scaduto") {
				t.Errorf("the refusal does not give the real reason (%q):\n%.2000s", tc.says, body)
			}
		})
	}
	if len(accts.sessions) != 0 {
		t.Errorf("a refused form started a session")
	}
	// A genuine login with the same token still works, and a missing token
	// is still a CSRF refusal.
	if res, _ := pc.Post("/login", url.Values{"email": {"anna@example.org"}, "password": {"secret-Anna"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("login without a token: %d, want 403", res.StatusCode)
	}
	if res := pc.Login("anna@example.org", "secret-Anna"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("genuine login: %d", res.StatusCode)
	}
}

func TestRolesOnEveryPage(t *testing.T) {
	type tc struct {
		path   string
		status int
	}
	table := map[string][]tc{
		"": {{"/", 200}, {"/login", 200}, {"/wallet", 303}, {"/privacy", 303}, {"/staff/scan", 303}, {"/admin", 303}, {"/operator", 303},
			{"/wallet/items/voucher/vch_acc_anna/qr.png", 303}, {"/privacy/my-data.json", 303}},
		"anna@example.org": {{"/wallet", 200}, {"/privacy", 200}, {"/staff/scan", 403}, {"/admin", 403}, {"/operator", 403},
			{"/wallet/items/voucher/vch_acc_anna/qr.png", 200},
			// Another citizen's voucher is not found, exactly like a voucher that does not exist.
			{"/wallet/items/voucher/vch_acc_bruno/qr.png", 404}, {"/wallet/items/voucher/vch_nobody/qr.png", 404},
			{"/wallet/items/ticket/tkt_1/qr.png", 404}},
		"shop@example.org":  {{"/staff/scan", 200}, {"/wallet", 403}, {"/admin", 403}, {"/privacy", 200}, {"/wallet/items/voucher/vch_acc_anna/qr.png", 403}},
		"admin@example.org": {{"/admin", 200}, {"/operator", 200}, {"/wallet", 403}, {"/staff/scan", 403}},
	}
	for who, cases := range table {
		t.Run("as "+who, func(t *testing.T) {
			pc, _ := newPageServer(t)
			if who != "" {
				c := testCallers[who]
				if res := pc.Login(who, "secret-"+c.Name); res.StatusCode != http.StatusSeeOther {
					t.Fatalf("login %s: %d", who, res.StatusCode)
				}
			}
			for _, c := range cases {
				res, body := pc.Get(c.path)
				if res.StatusCode != c.status {
					t.Errorf("GET %s: %d, want %d", c.path, res.StatusCode, c.status)
				}
				if c.status != 200 && strings.Contains(body, "CH1:") {
					t.Errorf("GET %s leaked a token", c.path)
				}
			}
		})
	}
}

func TestItemQRIsAFreshPNG(t *testing.T) {
	pc, _ := newPageServer(t)
	pc.Login("anna@example.org", "secret-Anna")
	res, body := pc.Get("/wallet/items/voucher/vch_acc_anna/qr.png")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(body, "\x89PNG") {
		t.Fatalf("qr.png: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if res.Header.Get("X-Typed-Code") != "ABCD-EFGH-ANNA" || res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("headers: %v", res.Header)
	}
	if _, err := time.Parse(time.RFC3339, res.Header.Get("X-Expires-At")); err != nil {
		t.Errorf("X-Expires-At: %v", err)
	}
}

// The page's download is the hub's data download (package mydata, tested
// with the real services in package web); wired without one, it still
// gives who the caller is, as an attachment, never cached.
func TestExportWithoutADownloadGivesTheCaller(t *testing.T) {
	pc, _ := newPageServer(t)
	pc.Login("anna@example.org", "secret-Anna")
	res, body := pc.Get("/privacy/my-data.json")
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("export: %d %v", res.StatusCode, res.Header)
	}
	var got struct {
		Account identity.Caller `json:"account"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if got.Account.AccountID != "acc_anna" {
		t.Errorf("export = %s", body)
	}
}

func TestStaticFilesAreChecksummed(t *testing.T) {
	pc, _ := newPageServer(t)
	_, body := pc.Get("/login")
	m := regexp.MustCompile(`href="(/static/[0-9a-f]{12}/css/cityhub\.css)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no checksummed stylesheet link in:\n%s", body)
	}
	res, css := pc.Get(m[1])
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") || !strings.Contains(css, "--blue") {
		t.Errorf("stylesheet: %d %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
	res, _ = pc.Get("/static/000000000000/css/cityhub.css")
	if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("stale checksum: %d %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
	res, _ = pc.Get("/static/000000000000/nope.js")
	if res.StatusCode != 404 {
		t.Errorf("unknown static file: %d", res.StatusCode)
	}
}

// TestMissingStaticFilesAreNotFound: a static URL naming no file is a plain
// 404, never a redirect to a directory's URL, and no directory is listed.
func TestMissingStaticFilesAreNotFound(t *testing.T) {
	pc, _ := newPageServer(t)
	for _, p := range []string{
		"/static", "/static/", "/static/nope.css", "/static/css", "/static/000000000000",
		"/static/000000000000/", "/static/000000000000/css", "/static/000000000000/css/",
		"/static/000000000000/css/nope.css", "/static/nope.css/",
	} {
		res, body := pc.Get(p)
		if res.StatusCode != http.StatusNotFound || res.Header.Get("Location") != "" {
			t.Errorf("GET %s: %d Location %q, want a plain 404", p, res.StatusCode, res.Header.Get("Location"))
		}
		if strings.Contains(body, "cityhub.css") || strings.Contains(body, "<a href") {
			t.Errorf("GET %s lists files:\n%s", p, body)
		}
	}
}

func TestLanguageSwitch(t *testing.T) {
	pc, _ := newPageServer(t)
	_, body := pc.Get("/")
	if !strings.Contains(body, `lang="it"`) || !strings.Contains(body, "Comune di Benevento") {
		t.Fatal("home is not Italian by default")
	}
	tok := pc.CSRF("/")
	res, _ := pc.Post("/language", url.Values{"csrf_token": {tok}, "lang": {"en"}, "next": {"/login"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("switch: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	_, body = pc.Get("/login")
	if !strings.Contains(body, `lang="en"`) || !strings.Contains(body, "Sign in to cityhub") {
		t.Fatal("login page is not English after the switch")
	}
}

// The scanner's JSON endpoints are page actions: the CSRF token rides in the
// X-CSRF-Token header of a JSON POST, and the role is checked after it.
func TestPageActionTakesTheCSRFHeader(t *testing.T) {
	accts := &pageAccounts{sessions: map[string]identity.Caller{}}
	u := New(Deps{Accounts: accts, ScanTargets: map[identity.Role]ScanTarget{identity.RoleMerchant: {Endpoint: "/staff/scan/check"}}})
	var calls int
	mux := http.NewServeMux()
	u.Register(mux)
	mux.Handle("POST /staff/scan/check", u.site.pageAction(func(w http.ResponseWriter, r *http.Request, c identity.Caller) {
		calls++
		var in struct {
			Code string `json:"code"`
		}
		if err := httpx.DecodeJSON(w, r, &in); err != nil {
			httpx.WriteError(u.site.log, w, r, err)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"message": in.Code + " for " + c.AccountID})
	}, identity.RoleMerchant))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	pc := webtest.NewPageClient(t, srv.URL)

	post := func(token string) (*http.Response, string) {
		req, _ := http.NewRequest("POST", srv.URL+"/staff/scan/check", strings.NewReader(`{"code":"ABCD"}`))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set(csrfHeader, token)
		}
		res, err := pc.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return res, webtest.ReadBody(t, res)
	}

	pc.Login("shop@example.org", "secret-Shop")
	_, page := pc.Get("/staff/scan")
	m := regexp.MustCompile(`data-csrf="([^"]+)"`).FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, `data-endpoint="/staff/scan/check"`) {
		t.Fatalf("scanner page lacks its endpoint or token:\n%s", page)
	}
	if res, _ := post(""); res.StatusCode != http.StatusForbidden {
		t.Errorf("no token: %d", res.StatusCode)
	}
	if res, body := post(m[1]); res.StatusCode != 200 || !strings.Contains(body, "ABCD for acc_shop") {
		t.Errorf("with the page's token: %d %s", res.StatusCode, body)
	}
	if calls != 1 {
		t.Fatalf("handler ran %d times, want once", calls)
	}

	// A citizen with a valid token of their own is still refused by role.
	pc2 := webtest.SignedIn(t, srv.URL, "anna@example.org", "secret-Anna")
	tok := pc2.CSRF("/privacy")
	req, _ := http.NewRequest("POST", srv.URL+"/staff/scan/check", strings.NewReader(`{"code":"ABCD"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(csrfHeader, tok)
	res, err := pc2.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden || calls != 1 {
		t.Errorf("citizen on a staff action: %d, calls %d", res.StatusCode, calls)
	}
}

// pagedWallet has 45 history lines, served in pages like wallet.Service.
type pagedWallet struct{ pageWallet }

func (pagedWallet) HistoryFor(ctx context.Context, _ wallet.Reader, id wallet.AccountID, cursor string, limit int) (wallet.HistoryPage, error) {
	start := 0
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil {
			return wallet.HistoryPage{}, apperr.R(apperr.Invalid, "bad_cursor", "bad cursor")
		}
		start = n
	}
	var page wallet.HistoryPage
	for i := start; i < 45 && len(page.Lines) < limit; i++ {
		page.Lines = append(page.Lines, wallet.HistoryLine{EntryID: int64(1000 - i), Kind: "ride.fare", Memo: "corsa " + strconv.Itoa(i), Amount: -150, At: time.Now()})
	}
	if start+limit < 45 {
		page.Next = strconv.Itoa(start + limit)
	}
	return page, nil
}

func TestWalletHistoryPages(t *testing.T) {
	accts := &pageAccounts{sessions: map[string]identity.Caller{}}
	srv := httptest.NewServer(serve(Deps{Accounts: accts, Wallet: pagedWallet{}, QR: map[string]QRSource{"voucher": ownedQR{}}}))
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, "anna@example.org", "secret-Anna")
	seen := map[string]bool{}
	path := "/wallet"
	for pages := 0; path != ""; pages++ {
		if pages > 5 {
			t.Fatal("history pages never end")
		}
		res, body := pc.Get(path)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d", path, res.StatusCode)
		}
		for _, m := range regexp.MustCompile(`data-entry="(\d+)"`).FindAllStringSubmatch(body, -1) {
			if seen[m[1]] {
				t.Errorf("line %s shown twice", m[1])
			}
			seen[m[1]] = true
		}
		if !strings.Contains(body, "−1,50\u00a0€") || !strings.Contains(body, "Corsa in bici") {
			t.Fatalf("%s: fares not formatted in Italian", path)
		}
		if strings.Contains(body, "corsa 1") {
			t.Fatalf("%s: the ledger's English memo of a ride is shown to the citizen", path)
		}
		path = ""
		if m := regexp.MustCompile(`href="(/wallet\?before=\d+)#history"`).FindStringSubmatch(body); m != nil {
			path = m[1]
		}
	}
	if len(seen) != 45 {
		t.Errorf("saw %d history lines across pages, want 45", len(seen))
	}
	// A confirmation from another page is shown only for the few the wallet knows.
	if _, body := pc.Get("/wallet?done=voucher_claimed"); !strings.Contains(body, `data-testid="done"`) || !strings.Contains(body, "Buono ottenuto") {
		t.Error("the wallet does not confirm a claimed voucher")
	}
	if _, body := pc.Get("/wallet?done=%3Cscript%3E"); strings.Contains(body, `data-testid="done"`) {
		t.Error("the wallet shows a confirmation it does not know")
	}
	if res, body := pc.Get("/wallet?before=xyz"); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `href="/wallet#history" data-testid="first-page"`) {
		t.Errorf("bad cursor: %d, want the link to the first page\n%s", res.StatusCode, body)
	}
}

// A later page of the wallet's history with nothing on it (the link of
// the last page's "older", the oldest entry gone since, or typed) says
// there is nothing older than the earlier pages, and leads back to the
// first, in each language, where it said there had never been any
// movement; the first page has no such link, and says so of a wallet
// with none.
func TestWalletHistoryLaterPageEmpty(t *testing.T) {
	accts := &pageAccounts{sessions: map[string]identity.Caller{}}
	srv := httptest.NewServer(serve(Deps{Accounts: accts, Wallet: pagedWallet{}, QR: map[string]QRSource{"voucher": ownedQR{}}}))
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, "anna@example.org", "secret-Anna")
	empty := regexp.MustCompile(`<p class="empty" data-testid="history-page-empty">([^<]*)</p>`)
	for _, lang := range []string{"it", "en"} {
		if lang == "en" {
			u, _ := url.Parse(srv.URL)
			pc.Client.Jar.SetCookies(u, []*http.Cookie{{Name: "cityhub_lang", Value: "en"}})
		}
		want := map[string]string{"it": "Nessun movimento più vecchio di quelli delle pagine precedenti.", "en": "No transactions older than those of the earlier pages."}[lang]
		res, body := pc.Get("/wallet?before=45")
		m := empty.FindStringSubmatch(body)
		if res.StatusCode != http.StatusOK || m == nil || m[1] != want || !strings.Contains(body, `href="/wallet#history" rel="first" data-testid="history-first-page"`) {
			t.Errorf("%s: a later page without movements: %d, %q; want %q and the link to the first page\n%s", lang, res.StatusCode, m, want, body)
		}
		if strings.Contains(body, map[string]string{"it": "Nessun movimento finora", "en": "No transactions yet"}[lang]) {
			t.Errorf("%s: a later page says there was never a movement", lang)
		}
		if _, body := pc.Get("/wallet"); strings.Contains(body, "history-first-page") || strings.Contains(body, "history-page-empty") {
			t.Errorf("%s: the first page links to itself or calls itself a later one", lang)
		}
	}
}

func TestDashboardPanels(t *testing.T) {
	accts := &pageAccounts{sessions: map[string]identity.Caller{}}
	u := New(Deps{Accounts: accts})
	u.site.pages.panels[identity.RoleAdmin] = append(u.site.pages.panels[identity.RoleAdmin],
		DashboardPanel{TitleKey: "admin.panel.campaigns", TextKey: "admin.lead", Href: "/admin/campaigns"})
	mux := http.NewServeMux()
	u.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, "admin@example.org", "secret-Admin")
	_, body := pc.Get("/admin")
	if !strings.Contains(body, `href="/admin/campaigns"`) || !strings.Contains(body, "Campagne di buoni") || strings.Contains(body, "In preparazione") {
		t.Errorf("admin dashboard with a panel:\n%s", body)
	}
}

// With credit left, the privacy page shows it, what goes back to which card
// top-up and what to the city, and asks where it goes; deleting without a
// choice changes nothing, and the choice reaches the erasure.
func TestDeleteAccountAsksWhereTheCreditGoes(t *testing.T) {
	pc, accts := newPageServer(t)
	accts.credit = map[string]cardpay.ErasureCredit{"acc_anna": {BalanceCents: 2500, RefundableCents: 2000,
		Refunds: []cardpay.PlannedRefund{{PaymentID: "pi_anna_1", AmountCents: 2000, PaidAt: time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)}}}}
	pc.Login("anna@example.org", "secret-Anna")
	_, body := pc.Get("/privacy")
	for _, want := range []string{"Hai ancora 25,00\u00a0€ di credito", "Restituisci 20,00\u00a0€ alle carte", `data-payment="pi_anna_1">20,00` + "\u00a0€ alla carta della ricarica del 2 novembre 2026",
		"Gli altri 5,00\u00a0€", "Lascia tutti i 25,00\u00a0€ al Comune", `name="credit" value="cards" required`, `name="credit" value="city" required`} {
		if !strings.Contains(body, want) {
			t.Errorf("privacy page lacks %q", want)
		}
	}
	tok := pc.CSRF("/privacy")
	res, body := pc.Post("/privacy/delete", url.Values{"confirm_email": {"anna@example.org"}, "csrf_token": {tok}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Hai ancora del credito") || len(accts.deleted) != 0 {
		t.Fatalf("delete without a choice: %d, deleted %v\n%s", res.StatusCode, accts.deleted, body)
	}
	res, body = pc.Post("/privacy/delete", url.Values{"confirm_email": {"anna@example.org"}, "credit": {"cards"}, "csrf_token": {tok}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "cancellato") || len(accts.choices) != 1 || accts.choices[0] != cardpay.CreditToCards {
		t.Fatalf("delete with the cards: %d, choices %v", res.StatusCode, accts.choices)
	}
	// Credit none of which can go back to a card: the page says it goes to
	// the city and offers only that; the cards sent all the same (a page
	// older than the credit's last change, a hand-made post) are refused
	// with words that ask for the city alone, and nothing is erased.
	accts.credit["acc_anna"] = cardpay.ErasureCredit{BalanceCents: 1200, Refunds: []cardpay.PlannedRefund{}}
	accts.deleted, accts.choices = nil, nil
	pc.Login("anna@example.org", "secret-Anna")
	_, body = pc.Get("/privacy")
	if !strings.Contains(body, "nessuna parte può tornare su una carta, quindi va al Comune") || strings.Contains(body, "scegli qui sotto se restituirlo") ||
		strings.Contains(body, `value="cards"`) || !strings.Contains(body, `name="credit" value="city" required`) {
		t.Errorf("the privacy page with credit no card can take back:\n%s", body)
	}
	tok = pc.CSRF("/privacy")
	res, body = pc.Post("/privacy/delete", url.Values{"confirm_email": {"anna@example.org"}, "credit": {"cards"}, "csrf_token": {tok}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "può andare solo al Comune") || strings.Contains(body, "Hai ancora del credito") || len(accts.deleted) != 0 {
		t.Fatalf("delete with the cards, none refundable: %d, deleted %v\n%s", res.StatusCode, accts.deleted, body)
	}
	res, body = pc.Post("/privacy/delete", url.Values{"confirm_email": {"anna@example.org"}, "credit": {"city"}, "csrf_token": {tok}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "cancellato") || len(accts.choices) != 1 || accts.choices[0] != cardpay.CreditToCity {
		t.Fatalf("delete with the city, none refundable: %d, choices %v", res.StatusCode, accts.choices)
	}

	// Bruno has no credit: nothing to choose, and the form erases.
	pb, _ := newPageServer(t)
	pb.Login("bruno@example.org", "secret-Bruno")
	if _, body := pb.Get("/privacy"); strings.Contains(body, `name="credit"`) {
		t.Errorf("the privacy page asks about credit that is not there")
	}
}
