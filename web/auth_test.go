package web

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"cityhub/identity"
	"cityhub/keyring"
	"cityhub/mail"
	"cityhub/store/storetest"
	"cityhub/web/httpx"
	"cityhub/web/webtest"
)

// forge signs claims with method and key, with kid in the header.
func forge(t *testing.T, method jwt.SigningMethod, key any, kid string, claims jwt.Claims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("forge token: %v", err)
	}
	return s
}

// Every way of forging or stretching an access token is refused with 401
// problem+json by the real handler chain.
func TestAccessTokenAttacks(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine)
			acct, bearer := env.account(t, identity.RoleCitizen)
			if res := env.do(t, "GET", "/api/v1/me", bearer, ""); res.Code != http.StatusOK {
				t.Fatalf("genuine token refused: %d %s", res.Code, res.Body.String())
			}
			kid, priv := env.Keys.Signer(keyring.PurposeAccess)
			pub := priv.Public().(ed25519.PublicKey)
			qrKid, qrPriv := env.Keys.Signer(keyring.PurposeQR)
			_, otherPriv, _ := ed25519.GenerateKey(rand.Reader)
			now := time.Now()
			valid := func() jwt.RegisteredClaims {
				return jwt.RegisteredClaims{
					Issuer: testIssuer, Subject: acct.ID, Audience: jwt.ClaimStrings{identity.Audience},
					IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(10 * time.Minute)),
				}
			}
			with := func(f func(c *jwt.RegisteredClaims)) jwt.RegisteredClaims { c := valid(); f(&c); return c }
			var jwks struct {
				Keys []struct{ Kid, X string }
			}
			if err := json.Unmarshal(env.Keys.JWKS(), &jwks); err != nil {
				t.Fatal(err)
			}
			var jwkX string
			for _, k := range jwks.Keys {
				if k.Kid == kid {
					jwkX = k.X
				}
			}
			// A control: the forge helper makes tokens the hub accepts.
			if res := env.do(t, "GET", "/api/v1/me", "Bearer "+forge(t, jwt.SigningMethodEdDSA, priv, kid, valid()), ""); res.Code != http.StatusOK {
				t.Fatalf("control token refused: %s", res.Body.String())
			}
			attacks := map[string]string{
				"alg none":              forge(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, kid, valid()),
				"HS256 with public key": forge(t, jwt.SigningMethodHS256, []byte(pub), kid, valid()),
				"HS256 with jwk x":      forge(t, jwt.SigningMethodHS256, []byte(jwkX), kid, valid()),
				"unknown kid":           forge(t, jwt.SigningMethodEdDSA, priv, "access-unknown00", valid()),
				"no kid":                forge(t, jwt.SigningMethodEdDSA, priv, "", valid()),
				"expired": forge(t, jwt.SigningMethodEdDSA, priv, kid, with(func(c *jwt.RegisteredClaims) {
					c.ExpiresAt = jwt.NewNumericDate(now.Add(-time.Minute))
					c.IssuedAt = jwt.NewNumericDate(now.Add(-16 * time.Minute))
				})),
				"another key, real kid": forge(t, jwt.SigningMethodEdDSA, otherPriv, kid, valid()),
				"wrong audience":        forge(t, jwt.SigningMethodEdDSA, priv, kid, with(func(c *jwt.RegisteredClaims) { c.Audience = jwt.ClaimStrings{"someone-else"} })),
				"no audience":           forge(t, jwt.SigningMethodEdDSA, priv, kid, with(func(c *jwt.RegisteredClaims) { c.Audience = nil })),
				"wrong issuer":          forge(t, jwt.SigningMethodEdDSA, priv, kid, with(func(c *jwt.RegisteredClaims) { c.Issuer = "https://evil.example" })),
				"no expiry":             forge(t, jwt.SigningMethodEdDSA, priv, kid, with(func(c *jwt.RegisteredClaims) { c.ExpiresAt = nil })),
				"no issued-at":          forge(t, jwt.SigningMethodEdDSA, priv, kid, with(func(c *jwt.RegisteredClaims) { c.IssuedAt = nil })),
				"issued in the future":  forge(t, jwt.SigningMethodEdDSA, priv, kid, with(func(c *jwt.RegisteredClaims) { c.IssuedAt = jwt.NewNumericDate(now.Add(time.Hour)) })),
				"QR key signs a JWT":    forge(t, jwt.SigningMethodEdDSA, qrPriv, qrKid, valid()),
				"unknown subject":       forge(t, jwt.SigningMethodEdDSA, priv, kid, with(func(c *jwt.RegisteredClaims) { c.Subject = "acc_nobody" })),
				"tampered payload":      tamper(forge(t, jwt.SigningMethodEdDSA, priv, kid, valid())),
				"garbage":               "not.a.jwt",
			}
			for name, tok := range attacks {
				t.Run(name, func(t *testing.T) {
					res := env.do(t, "GET", "/api/v1/me", "Bearer "+tok, "")
					p := wantProblem(t, res, http.StatusUnauthorized)
					if p.Code != "unauthenticated" || !strings.HasPrefix(res.Header().Get("WWW-Authenticate"), "Bearer") {
						t.Fatalf("problem %+v", p)
					}
					if strings.Contains(res.Body.String(), acct.Email) {
						t.Fatal("a refused token's answer shows account data")
					}
				})
			}
			for _, h := range []string{"Basic dXNlcjpwYXNz", "Bearer", "Bearer ", bearer + "x"} {
				wantProblem(t, env.do(t, "GET", "/api/v1/me", h, ""), http.StatusUnauthorized)
			}
			// Two Authorization headers, even both genuine: which one counts
			// is not guessed.
			req := httptest.NewRequest("GET", "/api/v1/me", nil)
			req.Header.Add("Authorization", bearer)
			req.Header.Add("Authorization", bearer)
			res := httptest.NewRecorder()
			env.Server.ServeHTTP(res, req)
			if p := wantProblem(t, res, http.StatusUnauthorized); p.Reason != "invalid_token" {
				t.Fatalf("two Authorization headers: %+v", p)
			}
		})
	}
}

