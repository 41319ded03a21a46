package web

import (
	"context"
	"regexp"
	"testing"

	"cityhub/identity"
	"cityhub/web/webtest"
)

// The programme offers to choose seats only where some are free: a
// performance whose seats are all sold says "Esaurito" ("Sold out") and
// links to its hall to see them; one whose last seats are held says none
// is free now. Each said "Scegli i posti".
func TestProgrammeSaysSoldOut(t *testing.T) {
	t.Parallel()
	env, srv, p := cardOffTheatre(t)
	ctx := context.Background()
	anna, _ := env.account(t, identity.RoleCitizen)
	buyer := identity.Caller{AccountID: anna.ID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	if _, err := env.Deps.Wallet.TestTopUp(ctx, anna.ID, 10000, "anna-topup-soldout"); err != nil {
		t.Fatal(err)
	}
	svc := env.Deps.Ticketing
	o, err := svc.Hold(ctx, buyer, p.ID, []string{"Platea/A/1", "Platea/A/2"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PayWithWallet(ctx, buyer, o.ID); err != nil {
		t.Fatal(err)
	}
	visitor := webtest.NewPageClient(t, srv.URL)
	card := regexp.MustCompile(`(?s)data-performance="` + p.ID + `".*?</li>`)
	for _, tc := range []struct{ lang, choose string }{{"it", "Scegli i posti"}, {"en", "Choose seats"}} {
		chooseLanguage(t, visitor, tc.lang, "/aiuto")
		_, body := visitor.Get("/theatre")
		if got := readableText(card.FindString(body)); !regexp.MustCompile(regexp.QuoteMeta(tc.choose)).MatchString(got) {
			t.Errorf("%s: one seat free: %q", tc.lang, got)
		}
	}
	// The last seat held by someone else: none free now.
	bruno := identity.Caller{AccountID: "acc_bruno", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	held, err := svc.Hold(ctx, bruno, p.ID, []string{"Platea/A/3"})
	if err != nil {
		t.Fatal(err)
	}
	check := func(want func(lang string) (say, notSay string)) {
		t.Helper()
		for _, lang := range []string{"it", "en"} {
			chooseLanguage(t, visitor, lang, "/aiuto")
			_, body := visitor.Get("/theatre")
			got := readableText(card.FindString(body))
			say, notSay := want(lang)
			if !regexp.MustCompile(regexp.QuoteMeta(say)).MatchString(got) || regexp.MustCompile(regexp.QuoteMeta(notSay)).MatchString(got) ||
				!regexp.MustCompile(`href="/theatre/performances/`+p.ID+`"`).MatchString(card.FindString(body)) {
				t.Errorf("%s: the programme's card says %q, want %q and not %q", lang, got, say, notSay)
			}
		}
	}
	check(func(lang string) (string, string) {
		if lang == "it" {
			return "Nessun posto libero ora", "Scegli i posti"
		}
		return "No seats free right now", "Choose seats"
	})
	// Bruno pays: every seat sold.
	if _, err := env.Deps.Wallet.TestTopUp(ctx, bruno.AccountID, 5000, "bruno-topup-soldout"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PayWithWallet(ctx, bruno, held.ID); err != nil {
		t.Fatal(err)
	}
	check(func(lang string) (string, string) {
		if lang == "it" {
			return "Esaurito", "Scegli i posti"
		}
		return "Sold out", "Choose seats"
	})
}
