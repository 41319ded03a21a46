package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cityhub/web/webtest"
)

// Without a SPID/CIE provider every SPID/CIE route is 404, whether it
// needs a session or not, and no page speaks of SPID/CIE: the privacy
// policy says nothing of a fiscal code.
func TestSPIDRoutesAndPolicyWithoutIssuer(t *testing.T) {
	t.Parallel()
	_, pc, _ := accountServer(t)
	for _, path := range []string{"/login/oidc", "/login/oidc/callback", "/login/oidc/link", "/login/oidc/email", "/login/oidc/connect", "/account/spid"} {
		if res, _ := pc.Get(path); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s without a provider, nobody signed in: %d, want 404", path, res.StatusCode)
		}
	}
	for _, path := range []string{"/login/oidc/link", "/login/oidc/connect", "/account/email/spid"} {
		if res, _ := pc.Post(path, url.Values{"password": {testPassword}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s without a provider: %d, want 404", path, res.StatusCode)
		}
	}
	// Nor does another method say the route is there (a 405 with Allow).
	for _, path := range []string{"/login/oidc", "/login/oidc/callback", "/login/oidc/link", "/login/oidc/email", "/login/oidc/connect", "/account/spid", "/account/email/spid"} {
		for _, method := range []string{"GET", "POST", "PUT", "DELETE"} {
			req, _ := http.NewRequest(method, pc.URL+path, nil)
			res, err := pc.Client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusNotFound || res.Header.Get("Allow") != "" {
				t.Errorf("%s %s without a provider: %d, Allow %q; want 404 and no Allow", method, path, res.StatusCode, res.Header.Get("Allow"))
			}
		}
	}
	for _, lang := range []string{"it", "en"} {
		setLang(pc, lang)
		res, body := pc.Get("/privacy-policy")
		if res.StatusCode != http.StatusOK || strings.Contains(body, "SPID") || strings.Contains(body, "CIE") {
			t.Errorf("privacy policy in %s without a provider: %d, speaks of SPID/CIE: %v", lang, res.StatusCode, strings.Contains(body, "SPID"))
		}
	}
}

// With a provider, a SPID/CIE route that needs a session sends a visitor
// to sign in first, and the privacy policy says a SPID/CIE login keeps the
// fiscal code.
func TestSPIDRoutesAndPolicyWithIssuer(t *testing.T) {
	t.Parallel()
	o := oidcServer(t)
	pc := webtest.NewPageClient(t, o.url)
	for _, path := range []string{"/login/oidc/email", "/login/oidc/connect", "/account/spid"} {
		if res, _ := pc.Get(path); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Errorf("GET %s, nobody signed in: %d to %q, want 303 to /login", path, res.StatusCode, res.Header.Get("Location"))
		}
	}
	// Its forms refuse a post without the CSRF token, before anything
	// happens.
	for _, path := range []string{"/login/oidc/link", "/login/oidc/connect", "/account/email/spid"} {
		if res, _ := pc.Post(path, url.Values{"password": {testPassword}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s without a CSRF token: %d, want 403", path, res.StatusCode)
		}
	}
	for lang, want := range map[string]string{"it": "con SPID / CIE anche il codice fiscale", "en": "with SPID / CIE also the tax code"} {
		setLang(pc, lang)
		if res, body := pc.Get("/privacy-policy"); res.StatusCode != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("privacy policy in %s with a provider: %d, lacks %q", lang, res.StatusCode, want)
		}
	}
}

// setLang makes the client read the pages in lang.
func setLang(pc *webtest.PageClient, lang string) {
	u, _ := url.Parse(pc.URL)
	pc.Client.Jar.SetCookies(u, []*http.Cookie{{Name: "cityhub_lang", Value: lang}})
}
