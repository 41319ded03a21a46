package web

import (
	"context"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/vouchers"
	"cityhub/web/webtest"
)

// A voucher of a percentage campaign reads as the share it takes, at most
// what is left of it, on its wallet card and on the vouchers page, as the
// campaign does in the list to claim. Before, both said "Valore residuo
// 15,00 €" and nothing else: a citizen expected 15 € off a purchase of
// 10 €, which gets 2 €.
func TestPercentageVoucherCardsSayThePercentage(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(true), func(env *testEnv, d *Deps) {
		d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
		d.Wallet.RegisterItems("voucher", d.Vouchers)
	})
	ctx := context.Background()
	svc := env.Deps.Vouchers
	admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	anna, _ := env.account(t, identity.RoleCitizen)
	citizen := identity.Caller{AccountID: anna.ID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	claim := func(name string, percent int) vouchers.VoucherView {
		t.Helper()
		camp, err := svc.CreateCampaign(ctx, admin, vouchers.Campaign{Name: name, BudgetCents: 10000, FaceValueCents: 1500, PercentOff: percent,
			PerCitizenLimit: 1, ValidFrom: time.Now().Add(-time.Hour), ValidUntil: time.Now().Add(time.Hour)})
		if err == nil {
			_, err = svc.SetCampaignStatus(ctx, admin, camp.ID, vouchers.StatusOpen)
		}
		if err != nil {
			t.Fatal(err)
		}
		v, err := svc.Claim(ctx, citizen, camp.ID)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	percent := claim("Saldi", 20)
	fixed := claim("Natale", 0)

	card := func(body, id string) string {
		return regexp.MustCompile(`(?s)<li class="card item item-voucher" id="(?:voucher-)?` + id + `".*?</dl>`).FindString(body)
	}
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	for lang, want := range map[string]struct{ percent, fixed string }{
		"it": {"<dt>Valore residuo</dt><dd>20% di sconto, fino a 15,00 €</dd>", "<dt>Valore residuo</dt><dd>15,00 €</dd>"},
		"en": {"<dt>Value left</dt><dd>20% off, up to €15.00</dd>", "<dt>Value left</dt><dd>€15.00</dd>"},
	} {
		pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
		chooseLanguage(t, pc, lang, "/wallet")
		for _, page := range []string{"/wallet", "/vouchers"} {
			_, body := pc.Get(page)
			body = nbsp(body)
			if c := card(body, percent.ID); !strings.Contains(c, want.percent) {
				t.Errorf("%s in %s: the percentage voucher does not show %q:\n%s", page, lang, want.percent, c)
			}
			if c := card(body, fixed.ID); !strings.Contains(c, want.fixed) {
				t.Errorf("%s in %s: the fixed voucher does not show %q:\n%s", page, lang, want.fixed, c)
			}
		}
	}
}