// tamper changes the payload but keeps the signature.
func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	p := []byte(parts[1])
	if p[len(p)-2] == 'A' {
		p[len(p)-2] = 'B'
	} else {
		p[len(p)-2] = 'A'
	}
	return parts[0] + "." + string(p) + "." + parts[2]
}

func TestLoginRefreshLogoutOverHTTP(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine)
			res := env.do(t, "POST", "/api/v1/accounts", "", `{"email":"Anna@Example.org","password":"correct horse battery","name":"Anna","locale":"en"}`)
			if res.Code != http.StatusAccepted {
				t.Fatalf("signup: %d %s", res.Code, res.Body.String())
			}
			if strings.Contains(res.Body.String(), "argon2") || strings.Contains(res.Body.String(), "password") {
				t.Fatalf("signup answer shows the password hash: %s", res.Body.String())
			}
			// A second sign-up on the address answers the same; its owner,
			// even not confirmed yet, is told the account exists and offered
			// a new password, not a new confirmation link: that would confirm
			// the first sign-up's password, which may be someone else's.
			again := env.do(t, "POST", "/api/v1/accounts", "", `{"email":"anna@example.org","password":"correct horse battery","name":"Anna 2"}`)
			if again.Code != res.Code || again.Body.String() != res.Body.String() {
				t.Fatalf("sign-up of a known address answers %d %s, of a new one %d %s", again.Code, again.Body.String(), res.Code, res.Body.String())
			}
			if len(env.mailTo(t, "Anna@Example.org", mail.KindVerifyEmail)) != 1 || len(env.mailTo(t, "Anna@Example.org", mail.KindAccountExists)) != 1 {
				t.Fatal("the owner of the address was not told of the second sign-up, or got a new confirmation link")
			}
			// Until the address is confirmed the right password does not log in.
			p := wantProblem(t, env.do(t, "POST", "/api/v1/auth/login", "", `{"email":"anna@example.org","password":"correct horse battery"}`), http.StatusUnauthorized)
			if p.Reason != "email_not_verified" {
				t.Fatalf("login before verification: %+v", p)
			}
			env.verify(t, "Anna@Example.org")

			p = wantProblem(t, env.do(t, "POST", "/api/v1/auth/login", "", `{"email":"anna@example.org","password":"wrong horse battery"}`), http.StatusUnauthorized)
			p2 := wantProblem(t, env.do(t, "POST", "/api/v1/auth/login", "", `{"email":"nobody@example.org","password":"wrong horse battery"}`), http.StatusUnauthorized)
			if p.Detail != p2.Detail || p.Reason != p2.Reason {
				t.Fatalf("wrong password %+v and unknown email %+v answer differently", p, p2)
			}

			res = env.do(t, "POST", "/api/v1/auth/login", "", `{"email":"anna@example.org","password":"correct horse battery"}`)
			if res.Code != http.StatusOK || res.Header().Get("Cache-Control") != "no-store" {
				t.Fatalf("login: %d %s", res.Code, res.Body.String())
			}
			var tok struct {
				AccessToken  string `json:"access_token"`
				TokenType    string `json:"token_type"`
				ExpiresIn    int    `json:"expires_in"`
				RefreshToken string `json:"refresh_token"`
			}
			decodeInto(t, res, &tok)
			if tok.TokenType != "Bearer" || tok.ExpiresIn != 900 {
				t.Fatalf("tokens %+v", tok)
			}
			res = env.do(t, "GET", "/api/v1/me", "Bearer "+tok.AccessToken, "")
			var me identity.Caller
			decodeInto(t, res, &me)
			if me.Email != "Anna@Example.org" || me.Locale != "en" || !me.Has(identity.RoleCitizen) {
				t.Fatalf("me %+v", me)
			}

			first := tok.RefreshToken
			res = env.do(t, "POST", "/api/v1/auth/refresh", "", `{"refresh_token":"`+first+`"}`)
			if res.Code != http.StatusOK {
				t.Fatalf("refresh: %s", res.Body.String())
			}
			decodeInto(t, res, &tok)
			// Reuse of the first token revokes the family, so the second
			// (never used) token stops working too.
			wantProblem(t, env.do(t, "POST", "/api/v1/auth/refresh", "", `{"refresh_token":"`+first+`"}`), http.StatusUnauthorized)
			wantProblem(t, env.do(t, "POST", "/api/v1/auth/refresh", "", `{"refresh_token":"`+tok.RefreshToken+`"}`), http.StatusUnauthorized)

			res = env.do(t, "POST", "/api/v1/auth/login", "", `{"email":"anna@example.org","password":"correct horse battery"}`)
			decodeInto(t, res, &tok)
			if res := env.do(t, "POST", "/api/v1/auth/logout", "", `{"refresh_token":"`+tok.RefreshToken+`"}`); res.Code != http.StatusNoContent {
				t.Fatalf("logout: %d", res.Code)
			}
			wantProblem(t, env.do(t, "POST", "/api/v1/auth/refresh", "", `{"refresh_token":"`+tok.RefreshToken+`"}`), http.StatusUnauthorized)
		})
	}
}

