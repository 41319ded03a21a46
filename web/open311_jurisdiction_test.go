package web

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/participation"
	"cityhub/store/storetest"
)

// geoErrors reads a GeoReport errors document in format f ("json" or
// "xml") and gives its codes.
func geoErrors(t testing.TB, what, f string, status int, ctype string, body []byte) []int {
	t.Helper()
	type geoError struct {
		Code        int    `json:"code" xml:"code"`
		Description string `json:"description" xml:"description"`
	}
	var errs []geoError
	switch f {
	case "xml":
		var doc struct {
			XMLName xml.Name   `xml:"errors"`
			Errors  []geoError `xml:"error"`
		}
		if ctype != "text/xml; charset=utf-8" || xml.Unmarshal(body, &doc) != nil {
			t.Fatalf("%s: %d %q, not an XML errors document: %s", what, status, ctype, body)
		}
		errs = doc.Errors
	default:
		if ctype != "application/json; charset=utf-8" || json.Unmarshal(body, &errs) != nil {
			t.Fatalf("%s: %d %q, not a JSON errors list: %s", what, status, ctype, body)
		}
	}
	var codes []int
	for _, e := range errs {
		if e.Description == "" {
			t.Fatalf("%s: an error without a description: %s", what, body)
		}
		codes = append(codes, e.Code)
	}
	return codes
}

// The hub's Open311 endpoint serves one jurisdiction, the host name of its
// public URL: a request naming another (reads and posts, JSON and XML) is
// 404 in the standard's errors document; naming this one, in any case, or
// none, is served.
func TestOpen311JurisdictionIsTheHubsHost(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withParticipation)
			admin := env.login(t, identity.RoleAdmin)
			res := env.do(t, "POST", "/api/v1/admin/open311/keys", admin, `{"name":"Report app"}`)
			if res.Code != http.StatusCreated {
				t.Fatalf("issue key: %d %s", res.Code, res.Body)
			}
			var key participation.IssuedAPIKey
			decodeInto(t, res, &key)
			host := strings.TrimPrefix(testIssuer, "http://")
			post := func(f, jurisdiction string) (int, string, []byte) {
				form := url.Values{"api_key": {key.Key}, "service_code": {"lighting"}, "lat": {"41.1307"}, "long": {"14.776"}}
				if jurisdiction != "" {
					form.Set("jurisdiction_id", jurisdiction)
				}
				rec := env.postParts(t, "/open311/v2/requests."+f, "", func() []formPart {
					var ps []formPart
					for k, v := range form {
						ps = append(ps, formPart{name: k, value: v[0]})
					}
					return ps
				}()...)
				return rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes()
			}
			for _, f := range []string{"json", "xml"} {
				for _, path := range []string{"/open311/v2/services." + f, "/open311/v2/requests." + f, "/open311/v2/services/pothole." + f} {
					rec := env.do(t, "GET", path+"?jurisdiction_id=nowhere", "", "")
					if codes := geoErrors(t, path, f, rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes()); rec.Code != http.StatusNotFound || len(codes) != 1 || codes[0] != 404 {
						t.Fatalf("%s for another jurisdiction: %d %s", path, rec.Code, rec.Body)
					}
					for _, j := range []string{"", "?jurisdiction_id=" + host, "?jurisdiction_id=" + strings.ToUpper(host)} {
						if rec := env.do(t, "GET", path+j, "", ""); rec.Code != http.StatusOK {
							t.Fatalf("%s%s: %d %s", path, j, rec.Code, rec.Body)
						}
					}
				}
				status, ctype, body := post(f, "comune.napoli.it")
				if codes := geoErrors(t, "post", f, status, ctype, body); status != http.StatusNotFound || len(codes) != 1 || codes[0] != 404 {
					t.Fatalf("post for another jurisdiction: %d %s", status, body)
				}
				if status, _, body := post(f, host); status != http.StatusOK {
					t.Fatalf("post for the hub's jurisdiction: %d %s", status, body)
				}
			}
			// Only the two requests posted for this jurisdiction were made.
			var list []map[string]any
			decodeInto(t, wantOK(t, env.do(t, "GET", "/open311/v2/requests.json", "", "")), &list)
			if len(list) != 2 {
				t.Fatalf("%d requests, want the 2 posted for %s", len(list), host)
			}
		})
	}
}

