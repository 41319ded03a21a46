package web

import (
	"context"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/vouchers"
	"cityhub/web/webtest"
)

// A validity the administrator ended on a day ("valid until 31 January,
// inclusive") is kept as the midnight that starts the next day; the pages
// write the last valid day, as it was entered, where they wrote "Expires
// 1 February 2027, 00:00". An end at another time keeps its time.
func TestVoucherValidityReadsAsTheLastDay(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(true), func(env *testEnv, d *Deps) {
		d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
		d.Wallet.RegisterItems("voucher", d.Vouchers) // as the hub does
	})
	ctx := context.Background()
	svc := env.Deps.Vouchers
	admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	if _, err := svc.CreateShop(ctx, admin, vouchers.Shop{Name: "Libreria", Address: "Corso Garibaldi 1", District: "centro", Category: "books",
		IBAN: "IT60X0542811101000000123456"}); err != nil {
		t.Fatal(err)
	}
	year := time.Now().Year() + 1
	lastDay, err := svc.ParseDay(strconv.Itoa(year)+"-01-31", true)
	if err != nil {
		t.Fatal(err)
	}
	evening, err := svc.ParseDay(strconv.Itoa(year)+"-03-07T18:30:00+01:00", false)
	if err != nil {
		t.Fatal(err)
	}
	anna, _ := env.account(t, identity.RoleCitizen)
	citizen := identity.Caller{AccountID: anna.ID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	for _, c := range []struct {
		name  string
		until time.Time
	}{{"Inverno", lastDay}, {"Primavera", evening}} {
		camp, err := svc.CreateCampaign(ctx, admin, vouchers.Campaign{Name: c.name, BudgetCents: 10000, FaceValueCents: 1000, PerCitizenLimit: 2,
			ValidFrom: time.Now().Add(-time.Hour), ValidUntil: c.until})
		if err == nil {
			_, err = svc.SetCampaignStatus(ctx, admin, camp.ID, vouchers.StatusOpen)
		}
		if err == nil {
			_, err = svc.Claim(ctx, citizen, camp.ID)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	y, iso := " "+strconv.Itoa(year), strconv.Itoa(year)+"-01-31"
	// The evening's end as the page writes it: in the city's zone, an hour
	// ahead of UTC in March, its "+" escaped as html/template does.
	eveningISO := strings.ReplaceAll(evening.In(time.FixedZone("", 3600)).Format(time.RFC3339), "+", "&#43;")
	for lang, words := range map[string]struct{ day, evening, wrong string }{
		"it": {"<dt>Valido fino al giorno</dt><dd><time datetime=\"" + iso + "\">31 gennaio" + y + "</time></dd>",
			"<dt>Valido fino al giorno</dt><dd><time datetime=\"" + eveningISO + "\">7 marzo" + y + ", 18:30</time></dd>",
			"1º febbraio"},
		"en": {"<dt>Valid until</dt><dd><time datetime=\"" + iso + "\">31 January" + y + "</time></dd>",
			"<dt>Valid until</dt><dd><time datetime=\"" + eveningISO + "\">7 March" + y + ", 18:30</time></dd>",
			"1 February"},
	} {
		pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
		chooseLanguage(t, pc, lang, "/vouchers")
		for page, n := range map[string]int{"/vouchers": 2, "/wallet": 1} {
			_, body := pc.Get(page)
			if got := strings.Count(body, words.day); got != n {
				t.Errorf("%s in %s: %d times %q, want %d:\n%s", page, lang, got, words.day, n, body)
			}
			if got := strings.Count(body, words.evening); got != n {
				t.Errorf("%s in %s: %d times %q, want %d:\n%s", page, lang, got, words.evening, n, body)
			}
			if strings.Contains(body, words.wrong) {
				t.Errorf("%s in %s names the day after the last: %q", page, lang, words.wrong)
			}
		}
	}
}