func TestLoginRateLimitOverHTTP(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite")
	acct, _ := env.account(t, identity.RoleCitizen)
	statuses := func(email string) []int {
		var out []int
		for range 7 {
			res := env.do(t, "POST", "/api/v1/auth/login", "", `{"email":"`+email+`","password":"wrong horse battery"}`)
			out = append(out, res.Code)
			if res.Code == http.StatusTooManyRequests && res.Header().Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
		}
		return out
	}
	a := statuses(acct.Email)
	b := statuses("never-registered@example.org")
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("attempt %d: %d vs %d: the limit shows which address exists", i, a[i], b[i])
		}
	}
	// Five failures per account and address (identity's default).
	if a[4] != http.StatusUnauthorized || a[5] != http.StatusTooManyRequests {
		t.Fatalf("statuses %v: want 401 five times, then 429", a)
	}
}

// The login page keeps the same limit as the API: once it is reached the
// form answers 429 with Retry-After and says in words why, next to the
// fields, with the address kept; the right password waits too.
func TestLoginPageRateLimit(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite")
	acct, _ := env.account(t, identity.RoleCitizen)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.NewPageClient(t, srv.URL)
	tok := pc.CSRF("/login")
	login := func(password string) (*http.Response, string) {
		return pc.Post("/login", url.Values{"csrf_token": {tok}, "email": {acct.Email}, "password": {password}})
	}
	// Five failures per account and address (identity's default).
	for i := range 5 {
		if res, _ := login("wrong horse battery"); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d", i+1, res.StatusCode)
		}
	}
	for _, password := range []string{"wrong horse battery", testPassword} {
		res, body := login(password)
		secs, err := strconv.Atoi(res.Header.Get("Retry-After"))
		if res.StatusCode != http.StatusTooManyRequests || err != nil || secs < 1 {
			t.Fatalf("over the limit: %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
		}
		// The page says when, in whole minutes rounded up from Retry-After.
		minutes := (secs + 59) / 60
		when := fmt.Sprintf("Riprova tra %d minuti.", minutes)
		if minutes == 1 {
			when = "Riprova tra un minuto."
		}
		if !strings.Contains(body, `<div class="alert alert-error" role="alert" id="login-error">Troppi tentativi di accesso. `+when+`</div>`) ||
			!strings.Contains(body, `value="`+acct.Email+`" aria-describedby="login-error"`) {
			t.Fatalf("the limited login page does not say why:\n%s", body)
		}
		for _, c := range res.Cookies() {
			if c.Name == httpx.SessionCookie && c.Value != "" {
				t.Fatal("a limited login opened a session")
			}
		}
	}
}

