package web

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"cityhub/participation"
	"cityhub/web/ui"
)

// The open data page lists the datasets of the areas this hub runs, and
// every address it gives answers, without an account.
func TestOpenDataPageLinksAnswer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		configure []func(env *testEnv, d *Deps)
		want      []string
		absent    []string
	}{
		{"with participation", []func(env *testEnv, d *Deps){withParticipation}, []string{"reports", "counts", "proposals", "open311", "api"}, nil},
		{"without", nil, []string{"api"}, []string{"reports", "open311"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, env := newTestServer(t, "sqlite", tc.configure...)
			rec := env.do(t, "GET", "/dati-aperti", "", "")
			if rec.Code != http.StatusOK {
				t.Fatalf("page: %d", rec.Code)
			}
			page := rec.Body.String()
			for _, k := range tc.want {
				if !strings.Contains(page, `data-testid="dataset-`+k+`"`) {
					t.Errorf("dataset %s missing", k)
				}
			}
			for _, k := range tc.absent {
				if strings.Contains(page, `data-testid="dataset-`+k+`"`) {
					t.Errorf("dataset %s listed on a hub without it", k)
				}
			}
			i := strings.Index(page, `data-testid="datasets"`)
			if i < 0 {
				t.Fatal("no list of datasets")
			}
			list := page[i:]
			list = list[:strings.Index(list, "</ul>")]
			links := regexp.MustCompile(`href="(/[^"]*)"`).FindAllStringSubmatch(list, -1)
			if len(links) == 0 {
				t.Fatal("no links")
			}
			for _, m := range links {
				if rec := env.do(t, "GET", m[1], "", ""); rec.Code != http.StatusOK {
					t.Errorf("%s: %d", m[1], rec.Code)
				}
			}
		})
	}
}

// robots.txt keeps crawlers to the public pages and the open data: by its
// own rules (the longest matching prefix decides, Allow winning a tie, as
// RFC 9309 says) the visitor pages, the public lists and the open data are
// allowed, a person's pages, the staff tools and the rest of the API not.
func TestRobotsTxt(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite")
	rec := env.do(t, "GET", "/robots.txt", "", "")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("robots.txt: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	type rule struct {
		allow  bool
		prefix string
	}
	var rules []rule
	lines := strings.Split(rec.Body.String(), "\n")
	if lines[0] != "User-agent: *" {
		t.Fatalf("first line %q", lines[0])
	}
	for _, l := range lines[1:] {
		if k, v, ok := strings.Cut(l, ": "); ok {
			rules = append(rules, rule{k == "Allow", v})
		} else if l != "" {
			t.Fatalf("line %q", l)
		}
	}
	allowed := func(path string) bool {
		best, ok := -1, true
		for _, r := range rules {
			// A rule ending in "$" matches the whole path (RFC 9309, 2.2.3).
			exact, whole := strings.CutSuffix(r.prefix, "$")
			matches := strings.HasPrefix(path, r.prefix) || whole && path == exact
			if matches && (len(r.prefix) > best || len(r.prefix) == best && r.allow) {
				best, ok = len(r.prefix), r.allow
			}
		}
		return ok
	}
	for path, want := range map[string]bool{
		"/": true, "/dati-aperti": true, "/privacy-policy": true, "/accessibilita": true, "/aiuto": true, "/bikes": true, "/reports": true,
		"/proposals": true, "/theatre": true, "/api/v1/open/reports.csv": true, "/gbfs/v3/gbfs.json": true,
		"/admin": false, "/admin/reports": false, "/staff/scan": false, "/operator": false, "/account": false,
		"/wallet": false, "/login": false, "/api/v1/me": false, "/api/v1/openapi.json": false, "/open311/v2/requests.json": false,
		// A person's pages under the public lists, and their privacy page.
		"/vouchers": false, "/vouchers/campaigns/camp_1/shops": false, "/bikes/rides": false, "/bikes/rides/ride_1": false, "/bikes/stations/bn-001": true,
		"/theatre/orders/ord_1": false, "/theatre/performances/perf_1": true, "/reports/mine": false, "/reports/new": false,
		"/reports/rep_1": true, "/proposals/new": false, "/proposals/prop_1": true, "/privacy": false, "/privacy/my-data.json": false,
	} {
		if got := allowed(path); got != want {
			t.Errorf("%s: allowed %v, want %v", path, got, want)
		}
	}
}