// Invalid text in an Open311 path or query (bytes that are not UTF-8, a
// NUL, a malformed escape) is refused as every Open311 error is: 400 in
// the standard's errors document, XML for a path ending in .xml and JSON
// otherwise, never the pages' HTML error.
func TestOpen311InvalidTextIsAGeoReportError(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	for _, tc := range []struct{ target, format string }{
		{"/open311/v2/requests.json?status=%FF", "json"},
		{"/open311/v2/requests.xml?status=%FF", "xml"},
		{"/open311/v2/requests/%00.json", "json"},
		{"/open311/v2/requests/%00.xml", "xml"},
		{"/open311/v2/services/%C3.xml", "xml"},
		{"/open311/discovery.json?x=%FF", "json"},
		{"/open311/discovery.xml?x=%00", "xml"},
		{"/open311/v2/services.json?a=%ZZ", "json"},
		{"/open311/v2/services.xml?a=%ZZ", "xml"},
		{"/open311/v2/nothing?a=%FF", "json"},
	} {
		for _, method := range []string{"GET", "POST"} {
			rec := env.do(t, method, tc.target, "", "")
			what := method + " " + tc.target
			if codes := geoErrors(t, what, tc.format, rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes()); rec.Code != http.StatusBadRequest || len(codes) != 1 || codes[0] != 400 {
				t.Errorf("%s: %d %s", what, rec.Code, rec.Body)
			}
		}
	}
	// The API and the pages are answered as before.
	if rec := env.do(t, "GET", "/api/v1/reports?status=%FF", "", ""); rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("API: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if rec := env.do(t, "GET", "/reports?status=%FF", "", ""); rec.Code != http.StatusBadRequest || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Errorf("page: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
}

// A page of the proposals awaiting an answer says where the next begins
// (next_cursor, as every paged list of the API), and that cursor walks
// them all, each once; the last page's is empty.
func TestParticipationAwaitingProposalsPaged(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, func(env *testEnv, d *Deps) {
				withParticipation(env, d)
				svc, err := participation.NewService(env.DB.Participation(), participation.Settings{APIKeyCost: identity.FastArgon2, SupportThreshold: 1}, d.Log)
				if err != nil {
					t.Fatal(err)
				}
				d.Participation.Service = svc
			})
			author, supporter := env.login(t, identity.RoleCitizen), env.login(t, identity.RoleCitizen)
			admin := env.login(t, identity.RoleAdmin)
			const n = 5
			for range n {
				var p participation.PublicProposal
				res := env.do(t, "POST", "/api/v1/proposals", author, `{"title":"More benches","body":"Benches along the river walk, please."}`)
				if res.Code != http.StatusCreated {
					t.Fatalf("create proposal: %d %s", res.Code, res.Body)
				}
				decodeInto(t, res, &p)
				wantOK(t, env.do(t, "POST", "/api/v1/proposals/"+p.ID+"/support", supporter, ""))
			}
			seen := map[string]bool{}
			cursor, pages := "", 0
			for {
				var page struct {
					Proposals  []participation.PublicProposal
					NextCursor *string `json:"next_cursor"`
				}
				decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/admin/proposals/awaiting?limit=2&cursor="+url.QueryEscape(cursor), admin, "")), &page)
				if page.NextCursor == nil {
					t.Fatalf("page %d has no next_cursor", pages+1)
				}
				for _, p := range page.Proposals {
					if seen[p.ID] || p.State != participation.ProposalAwaitingAnswer {
						t.Fatalf("proposal %s (%s) twice or not awaiting", p.ID, p.State)
					}
					seen[p.ID] = true
				}
				pages++
				if *page.NextCursor == "" {
					break
				}
				if pages > n {
					t.Fatal("the pages do not end")
				}
				cursor = *page.NextCursor
			}
			if len(seen) != n || pages != 3 {
				t.Fatalf("%d proposals in %d pages, want %d in 3", len(seen), pages, n)
			}
		})
	}
}
