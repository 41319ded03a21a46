package web

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/mobility/mobilitytest"
	"cityhub/vouchers"
	"cityhub/web/webtest"
)

// A page links only where its reader may go: on a hub with every area on,
// no link of the home page (its service cards, its menu, its footer) nor
// of the operator's bike pages answers 403 to the role that was shown
// it. Shops, doors, operators and office staff do not hold a wallet,
// vouchers, bikes or theatre tickets; an administrator may open the bike
// pages of the operator and the operator's dashboard above them, which
// answered 403 while every page under it answered 200.
func TestPagesLinkOnlyWhereTheRoleMayGo(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(false), withTicketing, withParticipation, func(env *testEnv, d *Deps) {
		d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
		d.Mobility = mobilitytest.NewService(env.DB.Mobility(), nil)
	})
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pageLink := regexp.MustCompile(`<a [^>]*href="(/[^"#?]*)[^"]*"`)
	pages := map[identity.Role][]string{
		identity.RoleCitizen:   {"/", "/aiuto"},
		identity.RoleMerchant:  {"/", "/aiuto"},
		identity.RoleDoor:      {"/", "/aiuto"},
		identity.RoleOperator:  {"/", "/aiuto", "/operator", "/operator/bikes", "/operator/bikes/reports"},
		identity.RoleCityStaff: {"/", "/aiuto"},
		identity.RoleAdmin:     {"/", "/aiuto", "/admin", "/operator", "/operator/bikes", "/operator/bikes/reports"},
	}
	for role, paths := range pages {
		a, _ := env.account(t, role)
		pc := webtest.SignedIn(t, srv.URL, a.Email, testPassword)
		checked := map[string]bool{}
		for _, path := range paths {
			res, body := pc.Get(path)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s on %s: %d", role, path, res.StatusCode)
			}
			for _, l := range pageLink.FindAllStringSubmatch(body, -1) {
				href := l[1]
				if strings.HasPrefix(href, "/static/") || checked[href] {
					continue
				}
				checked[href] = true
				if res, _ := pc.Get(href); res.StatusCode == http.StatusForbidden {
					t.Errorf("%s: %s links %s, which answers 403", role, path, href)
				}
			}
		}
	}
}
