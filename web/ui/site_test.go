package ui

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Every visitor page is public, in both languages, with every catalogue
// key it names (also those it builds, which TestEveryKeyUsedExists cannot
// see) and the city's contacts.
func TestVisitorPagesInBothLanguages(t *testing.T) {
	city := City{Name: "Avellino", Address: "Piazza del Popolo 1", Phone: "+39 0825 200111", Email: "urp@comune.example.it",
		PEC: "protocollo@pec.comune.example.it", DPOEmail: "dpo@comune.example.it", Website: "https://www.comune.example.it",
		AccessibilityURL: "https://form.agid.gov.it/view/0000"}
	srv := httptest.NewServer(serve(Deps{City: city}))
	defer srv.Close()
	for _, lang := range pageLanguages {
		for _, p := range append([]sitePage{{Path: "/"}}, sitePages...) {
			req, _ := http.NewRequest("GET", srv.URL+p.Path, nil)
			req.Header.Set("Accept-Language", lang)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			body := string(b)
			if res.StatusCode != 200 || res.Header.Get("Content-Language") != lang {
				t.Fatalf("%s in %s: %d %s", p.Path, lang, res.StatusCode, res.Header.Get("Content-Language"))
			}
			if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("%s: CSP %q", p.Path, csp)
			}
			if m := regexp.MustCompile(`\[[a-z]+\.[a-z0-9_.]+\]|%!`).FindString(body); m != "" {
				t.Errorf("%s in %s: missing or misused catalogue key %s", p.Path, lang, m)
			}
			if strings.Contains(body, "<script>") || strings.Contains(body, " style=") {
				t.Errorf("%s: inline script or style", p.Path)
			}
			for _, want := range []string{"Avellino", "protocollo@pec.comune.example.it", `href="/note-legali"`, `href="/privacy-policy"`,
				`href="/cookie"`, `href="/accessibilita"`, `href="/contatti"`, "custom-navbar-toggler", `class="logout"`} {
				if want == `class="logout"` {
					if strings.Contains(body, want) {
						t.Errorf("%s: a visitor is offered to sign out", p.Path)
					}
					continue
				}
				if !strings.Contains(body, want) {
					t.Errorf("%s in %s lacks %s", p.Path, lang, want)
				}
			}
		}
	}
}

func TestVisitorPagesSayWhatTheyMust(t *testing.T) {
	srv := httptest.NewServer(serve(Deps{City: City{Name: "Benevento", Email: "urp@comune.example.it", DPOEmail: "dpo@comune.example.it"}}))
	defer srv.Close()
	get := func(path string) string {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	a11y := get("/accessibilita")
	for _, want := range []string{"parzialmente conformi", "mailto:urp@comune.example.it?subject=", "https://form.agid.gov.it/", "Difensore civico per il digitale"} {
		if !strings.Contains(a11y, want) {
			t.Errorf("accessibility statement lacks %q", want)
		}
	}
	// It covers every service the pages offer, the reports and proposals
	// too.
	if !strings.Contains(a11y, "(portafoglio, buoni sconto, bike sharing, teatro, segnalazioni e proposte, e le pagine del personale)") {
		t.Errorf("the statement's scope leaves out a service:\n%s", a11y)
	}
	// Until the city has reviewed the statement, it says so rather than
	// giving a date; it claims no keyboard tests, which do not exist.
	if !strings.Contains(a11y, "il Comune di Benevento non l&#39;ha ancora riesaminato") || strings.Contains(a11y, "riesaminato e adottato") ||
		strings.Contains(a11y, "prove a sola tastiera") {
		t.Errorf("the unreviewed statement:\n%s", a11y)
	}
	// The cookie notice names exactly the cookies the pages set.
	cookies := get("/cookie")
	for _, name := range []string{"cityhub_session", csrfCookie, langCookie, erasedCookie} {
		if !strings.Contains(cookies, "<code>"+name+"</code>") {
			t.Errorf("cookie notice does not list %s", name)
		}
	}
	if n := strings.Count(cookies, "<code>cityhub_"); n != 4 {
		t.Errorf("cookie notice lists %d cookies, want 4", n)
	}
	policy := get("/privacy-policy")
	for _, want := range []string{"Comune di Benevento", "dpo@comune.example.it", "2220", "Stripe", `href="/privacy"`} {
		if !strings.Contains(policy, want) {
			t.Errorf("privacy policy lacks %q", want)
		}
	}
	// Without a coat of arms configured, the header shows the built-in shield.
	if home := get("/"); !regexp.MustCompile(`src="/static/[0-9a-f]+/img/shield\.svg"`).MatchString(home) {
		t.Error("home page header has no shield")
	}
}

// A statement the city reviewed gives the day, in the reader's language.
func TestReviewedAccessibilityStatement(t *testing.T) {
	day := time.Date(2026, time.March, 15, 0, 0, 0, 0, time.UTC)
	srv := httptest.NewServer(serve(Deps{City: City{Name: "Avellino", AccessibilityReviewed: day}}))
	defer srv.Close()
	for lang, want := range map[string]string{
		"it": "Il Comune di Avellino ha riesaminato e adottato questa dichiarazione il 15 marzo 2026",
		"en": "The City of Avellino reviewed and adopted this statement on 15 March 2026",
	} {
		req, _ := http.NewRequest("GET", srv.URL+"/accessibilita", nil)
		req.Header.Set("Accept-Language", lang)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(b), want) || strings.Contains(string(b), "alert-warning\" data-testid=\"a11y-review") {
			t.Errorf("%s: the reviewed statement lacks %q", lang, want)
		}
	}
}