func TestJWKSEndpoint(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite")
	res := env.do(t, "GET", "/.well-known/jwks.json", "", "")
	if res.Code != http.StatusOK || !strings.Contains(res.Header().Get("Cache-Control"), "max-age") {
		t.Fatalf("jwks: %d %v", res.Code, res.Header())
	}
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	decodeInto(t, res, &set)
	purposes := map[string]bool{}
	for _, k := range set.Keys {
		if k["kty"] != "OKP" || k["crv"] != "Ed25519" || k["alg"] != "EdDSA" || k["kid"] == "" || k["x"] == "" || k["d"] != "" {
			t.Fatalf("key %v", k)
		}
		purposes[k["purpose"]] = true
	}
	if !purposes["access"] || !purposes["qr"] {
		t.Fatalf("purposes %v", purposes)
	}
}

// Bad bodies are refused with 400 problem+json before anything is written.
func TestBadInputWritesNothing(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine)
			admin := env.login(t, identity.RoleAdmin)
			ctx := context.Background()
			before, err := env.Identity.CountAccounts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			big := `{"email":"a@example.org","password":"correct horse battery","name":"` + strings.Repeat("x", httpx.MaxJSONBody) + `"}`
			bodies := map[string]string{
				"malformed":     `{"email":"a@example.org",`,
				"not an object": `["a@example.org"]`,
				"wrong type":    `{"email":"a@example.org","password":12345678901,"name":"A"}`,
				"unknown field": `{"email":"a@example.org","password":"correct horse battery","name":"A","role":"city_admin"}`,
				"two objects":   `{"email":"a@example.org","password":"correct horse battery","name":"A"}{}`,
				"oversized":     big,
				"empty":         "",
				"bad email":     `{"email":"nope","password":"correct horse battery","name":"A"}`,
			}
			for name, body := range bodies {
				for _, ep := range []struct{ path, auth string }{{"/api/v1/accounts", ""}, {"/api/v1/admin/accounts", admin}} {
					req := httptest.NewRequest("POST", ep.path, strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					if ep.auth != "" {
						req.Header.Set("Authorization", ep.auth)
					}
					res := httptest.NewRecorder()
					env.Server.ServeHTTP(res, req)
					want := http.StatusBadRequest
					if name == "oversized" {
						want = http.StatusRequestEntityTooLarge
					}
					p := wantProblem(t, res, want)
					if p.Code != "invalid" {
						t.Errorf("%s %s: %+v", name, ep.path, p)
					}
				}
			}
			for _, body := range []string{`{"email":1}`, `{"email":"a","password":"b","extra":true}`, `nope`} {
				wantProblem(t, env.do(t, "POST", "/api/v1/auth/login", "", body), http.StatusBadRequest)
				wantProblem(t, env.do(t, "POST", "/api/v1/auth/refresh", "", body), http.StatusBadRequest)
			}
			wantProblem(t, env.do(t, "POST", "/api/v1/admin/accounts", admin,
				`{"email":"s@example.org","password":"correct horse battery","name":"S","grants":[{"role":"merchant_staff"}]}`), http.StatusBadRequest)
			wantProblem(t, env.do(t, "POST", "/api/v1/admin/accounts", admin,
				`{"email":"s@example.org","password":"correct horse battery","name":"S","grants":"city_admin"}`), http.StatusBadRequest)
			after, err := env.Identity.CountAccounts(ctx)
			if err != nil || after != before {
				t.Fatalf("accounts %d before, %d after refused requests (%v)", before, after, err)
			}
		})
	}
}

