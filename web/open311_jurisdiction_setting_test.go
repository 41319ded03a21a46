package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// The city's jurisdiction_id the hub is configured with
// (Participation.Open311Jurisdiction, from CITYHUB_OPEN311_JURISDICTION)
// reaches the Open311 endpoint: it is served besides the hub's host, and
// the discovery document names it.
func TestOpen311JurisdictionSetting(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation, func(env *testEnv, d *Deps) {
		d.Participation.Open311Jurisdiction = "comune.example.it"
	})
	host := strings.TrimPrefix(testIssuer, "http://")
	for _, j := range []string{"comune.example.it", "www.comune.example.it", host} {
		if rec := env.do(t, "GET", "/open311/v2/services.json?jurisdiction_id="+j, "", ""); rec.Code != http.StatusOK {
			t.Errorf("jurisdiction_id %s: %d %s", j, rec.Code, rec.Body)
		}
	}
	if rec := env.do(t, "GET", "/open311/v2/services.json?jurisdiction_id=comune.napoli.it", "", ""); rec.Code != http.StatusNotFound {
		t.Errorf("another jurisdiction: %d %s", rec.Code, rec.Body)
	}
	var d struct {
		Contact string `json:"contact"`
	}
	rec := env.do(t, "GET", "/open311/discovery.json", "", "")
	if err := json.Unmarshal(rec.Body.Bytes(), &d); err != nil || !strings.Contains(d.Contact, "jurisdiction_id comune.example.it (optional") {
		t.Errorf("discovery: %v %s", err, rec.Body)
	}
}