// A configured coat of arms is served with the static files, under a
// checksummed URL, with its content type.
func TestCityLogo(t *testing.T) {
	logo := []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle r="4" cx="5" cy="5"/></svg>`)
	srv := httptest.NewServer(serve(Deps{City: City{Name: "Avellino", Logo: logo, LogoType: "image/svg+xml"}}))
	defer srv.Close()
	res, err := http.Get(srv.URL + "/aiuto")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`src="(/static/[0-9a-f]+/city/logo\.svg)"`).FindStringSubmatch(string(b))
	if m == nil {
		t.Fatalf("no logo in the header:\n%s", b)
	}
	res, err = http.Get(srv.URL + m[1])
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(got) != string(logo) || res.Header.Get("Content-Type") != "image/svg+xml" ||
		!strings.Contains(res.Header.Get("Cache-Control"), "immutable") || !strings.Contains(res.Header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Errorf("logo: %d %q %v", res.StatusCode, got, res.Header)
	}
}

// The fonts named by css/fonts.css resolve: their url()s become the
// checksummed URLs of the embedded woff2 files, which are served as fonts.
func TestStylesheetURLsResolve(t *testing.T) {
	a, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	css := string(a.files["css/fonts.css"].body)
	urls := regexp.MustCompile(`url\("([^"]+)"\)`).FindAllStringSubmatch(css, -1)
	if len(urls) < 8 {
		t.Fatalf("fonts.css names %d fonts", len(urls))
	}
	for _, u := range urls {
		name := strings.SplitN(strings.TrimPrefix(u[1], "/static/"), "/", 2)
		f, ok := a.files[name[1]]
		if !ok || f.sum != name[0] || f.contentType != "font/woff2" {
			t.Errorf("fonts.css names %s: embedded %v, checksum %s, type %s", u[1], ok, f.sum, f.contentType)
		}
	}
	// A stylesheet naming a file that is not embedded is refused.
	if _, err := a.linkStylesheet("css/x.css", []byte(`a{background:url(../img/missing.png)} b{background:url("data:image/png;base64,AA")}`)); err == nil || !strings.Contains(err.Error(), "missing.png") {
		t.Errorf("a missing file is not refused: %v", err)
	}
	out, err := a.linkStylesheet("css/x.css", []byte(`a{background:url('../img/favicon.svg#x')}`))
	if err != nil || !strings.Contains(string(out), `url("/static/`+a.files["img/favicon.svg"].sum+`/img/favicon.svg#x")`) {
		t.Errorf("rewritten: %s %v", out, err)
	}
}