// security.txt (RFC 9116) gives the city's security contact, else its
// e-mail address, with an expiry under a year ahead and its canonical
// address; with neither it is 404.
func TestSecurityTxt(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		city    ui.City
		contact string
	}{
		{"security contact", ui.City{Name: "Benevento", Email: "urp@comune.example.it", SecurityContact: "https://www.comune.example.it/sicurezza"}, "https://www.comune.example.it/sicurezza"},
		{"e-mail address", ui.City{Name: "Benevento", SecurityContact: "cert@comune.example.it"}, "mailto:cert@comune.example.it"},
		{"the city's e-mail", ui.City{Name: "Benevento", Email: "urp@comune.example.it"}, "mailto:urp@comune.example.it"},
		{"none", ui.City{Name: "Benevento"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, env := newTestServer(t, "sqlite", func(env *testEnv, d *Deps) { d.City = tc.city })
			rec := env.do(t, "GET", "/.well-known/security.txt", "", "")
			if tc.contact == "" {
				if rec.Code != http.StatusNotFound || rec.Header().Get("Content-Type") != "application/problem+json" {
					t.Fatalf("no contact: %d %q", rec.Code, rec.Header().Get("Content-Type"))
				}
				return
			}
			if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "text/plain; charset=utf-8" {
				t.Fatalf("%d %q", rec.Code, rec.Header().Get("Content-Type"))
			}
			fields := map[string]string{}
			for _, l := range strings.Split(strings.TrimSpace(rec.Body.String()), "\n") {
				k, v, ok := strings.Cut(l, ": ")
				if !ok {
					t.Fatalf("line %q", l)
				}
				fields[k] = v
			}
			if fields["Contact"] != tc.contact || fields["Preferred-Languages"] != "it, en" ||
				fields["Canonical"] != testIssuer+"/.well-known/security.txt" {
				t.Errorf("fields %v", fields)
			}
			exp, err := time.Parse(time.RFC3339, fields["Expires"])
			if ahead := time.Until(exp); err != nil || ahead < 170*24*time.Hour || ahead > 365*24*time.Hour {
				t.Errorf("Expires %q (%v)", fields["Expires"], err)
			}
		})
	}
}

// The open data page says what a report staff redacted holds there: its
// description replaced by participation.RedactedText, its address, name
// and the office's note taken out. It said the redacted descriptions were
// left out, in both languages.
func TestOpenDataPageSaysWhatRedactionLeaves(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	for lang, words := range map[string][]string{
		"it": {"sostituita dal testo", "indirizzo", "nome", "nota dell&#39;ufficio"},
		"en": {"replaced by the text", "address", "name", "office&#39;s note"},
	} {
		_, page := pageIn(t, srv.URL, lang).Get("/dati-aperti")
		i := strings.Index(page, `data-testid="dataset-reports"`)
		if i < 0 {
			t.Fatalf("%s: no reports dataset:\n%s", lang, page)
		}
		text := page[i:]
		text = text[:strings.Index(text, "</li>")]
		if !strings.Contains(text, participation.RedactedText) {
			t.Errorf("%s: the reports dataset does not name the text a redacted description reads: %s", lang, text)
		}
		for _, w := range words {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the reports dataset does not say %q: %s", lang, w, text)
			}
		}
		for _, wrong := range []string{"non ci sono", "left out"} {
			if strings.Contains(text, wrong) {
				t.Errorf("%s: the reports dataset says %q: %s", lang, wrong, text)
			}
		}
	}
}