func TestSessionCookieAuthenticates(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite")
	acct, _ := env.account(t, identity.RoleCitizen)
	token, _, err := env.Identity.StartSession(context.Background(), acct.Email, testPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	get := func(method, path, body string) *httptest.ResponseRecorder {
		var req *http.Request
		if body != "" {
			req = httptest.NewRequest(method, path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
		} else {
			req = httptest.NewRequest(method, path, nil)
		}
		req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: token})
		res := httptest.NewRecorder()
		env.Server.ServeHTTP(res, req)
		return res
	}
	res := get("GET", "/api/v1/me", "")
	var me identity.Caller
	decodeInto(t, res, &me)
	if res.Code != http.StatusOK || me.AccountID != acct.ID {
		t.Fatalf("cookie GET /me: %d %s", res.Code, res.Body.String())
	}
	// A state-changing API call does not take the cookie (no CSRF exposure).
	wantProblem(t, get("DELETE", "/api/v1/me", ""), http.StatusUnauthorized)
	if _, err := env.Identity.Account(context.Background(), acct.ID); err != nil {
		t.Fatal(err)
	}
	if err := env.Identity.EndSession(context.Background(), token); err != nil {
		t.Fatal(err)
	}
	wantProblem(t, get("GET", "/api/v1/me", ""), http.StatusUnauthorized)
}

func TestDeleteMeOverHTTP(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withCardPayments)
	acct, bearer := env.account(t, identity.RoleCitizen)
	res := env.do(t, "GET", "/api/v1/me/data", bearer, "")
	if res.Code != http.StatusOK || !strings.Contains(res.Body.String(), acct.Email) || strings.Contains(res.Body.String(), "argon2") {
		t.Fatalf("my data: %d %s", res.Code, res.Body.String())
	}
	if res := env.do(t, "DELETE", "/api/v1/me", bearer, ""); res.Code != http.StatusNoContent {
		t.Fatalf("delete me: %d %s", res.Code, res.Body.String())
	}
	wantProblem(t, env.do(t, "GET", "/api/v1/me", bearer, ""), http.StatusUnauthorized)
	a, err := env.Identity.Account(context.Background(), acct.ID)
	if err != nil || a.Email == acct.Email || a.Name != "" {
		t.Fatalf("after deletion %+v %v", a, err)
	}
}

func TestDisabledAccountIsLockedOut(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine)
			admin := env.login(t, identity.RoleAdmin)
			staff, bearer := env.account(t, identity.RoleMerchant, "shop_7")
			tokens, err := env.Identity.Login(context.Background(), staff.Email, testPassword, "")
			if err != nil {
				t.Fatal(err)
			}
			session, _, err := env.Identity.StartSession(context.Background(), staff.Email, testPassword, "")
			if err != nil {
				t.Fatal(err)
			}
			withCookie := func() *httptest.ResponseRecorder {
				req := httptest.NewRequest("GET", "/api/v1/me", nil)
				req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: session})
				res := httptest.NewRecorder()
				env.Server.ServeHTTP(res, req)
				return res
			}
			if res := withCookie(); res.Code != http.StatusOK {
				t.Fatalf("session before the disable: %d %s", res.Code, res.Body.String())
			}
			wantProblem(t, env.do(t, "PUT", "/api/v1/admin/accounts/"+staff.ID+"/disabled", admin, `{}`), http.StatusBadRequest)
			res := env.do(t, "PUT", "/api/v1/admin/accounts/"+staff.ID+"/disabled", admin, `{"disabled":true}`)
			if res.Code != http.StatusOK {
				t.Fatalf("disable: %d %s", res.Code, res.Body.String())
			}
			// The token names a caller no more: said with a reason an app
			// can tell from an expired token.
			if p := wantProblem(t, env.do(t, "GET", "/api/v1/me", bearer, ""), http.StatusUnauthorized); p.Reason == "" {
				t.Errorf("a disabled account's token refused without a reason: %+v", p)
			}
			wantProblem(t, env.do(t, "POST", "/api/v1/auth/refresh", "", `{"refresh_token":"`+tokens.RefreshToken+`"}`), http.StatusUnauthorized)
			// The right password is told the account is disabled.
			if p := wantProblem(t, env.do(t, "POST", "/api/v1/auth/login", "", `{"email":"`+staff.Email+`","password":"`+testPassword+`"}`), http.StatusForbidden); p.Reason != "account_disabled" {
				t.Errorf("login of a disabled account: %+v", p)
			}

			if res := env.do(t, "PUT", "/api/v1/admin/accounts/"+staff.ID+"/disabled", admin, `{"disabled":false}`); res.Code != http.StatusOK {
				t.Fatalf("enable: %d %s", res.Code, res.Body.String())
			}
			// What was issued before the disable stays revoked.
			wantProblem(t, env.do(t, "GET", "/api/v1/me", bearer, ""), http.StatusUnauthorized)
			wantProblem(t, env.do(t, "GET", "/api/v1/me", "Bearer "+tokens.AccessToken, ""), http.StatusUnauthorized)
			wantProblem(t, env.do(t, "POST", "/api/v1/auth/refresh", "", `{"refresh_token":"`+tokens.RefreshToken+`"}`), http.StatusUnauthorized)
			wantProblem(t, withCookie(), http.StatusUnauthorized)

			res = env.do(t, "POST", "/api/v1/auth/login", "", `{"email":"`+staff.Email+`","password":"`+testPassword+`"}`)
			var fresh identity.Tokens
			decodeInto(t, res, &fresh)
			if res.Code != http.StatusOK {
				t.Fatalf("login after enabling: %d %s", res.Code, res.Body.String())
			}
			if res := env.do(t, "GET", "/api/v1/me", "Bearer "+fresh.AccessToken, ""); res.Code != http.StatusOK {
				t.Fatalf("new access token: %d %s", res.Code, res.Body.String())
			}
			if res := env.do(t, "POST", "/api/v1/auth/refresh", "", `{"refresh_token":"`+fresh.RefreshToken+`"}`); res.Code != http.StatusOK {
				t.Fatalf("new refresh token: %d %s", res.Code, res.Body.String())
			}
		})
	}
}

