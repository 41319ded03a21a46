package georeport_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/open311"
	"cityhub/participation"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/web/georeport"
)

var admin = identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}

// endpoint serves the Open311 endpoint of a hub at https://hub.example.org
// with the city's jurisdiction_id j ("" for none), and gives an API key.
func endpoint(t *testing.T, db store.DB, j string) (*httptest.Server, string) {
	t.Helper()
	svc, err := participation.NewService(db.Participation(), participation.Settings{APIKeyCost: identity.FastArgon2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	k, err := svc.IssueAPIKey(context.Background(), admin, "Test app")
	if err != nil {
		t.Fatal(err)
	}
	h := georeport.New(georeport.Deps{Service: svc, Jurisdiction: j,
		Discovery: open311.Discovery{URL: "https://hub.example.org/open311/v2", Contact: "Comune di Benevento"}})
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, k.Key
}

func get(t *testing.T, srv *httptest.Server, path string) (int, []byte) {
	t.Helper()
	res, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, b
}

// The city's jurisdiction_id (CITYHUB_OPEN311_JURISDICTION) and the hub's
// own host are both this endpoint's, in any letter case and with or
// without a leading "www.", on every resource and on POST; another is 404
// naming the two; the discovery document names the city's.
func TestJurisdictionIsTheCitysOrTheHubsHost(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		srv, key := endpoint(t, db, "Comune.Benevento.it")
		ours := []string{"", "comune.benevento.it", "www.comune.benevento.it", "COMUNE.BENEVENTO.IT", "WWW.Comune.Benevento.It",
			"https://www.comune.benevento.it/", "http://comune.benevento.it", "comune.benevento.it.",
			"hub.example.org", "www.hub.example.org", "Hub.Example.Org"}
		for _, f := range []string{"json", "xml"} {
			for _, path := range []string{"/open311/v2/services." + f, "/open311/v2/services/pothole." + f, "/open311/v2/requests." + f} {
				for _, j := range ours {
					if code, b := get(t, srv, path+"?jurisdiction_id="+url.QueryEscape(j)); code != http.StatusOK {
						t.Errorf("%s for %q: %d %s", path, j, code, b)
					}
				}
				for _, other := range []string{"comune.napoli.it", "https://comune.benevento.it/segnalazioni", "https://comune.napoli.it/"} {
					code, b := get(t, srv, path+"?jurisdiction_id="+url.QueryEscape(other))
					if code != http.StatusNotFound || !strings.Contains(string(b), "comune.benevento.it or hub.example.org") {
						t.Errorf("%s for %q: %d %s, want 404 naming both ids", path, other, code, b)
					}
				}
			}
		}
		for _, j := range []string{"www.comune.benevento.it", "HUB.example.org"} {
			form := url.Values{"api_key": {key}, "jurisdiction_id": {j}, "service_code": {"pothole"}, "lat": {"41.1316"}, "long": {"14.7802"}}
			res, err := http.PostForm(srv.URL+"/open311/v2/requests.json", form)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Errorf("post for %s: %d %s", j, res.StatusCode, b)
			}
		}
		for _, f := range []string{"json", "xml"} {
			var d struct {
				Contact string `json:"contact" xml:"contact"`
			}
			code, b := get(t, srv, "/open311/discovery."+f)
			unmarshal := json.Unmarshal
			if f == "xml" {
				unmarshal = xml.Unmarshal
			}
			if err := unmarshal(b, &d); code != http.StatusOK || err != nil ||
				d.Contact != "Comune di Benevento; jurisdiction_id comune.benevento.it (optional: this endpoint serves that jurisdiction only)" {
				t.Errorf("discovery.%s: %d %v %s", f, code, err, b)
			}
		}
	})
}

// Without the city's id, the hub's host alone is the endpoint's, and the
// discovery document names it.
func TestJurisdictionWithoutTheCitysIsTheHubsHost(t *testing.T) {
	t.Parallel()
	srv, _ := endpoint(t, storetest.OpenSQLite(t), "")
	if code, b := get(t, srv, "/open311/v2/services.json?jurisdiction_id=www.hub.example.org"); code != http.StatusOK {
		t.Errorf("the hub's host: %d %s", code, b)
	}
	code, b := get(t, srv, "/open311/v2/services.json?jurisdiction_id=comune.benevento.it")
	if code != http.StatusNotFound || !strings.Contains(string(b), "send jurisdiction_id hub.example.org, or leave it out") {
		t.Errorf("another jurisdiction: %d %s", code, b)
	}
	if _, b := get(t, srv, "/open311/discovery.json"); !strings.Contains(string(b), "jurisdiction_id hub.example.org (optional") {
		t.Errorf("discovery: %s", b)
	}
}
