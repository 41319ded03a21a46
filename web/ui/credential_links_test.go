package ui

import (
	"context"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/mobility/mobilitytest"
	"cityhub/simulator"
	"cityhub/store"
	"cityhub/store/storetest"
)

// hrefs are the local links of a page, unescaped.
var hrefs = regexp.MustCompile(`href="(/[^"]*)"`)

// A station's broker credential page answers the mobility operator as the
// administrator: each reaches it from their own station page, and every
// link on it (the breadcrumb, the way back to the station) is a page their
// role may open, where the operator met 403 on the administrator's.
func TestCredentialPageLinksWorkForEachRole(t *testing.T) {
	var station string
	env := newPartEnv(t, func(db store.DB, d *Deps) {
		svc := mobilitytest.NewService(db.Mobility(), storetest.Logger(t))
		layout := simulator.Layout("s", 1, 2)
		if err := simulator.SeedCatalogue(context.Background(), svc, layout); err != nil {
			t.Fatal(err)
		}
		station, d.Mobility = layout[0].ID, svc
	})
	credential := "/admin/bikes/stations/" + station + "/credential"
	for _, c := range []struct {
		name    string
		grant   identity.Grant
		station string // the role's own page of the station
	}{
		{"operator", identity.Grant{Role: identity.RoleOperator}, "/operator/bikes/stations/" + station},
		{"administrator", adminGrant, "/admin/bikes/stations/" + station},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, pc := env.account(t, "Otto "+c.name, c.grant)
			res, body := pc.Get("/operator/bikes/stations/" + station)
			wantStatus(t, "operator's station page", res, body, http.StatusOK)
			if !strings.Contains(body, `href="`+credential+`"`) {
				t.Fatalf("the station page does not link to the credential page %s\n%s", credential, body)
			}
			res, body = pc.Get(credential)
			wantStatus(t, "credential page", res, body, http.StatusOK)
			if !strings.Contains(body, `href="`+c.station+`" data-testid="station-page"`) {
				t.Errorf("the credential page's way back is not %s\n%s", c.station, body)
			}
			for _, m := range hrefs.FindAllStringSubmatch(body, -1) {
				link := html.UnescapeString(m[1])
				if strings.HasPrefix(link, "/static/") {
					continue
				}
				if res, _ := pc.Get(link); res.StatusCode != http.StatusOK {
					t.Errorf("the credential page links to %s, which answers the %s %d", link, c.name, res.StatusCode)
				}
			}
		})
	}
}
