package web

import (
	"net/http"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/store/storetest"
	"cityhub/vouchers"
)

// POST /api/v1/admin/shops with "active": false registers a shop not yet
// open: answered and read back inactive, not among a campaign's shops for
// citizens; without "active", or with true, the shop is active.
func TestShopCreatedInactive(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			_, env := newTestServer(t, engine, func(env *testEnv, d *Deps) {
				d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
			})
			admin := env.login(t, identity.RoleAdmin)
			citizen := env.login(t, identity.RoleCitizen)
			create := func(name, active string) vouchers.Shop {
				t.Helper()
				res := vreq(t, env, "POST", "/api/v1/admin/shops", admin, `{"name":"`+name+`","address":"Via Traiano 3","district":"centro","category":"food","iban":"IT60 X054 2811 1010 0000 0123 456"`+active+`}`)
				wantStatus(t, res, http.StatusCreated)
				var shop vouchers.Shop
				decodeInto(t, res, &shop)
				return shop
			}
			closed, open, given := create("Forno Chiuso", `,"active":false`), create("Forno Aperto", ""), create("Forno Attivo", `,"active":true`)
			if closed.Active || !open.Active || !given.Active {
				t.Fatalf("created active %v (false given), %v (absent), %v (true given)", closed.Active, open.Active, given.Active)
			}
			var read vouchers.Shop
			decodeInto(t, vreq(t, env, "GET", "/api/v1/admin/shops/"+closed.ID, admin, ""), &read)
			if read.Active {
				t.Fatalf("read back %+v; want inactive", read)
			}
			camp := voucherCampaign(t, env.Deps.Vouchers, "Natale", true)
			res := vreq(t, env, "GET", "/api/v1/campaigns/"+camp.ID+"/shops", citizen, "")
			wantStatus(t, res, http.StatusOK)
			if body := res.Body.String(); strings.Contains(body, closed.ID) || !strings.Contains(body, open.ID) {
				t.Fatalf("the campaign's shops for citizens:\n%s", body)
			}
		})
	}
}
