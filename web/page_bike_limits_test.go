package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"testing"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/simulator"
	"cityhub/web/webtest"
)

// The bike pages bound a fault's description and a dock's note (maxlength)
// where the mobility checks do, and the description's hint names the
// check's bounds, however they change: the templates wrote their own
// numbers.
func TestBikeFormsBoundTheirTextsAsTheChecks(t *testing.T) {
	t.Parallel()
	b := newBikePagesEnv(t)
	rider, _ := b.signIn(t, identity.RoleCitizen)
	page := "/bikes/stations/" + b.m.Stations[0].ID
	res, body := rider.Get(page)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d", page, res.StatusCode)
	}
	if m := regexp.MustCompile(`name="description" rows="3" maxlength="([0-9]+)"`).FindStringSubmatch(body); m == nil || m[1] != strconv.Itoa(mobility.MaxReportText) {
		t.Errorf("the fault's description is bounded at %v, want %d", m, mobility.MaxReportText)
	}
	if want := fmt.Sprintf("Da %d a %d caratteri.", mobility.MinReportText, mobility.MaxReportText); !regexp.MustCompile(regexp.QuoteMeta(want)).MatchString(body) {
		t.Errorf("the fault's hint does not say %q", want)
	}

	_, env := newTestServer(t, "sqlite", withMobilityCatalogue)
	srv := httptest.NewServer(env.Server)
	t.Cleanup(srv.Close)
	if err := simulator.SeedCatalogue(context.Background(), env.Deps.Mobility, simulator.Layout("lim", 1, 3)); err != nil {
		t.Fatal(err)
	}
	a, _ := env.account(t, identity.RoleOperator)
	op := webtest.SignedIn(t, srv.URL, a.Email, testPassword)
	res, body = op.Get("/operator/bikes/stations/lim-001")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("the operator's station page: %d", res.StatusCode)
	}
	notes := regexp.MustCompile(`name="note" maxlength="([0-9]+)"`).FindAllStringSubmatch(body, -1)
	if len(notes) == 0 {
		t.Fatal("no dock note on the operator's station page")
	}
	for _, m := range notes {
		if m[1] != strconv.Itoa(mobility.MaxDockNote) {
			t.Errorf("a dock's note is bounded at %s, want %d", m[1], mobility.MaxDockNote)
		}
	}
}
