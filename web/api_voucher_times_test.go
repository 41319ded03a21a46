package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/store/storetest"
	"cityhub/vouchers"
)

// The times the voucher answers give are the ones the lists read back for
// the same records: a claim's claimed_at, a redemption's at and its
// reversal's reversed_at, first answered and replayed, against GET
// /api/v1/vouchers and the shop's redemptions of today. The clock reads
// nanoseconds, which the stores do not keep: an answer that gave them named
// a time that no later read gives.
func TestVoucherAnswersGiveTheStoredTimes(t *testing.T) {
	t.Parallel()
	at := time.Date(2027, 3, 4, 10, 11, 12, 866379657, time.UTC)
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			_, env := newTestServer(t, engine, func(env *testEnv, d *Deps) {
				d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
				d.Vouchers.SetClock(func() time.Time { return at })
			})
			admin := env.login(t, identity.RoleAdmin)
			res := vreq(t, env, "POST", "/api/v1/admin/shops", admin, `{"name":"Forno San Lorenzo","address":"Via Traiano 3","district":"centro","category":"food","iban":"IT60 X054 2811 1010 0000 0123 456"}`)
			wantStatus(t, res, http.StatusCreated)
			var shop struct {
				ID      string `json:"id"`
				Created string `json:"created_at"`
			}
			decodeInto(t, res, &shop)
			res = vreq(t, env, "GET", "/api/v1/admin/shops/"+shop.ID, admin, "")
			var shopRead struct {
				Created string `json:"created_at"`
			}
			if decodeInto(t, res, &shopRead); shopRead.Created != shop.Created {
				t.Errorf("shop created_at: answered %s, read back %s", shop.Created, shopRead.Created)
			}
			res = vreq(t, env, "POST", "/api/v1/admin/campaigns", admin, validCampaign)
			wantStatus(t, res, http.StatusCreated)
			var camp vouchers.Campaign
			decodeInto(t, res, &camp)
			wantStatus(t, vreq(t, env, "POST", "/api/v1/admin/campaigns/"+camp.ID+"/open", admin, ""), http.StatusOK)

			citizen := env.login(t, identity.RoleCitizen)
			res = vreq(t, env, "POST", "/api/v1/campaigns/"+camp.ID+"/claim", citizen, "", "Idempotency-Key: c1")
			wantStatus(t, res, http.StatusCreated)
			var claimed struct {
				ID        string `json:"id"`
				Code      string `json:"code"`
				ClaimedAt string `json:"claimed_at"`
			}
			decodeInto(t, res, &claimed)
			res = vreq(t, env, "POST", "/api/v1/campaigns/"+camp.ID+"/claim", citizen, "", "Idempotency-Key: c1")
			if wantStatus(t, res, http.StatusCreated); res.Header().Get("Idempotent-Replayed") != "true" {
				t.Fatalf("the claim sent again was not replayed: %v", res.Header())
			}
			var replayed struct {
				ClaimedAt string `json:"claimed_at"`
			}
			decodeInto(t, res, &replayed)
			res = vreq(t, env, "GET", "/api/v1/vouchers", citizen, "")
			var mine struct {
				Vouchers []struct {
					ID        string `json:"id"`
					ClaimedAt string `json:"claimed_at"`
				} `json:"vouchers"`
			}
			if decodeInto(t, res, &mine); len(mine.Vouchers) != 1 || mine.Vouchers[0].ID != claimed.ID {
				t.Fatalf("vouchers: %s", res.Body.String())
			}
			for name, got := range map[string]string{"claim": claimed.ClaimedAt, "claim replayed": replayed.ClaimedAt} {
				if got != mine.Vouchers[0].ClaimedAt {
					t.Errorf("%s: claimed_at %s, GET /api/v1/vouchers reads %s", name, got, mine.Vouchers[0].ClaimedAt)
				}
			}

			staff := env.login(t, identity.RoleMerchant, shop.ID)
			body := `{"code":"` + claimed.Code + `","purchase_cents":2350}`
			type redemption struct {
				ID              string `json:"id"`
				At              string `json:"at"`
				ReversedAt      string `json:"reversed_at"`
				ReversibleUntil string `json:"reversible_until"`
			}
			answers := map[string]redemption{}
			for _, name := range []string{"redeem", "redeem replayed"} {
				res = vreq(t, env, "POST", "/api/v1/merchant/vouchers/redeem", staff, body, "Idempotency-Key: r1")
				wantStatus(t, res, http.StatusCreated)
				var r redemption
				decodeInto(t, res, &r)
				answers[name] = r
			}
			// Until when it may be reversed: its at and the window, in the
			// same form, where it was cut to the second.
			for _, name := range []string{"redeem", "redeem replayed"} {
				r := answers[name]
				redeemed, err1 := time.Parse(time.RFC3339Nano, r.At)
				until, err2 := time.Parse(time.RFC3339Nano, r.ReversibleUntil)
				if err1 != nil || err2 != nil || until.Sub(redeemed) != vouchers.ReversalWindow || !strings.HasSuffix(r.ReversibleUntil, "Z") ||
					r.ReversibleUntil != redeemed.Add(vouchers.ReversalWindow).Format(time.RFC3339Nano) {
					t.Errorf("%s: at %s, reversible_until %s (%v, %v)", name, r.At, r.ReversibleUntil, err1, err2)
				}
			}
			for _, name := range []string{"reverse", "reverse replayed"} {
				res = vreq(t, env, "POST", "/api/v1/merchant/redemptions/"+answers["redeem"].ID+"/reverse", staff, "", "Idempotency-Key: v1")
				wantStatus(t, res, http.StatusOK)
				var r redemption
				decodeInto(t, res, &r)
				answers[name] = r
			}
			res = vreq(t, env, "GET", "/api/v1/merchant/redemptions/today", staff, "")
			var day struct {
				Redemptions []redemption `json:"redemptions"`
			}
			if err := json.Unmarshal(res.Body.Bytes(), &day); err != nil || len(day.Redemptions) != 1 {
				t.Fatalf("today: %v %s", err, res.Body.String())
			}
			read := day.Redemptions[0]
			for name, a := range answers {
				if a.At != read.At {
					t.Errorf("%s: at %s, today's list reads %s", name, a.At, read.At)
				}
				if a.ReversedAt != "" && a.ReversedAt != read.ReversedAt {
					t.Errorf("%s: reversed_at %s, today's list reads %s", name, a.ReversedAt, read.ReversedAt)
				}
			}
			if answers["reverse"].ReversedAt == "" {
				t.Fatalf("the reversal answered no reversed_at: %+v", answers["reverse"])
			}
		})
	}
}