// knownPlaces is the city's shops, venues and offices as identity asks
// about them.
type knownPlaces map[string]bool

func (p knownPlaces) ShopExists(_ context.Context, id string) (bool, error) {
	return p["shop:"+id], nil
}
func (p knownPlaces) VenueExists(_ context.Context, id string) (bool, error) {
	return p["venue:"+id], nil
}
func (p knownPlaces) OfficeExists(_ context.Context, id string) (bool, error) {
	return p["office:"+id], nil
}

// A staff grant must name a shop, venue or office that exists, when an
// account is made and when its grants change: 400 (reason unknown_scope)
// naming the grant, and nothing written.
func TestAdminGrantsNameExistingPlaces(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, func(env *testEnv, _ *Deps) {
				env.Identity.CheckScopes(knownPlaces{"shop:shp_forno": true, "venue:ven_teatro": true, "office:" + testOffice: true})
			})
			admin := env.login(t, identity.RoleAdmin)
			person, _ := env.account(t, identity.RoleCitizen)
			ctx := context.Background()
			before, err := env.Identity.CountAccounts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, unknown := range []struct{ role, scope string }{{"merchant_staff", "shp_nope"}, {"door_staff", "ven_nope"}, {"city_staff", "nooffice"}} {
				g, scope := `{"role":"`+unknown.role+`","scope":"`+unknown.scope+`"}`, unknown.scope
				p := wantProblem(t, env.do(t, "PUT", "/api/v1/admin/accounts/"+person.ID+"/grants", admin, `{"grants":[{"role":"citizen"},`+g+`]}`), http.StatusBadRequest)
				if p.Reason != "unknown_scope" || !strings.Contains(p.Detail, scope) {
					t.Errorf("grants %s: %+v", g, p)
				}
				p = wantProblem(t, env.do(t, "POST", "/api/v1/admin/accounts", admin,
					`{"email":"staff@example.org","password":"correct horse battery","name":"S","grants":[`+g+`]}`), http.StatusBadRequest)
				if p.Reason != "unknown_scope" || !strings.Contains(p.Detail, scope) {
					t.Errorf("new account with %s: %+v", g, p)
				}
			}
			if a, err := env.Identity.Account(ctx, person.ID); err != nil || len(a.Grants) != 1 || a.Grants[0].Role != identity.RoleCitizen {
				t.Fatalf("grants after the refusals: %+v, %v", a.Grants, err)
			}
			if after, err := env.Identity.CountAccounts(ctx); err != nil || after != before {
				t.Fatalf("accounts %d before, %d after refused requests (%v)", before, after, err)
			}

			all := `{"grants":[{"role":"citizen"},{"role":"merchant_staff","scope":"shp_forno"},{"role":"door_staff","scope":"ven_teatro"},{"role":"city_staff","scope":"` + testOffice + `"}]}`
			if res := env.do(t, "PUT", "/api/v1/admin/accounts/"+person.ID+"/grants", admin, all); res.Code != http.StatusOK {
				t.Fatalf("grants of existing places: %d %s", res.Code, res.Body.String())
			}
			if res := env.do(t, "POST", "/api/v1/admin/accounts", admin,
				`{"email":"staff@example.org","password":"correct horse battery","name":"S","grants":[{"role":"merchant_staff","scope":"shp_forno"}]}`); res.Code != http.StatusCreated {
				t.Fatalf("new staff of an existing shop: %d %s", res.Code, res.Body.String())
			}
		})
	}
}
