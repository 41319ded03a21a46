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
	"cityhub/vouchers"
	"cityhub/web/webtest"
)

// The settle confirmation settles what it showed: the shop's IBAN changed
// between the page and the press closes nothing, and the page comes back
// (409) saying so, in Italian and in English, with the new IBAN to
// confirm under a key of its own; confirmed again, the statement names
// the new IBAN.
func TestVoucherSettleConfirmsWhatItShowed(t *testing.T) {
	t.Parallel()
	env, offset := voucherClockServer(t, "sqlite")
	ctx := context.Background()
	svc := env.Deps.Vouchers
	shop, err := svc.CreateShop(ctx, voucherAdmin, vouchers.Shop{Name: "Forno Traiano", Address: "Via Traiano 3", District: "centro", Category: "food",
		IBAN: "IT66 X054 2803 2000 0000 0001 000"})
	if err != nil {
		t.Fatal(err)
	}
	camp, err := svc.CreateCampaign(ctx, voucherAdmin, vouchers.Campaign{Name: "Natale", BudgetCents: 10000, FaceValueCents: 1000, PerCitizenLimit: 1,
		ValidFrom: time.Now().Add(-24 * time.Hour), ValidUntil: time.Now().Add(30 * 24 * time.Hour), Mode: vouchers.ModeSingleUse})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetCampaignStatus(ctx, voucherAdmin, camp.ID, vouchers.StatusOpen); err != nil {
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

	acct, _ := env.account(t, identity.RoleAdmin)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	it := webtest.SignedIn(t, srv.URL, acct.Email, testPassword)
	en := webtest.SignedIn(t, srv.URL, acct.Email, testPassword)
	chooseLanguage(t, en, "en", "/admin/vouchers")
	// The switch saves the account's language too: the Italian browser
	// chooses Italian, its cookie then deciding its pages.
	chooseLanguage(t, it, "it", "/admin/vouchers")
	settlePath := "/admin/vouchers/shops/" + shop.ID + "/settle"
	hidden := func(body string) url.Values {
		t.Helper()
		form := url.Values{}
		for _, m := range regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`).FindAllStringSubmatch(body, -1) {
			form.Set(m[1], m[2])
		}
		if form.Get("key") == "" || form.Get("period_end") == "" {
			t.Fatalf("the confirmation has no form:\n%s", body)
		}
		return form
	}
	statements := func() []vouchers.Settlement {
		t.Helper()
		page, err := svc.StatementPage(ctx, voucherAdmin, shop.ID, vouchers.PageQuery{Limit: vouchers.MaxPage})
		if err != nil {
			t.Fatal(err)
		}
		return page.Items
	}
	const oldIBAN, newIBAN = "IT66X0542803200000000001000", "IT07X0542811101000000654321"

	for _, c := range []struct {
		pc     *webtest.PageClient
		notice string
	}{
		{it, "I dati del periodo sono cambiati da quando la pagina è stata mostrata"},
		{en, "The period&#39;s figures changed since the page was shown"},
	} {
		shop.IBAN = oldIBAN
		if _, err := svc.UpdateShop(ctx, voucherAdmin, shop); err != nil {
			t.Fatal(err)
		}
		_, body := c.pc.Get(settlePath)
		if !strings.Contains(body, "<dd>"+oldIBAN+"</dd>") {
			t.Fatalf("the confirmation does not show the IBAN:\n%s", body)
		}
		form := hidden(body)
		shop.IBAN = newIBAN
		if _, err := svc.UpdateShop(ctx, voucherAdmin, shop); err != nil {
			t.Fatal(err)
		}
		res, body := c.pc.Post(settlePath, form)
		notice := regexp.MustCompile(`data-testid="confirm-notice">([^<]*)<`).FindStringSubmatch(body)
		if res.StatusCode != http.StatusConflict || notice == nil || !strings.Contains(notice[1], c.notice) ||
			!strings.Contains(body, "<dd>"+newIBAN+"</dd>") || strings.Contains(body, oldIBAN) {
			t.Fatalf("confirmed under the old IBAN: %d, want 409, the notice %q and the new IBAN\n%s", res.StatusCode, c.notice, body)
		}
		if sts := statements(); len(sts) != 0 {
			t.Fatalf("a close confirmed under the old IBAN settled %+v", sts)
		}
		again := hidden(body)
		if again.Get("key") == form.Get("key") || again.Get("iban") != newIBAN {
			t.Fatalf("the page shown again carries %v; want a fresh key and the new IBAN", again)
		}
	}

	// The page shown again, confirmed, settles what it shows.
	_, body := it.Get(settlePath)
	if res, _ := it.Post(settlePath, hidden(body)); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("settle: %d", res.StatusCode)
	}
	if sts := statements(); len(sts) != 1 || sts[0].Count != 1 || sts[0].TotalCents != 1000 {
		t.Fatalf("statements %+v", sts)
	} else if st, err := svc.Statement(ctx, voucherAdmin, sts[0].ID); err != nil || st.Shop.IBAN != newIBAN {
		t.Fatalf("the statement names %q, %v; want %s", st.Shop.IBAN, err, newIBAN)
	}
}
