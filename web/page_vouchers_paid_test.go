package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/store/storetest"
	"cityhub/vouchers"
	"cityhub/web/webtest"
)

// A refused "paid" of a settlement statement comes back on the
// administrator's page, not the error page: a reference that does not read
// is marked at the statement's form with the reference as typed, and
// nothing is paid; a statement paid meanwhile under another reference
// says so at its row, with the reference typed, and keeps the first.
func TestVoucherAdminMarkPaidRefusedOnPage(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			env, offset := voucherClockServer(t, engine)
			ctx := context.Background()
			svc := env.Deps.Vouchers
			admin := identity.Caller{AccountID: "acc_city", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
			shop, err := svc.CreateShop(ctx, admin, vouchers.Shop{Name: "Forno Traiano", Address: "Via Traiano 3", District: "centro", Category: "food",
				IBAN: "IT60 X054 2811 1010 0000 0123 456"})
			if err != nil {
				t.Fatal(err)
			}
			from, until := time.Now().Add(-24*time.Hour), time.Now().Add(30*24*time.Hour)
			camp, err := svc.CreateCampaign(ctx, admin, vouchers.Campaign{Name: "Natale", BudgetCents: 10000, FaceValueCents: 1000, PerCitizenLimit: 1,
				ValidFrom: from, ValidUntil: until, Mode: vouchers.ModeSingleUse})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.SetCampaignStatus(ctx, admin, camp.ID, vouchers.StatusOpen); err != nil {
				t.Fatal(err)
			}
			v, err := svc.Claim(ctx, identity.Caller{AccountID: "acc_anna", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}, camp.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := svc.Redeem(ctx, identity.Caller{AccountID: "acc_staff", Grants: []identity.Grant{{Role: identity.RoleMerchant, Scope: shop.ID}}},
				shop.ID, "k1", vouchers.RedeemRequest{Code: v.TypedCode, PurchaseCents: 2000}); err != nil {
				t.Fatal(err)
			}
			offset.Store(int64(31 * time.Minute)) // past the time a redemption can be reversed
			st, _, err := svc.CloseSettlement(ctx, admin, "settle-1", shop.ID, nil)
			if err != nil {
				t.Fatal(err)
			}
			paidPath := "/admin/vouchers/settlements/" + st.ID + "/paid"

			acct, _ := env.account(t, identity.RoleAdmin)
			srv := httptest.NewServer(env.Server)
			defer srv.Close()
			pc := webtest.SignedIn(t, srv.URL, acct.Email, testPassword)
			_, body := pc.Get("/admin/vouchers")
			if !strings.Contains(body, `action="`+paidPath+`#settlement-`+st.ID+`"`) || !strings.Contains(body, `id="settlement-`+st.ID+`"`) {
				t.Fatalf("the statement's paid form does not lead back to its row:\n%s", body)
			}
			tok := pc.CSRF("/admin/vouchers")
			stored := func() vouchers.Settlement {
				t.Helper()
				page, err := svc.StatementPage(ctx, admin, shop.ID, vouchers.PageQuery{Limit: vouchers.MaxPage})
				sts := page.Items
				if err != nil || len(sts) != 1 {
					t.Fatalf("statements %+v %v", sts, err)
				}
				return sts[0]
			}

			// A reference copied with a tab in it (from a spreadsheet) is
			// refused at the form, the reference kept as typed.
			res, body := pc.Post(paidPath, url.Values{"csrf_token": {tok}, "payment_ref": {"SEPA\t42"}})
			input := regexp.MustCompile(`<input class="form-control is-invalid" type="text" id="ref-` + st.ID + `" name="payment_ref" value="SEPA\t42"[^>]*aria-invalid="true" aria-describedby="ref-` + st.ID + `-error">`)
			msg := regexp.MustCompile(`id="ref-` + st.ID + `-error" role="alert" data-field-error="payment_ref">([^<]*)<`).FindStringSubmatch(body)
			if res.StatusCode != http.StatusBadRequest || !input.MatchString(body) || msg == nil || !strings.Contains(msg[1], "senza tabulazioni") ||
				!strings.Contains(body, `<label class="form-label" for="ref-`+st.ID+`">`) {
				t.Fatalf("a reference with a tab: %d\n%s", res.StatusCode, body)
			}
			if got := stored(); got.Status == vouchers.SettlementPaid {
				t.Fatalf("a refused reference paid the statement: %+v", got)
			}
			// Corrected, it pays.
			if res, _ := pc.Post(paidPath, url.Values{"csrf_token": {tok}, "payment_ref": {"SEPA 42"}}); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("mark paid: %d", res.StatusCode)
			}
			// Another administrator's page, still open, pays it under
			// another reference: the page says it was paid, at its row,
			// and shows what was typed beside the reference stored.
			res, body = pc.Post(paidPath, url.Values{"csrf_token": {tok}, "payment_ref": {"SEPA 43"}})
			row := regexp.MustCompile(`(?s)<tr data-settlement="` + st.ID + `".*?</tr>`).FindString(body)
			if res.StatusCode != http.StatusConflict || !strings.Contains(row, "pagato (SEPA 42)") ||
				!regexp.MustCompile(`id="ref-`+st.ID+`-error" role="alert" data-field-error="payment_ref">Questo lotto è già stato pagato\. Il riferimento che hai scritto: SEPA 43\.<`).MatchString(row) {
				t.Fatalf("paid again under another reference: %d\n%s", res.StatusCode, body)
			}
			if got := stored(); got.PaymentRef != "SEPA 42" {
				t.Fatalf("the second reference replaced the first: %+v", got)
			}
			// A statement nobody made is the error page, as before.
			if res, _ := pc.Post("/admin/vouchers/settlements/stl_nosuch/paid", url.Values{"csrf_token": {tok}, "payment_ref": {"SEPA 44"}}); res.StatusCode != http.StatusNotFound {
				t.Fatalf("paid of no statement: %d", res.StatusCode)
			}
		})
	}
}
