package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/vouchers"
	"cityhub/web/webtest"
)

// Each campaign's buttons on the administrator's voucher page name their
// campaign to a screen reader ("Sospendi: Natale in contrada"), where every
// row's read "Sospendi", "Chiudi" alike; so do each shop's links.
func TestVoucherAdminRowButtonsNameTheirRow(t *testing.T) {
	t.Parallel()
	env, svc := voucherPagesServer(t)
	ctx := context.Background()
	system := voucherAdmin
	names := map[string]string{}
	for i, name := range []string{"Natale in contrada", "Libri & primavera"} {
		names[voucherCampaign(t, svc, name, i == 0).ID] = name
	}
	shop, err := svc.CreateShop(ctx, system, vouchers.Shop{Name: "Libreria Masone", Address: "Corso Garibaldi 1", District: "centro", Category: "books", IBAN: "IT60X0542811101000000123456"})
	if err != nil {
		t.Fatal(err)
	}
	admin, _ := env.account(t, identity.RoleAdmin)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	for _, lang := range []string{"it", "en"} {
		pc := pageIn(t, srv.URL, lang)
		if res := pc.Login(admin.Email, testPassword); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("login: %d", res.StatusCode)
		}
		_, body := pc.Get("/admin/vouchers")
		rows := regexp.MustCompile(`(?s)<tr data-campaign="([^"]+)">(.*?)</tr>`).FindAllStringSubmatch(body, -1)
		if len(rows) != 2 {
			t.Fatalf("%s: %d campaign rows, want 2\n%s", lang, len(rows), body)
		}
		for _, row := range rows {
			buttons := regexp.MustCompile(`(?s)<button [^>]*data-action="[a-z]+">(.*?)</button>`).FindAllStringSubmatch(row[2], -1)
			if len(buttons) != 2 {
				t.Fatalf("%s: campaign %s has %d buttons, want 2", lang, row[1], len(buttons))
			}
			for _, b := range buttons {
				if !strings.HasSuffix(b[1], `<span class="visually-hidden">: `+strings.ReplaceAll(names[row[1]], "&", "&amp;")+`</span>`) {
					t.Errorf("%s: a button of %s does not name it: %q", lang, names[row[1]], b[1])
				}
			}
		}
		shopRow := regexp.MustCompile(`(?s)<tr data-shop="` + shop.ID + `">(.*?)</tr>`).FindStringSubmatch(body)
		if shopRow == nil || strings.Count(shopRow[1], `<span class="visually-hidden">: Libreria Masone</span></a>`) != 2 {
			t.Errorf("%s: the shop's links do not name it:\n%v", lang, shopRow)
		}
	}
}

// A campaign's button pressed on a page drawn before the campaign was
// closed (in another tab) comes back on the voucher page with why, above
// the campaigns as they are now, where it ended on an error page; the
// closed campaign offers no button, and its confirmation leads there too.
func TestVoucherAdminStaleCampaignButton(t *testing.T) {
	t.Parallel()
	env, svc := voucherPagesServer(t)
	ctx := context.Background()
	system := voucherAdmin
	camp := voucherCampaign(t, svc, "Natale in contrada", true)
	admin, _ := env.account(t, identity.RoleAdmin)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, admin.Email, testPassword)
	_, body := pc.Get("/admin/vouchers")
	tok := webtest.CSRFInForm.FindStringSubmatch(body)[1]
	if _, err := svc.SetCampaignStatus(ctx, system, camp.ID, vouchers.StatusClosed); err != nil {
		t.Fatal(err)
	}
	res, body := pc.Post("/admin/vouchers/campaigns/"+camp.ID+"/pause", url.Values{"csrf_token": {tok}})
	row := regexp.MustCompile(`(?s)<tr data-campaign="` + camp.ID + `">(.*?)</tr>`).FindStringSubmatch(body)
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, `data-testid="campaign-problem">La campagna non può passare a questo stato.`) ||
		row == nil || strings.Contains(row[1], "<button") {
		t.Fatalf("pause of a campaign closed meanwhile: %d\n%s", res.StatusCode, body)
	}
	if res, body := pc.Get("/admin/vouchers/campaigns/" + camp.ID + "/close"); res.StatusCode != http.StatusConflict || !strings.Contains(body, `data-testid="campaign-problem"`) {
		t.Fatalf("the close confirmation of a closed campaign: %d\n%s", res.StatusCode, body)
	}
}
