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
	"cityhub/mail"
	"cityhub/store/storetest"
	"cityhub/ticketing"
	"cityhub/vouchers"
	"cityhub/web/webtest"
)

// The pages say an e-mail comes only when one does: the voucher claim's
// notice in the wallet, the seat picker's hint and the paid order's line
// promise an e-mail when the domain enqueued one for this citizen and an
// SMTP server sends it; with the mail off, or for an account without an
// address (a SPID/CIE login that gave none), they say where the details
// are instead. The outbox is checked alongside, so the promise and the
// enqueued message agree.
func TestPagesPromiseEmailsOnlyWhenSent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		emailsSent bool
		noAddress  bool
		promised   bool
		enqueued   bool
	}{
		{name: "smtp and an address", emailsSent: true, promised: true, enqueued: true},
		// Without SMTP the messages wait in the outbox for administrators:
		// enqueued, but not on their way to the citizen.
		{name: "no smtp", enqueued: true},
		{name: "no address", emailsSent: true, noAddress: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pc, env, email, campID, perfID := mailPromiseHub(t, tc.emailsSent, tc.noAddress)

			// The voucher claim and the wallet's notice after it.
			tok := pc.CSRF("/vouchers")
			_, body := pc.Get("/vouchers")
			reqID := regexp.MustCompile(`name="request_id" value="([^"]+)"`).FindStringSubmatch(body)
			if reqID == nil {
				t.Fatalf("no claim form:\n%s", body)
			}
			res, _ := pc.Post("/vouchers/claim", url.Values{"csrf_token": {tok}, "campaign_id": {campID}, "request_id": {reqID[1]}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("claim: %d", res.StatusCode)
			}
			_, body = pc.Get(res.Header.Get("Location"))
			notice := regexp.MustCompile(`data-testid="done">([^<]*)<`).FindStringSubmatch(body)
			if notice == nil {
				t.Fatalf("no notice after the claim:\n%s", body)
			}
			if got := strings.Contains(notice[1], "e-mail"); got != tc.promised || !strings.HasPrefix(notice[1], "Buono ottenuto") {
				t.Fatalf("notice %q, promising an e-mail %v", notice[1], tc.promised)
			}
			if !tc.promised && !strings.Contains(notice[1], "pagina Buoni") {
				t.Fatalf("notice %q does not say where the details are", notice[1])
			}
			if n := len(env.mailTo(t, email, mail.KindVoucherClaimed)); (n == 1) != tc.enqueued {
				t.Fatalf("%d voucher e-mails enqueued, want enqueued %v", n, tc.enqueued)
			}

			// The seat picker's hint, before buying.
			_, body = pc.Get("/theatre/performances/" + perfID)
			hint := regexp.MustCompile(`data-testid="hold-hint">([^<]*)<`).FindStringSubmatch(body)
			if hint == nil || strings.Contains(hint[1], "e-mail") != tc.promised || !strings.Contains(hint[1], "portafoglio") {
				t.Fatalf("seat picker hint %q, promising an e-mail %v", hint, tc.promised)
			}
			csrf := webtest.CSRFInForm.FindStringSubmatch(body)[1]
			res, _ = pc.Post("/theatre/performances/"+perfID+"/buy", url.Values{"csrf_token": {csrf}, "seat": {"Platea/A/1"}})
			if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/theatre/orders/") {
				t.Fatalf("buy: %d to %s", res.StatusCode, res.Header.Get("Location"))
			}

			// The paid order's line under its number.
			_, body = pc.Get(res.Header.Get("Location"))
			line := regexp.MustCompile(`data-testid="order-receipt">([^<]*)<`).FindStringSubmatch(body)
			if !strings.Contains(body, `data-testid="order-paid"`) || line == nil || strings.Contains(line[1], "e-mail") != tc.promised {
				t.Fatalf("order page line %q, promising an e-mail %v:\n%s", line, tc.promised, body)
			}
			if n := len(env.mailTo(t, email, mail.KindTicketsPurchased)); (n == 1) != tc.enqueued {
				t.Fatalf("%d ticket receipts enqueued, want enqueued %v", n, tc.enqueued)
			}

			orderPath := res.Header.Get("Location")

			// The same in English.
			if res, _ := pc.Post("/language", url.Values{"csrf_token": {pc.CSRF("/wallet")}, "lang": {"en"}, "next": {"/wallet"}}); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("language: %d", res.StatusCode)
			}
			_, body = pc.Get("/wallet?done=voucher_claimed")
			notice = regexp.MustCompile(`data-testid="done">([^<]*)<`).FindStringSubmatch(body)
			if notice == nil || strings.Contains(notice[1], "e-mail") != tc.promised || !strings.HasPrefix(notice[1], "Voucher claimed") {
				t.Fatalf("English notice %q, promising an e-mail %v", notice, tc.promised)
			}
			_, body = pc.Get(orderPath)
			line = regexp.MustCompile(`data-testid="order-receipt">([^<]*)<`).FindStringSubmatch(body)
			if line == nil || strings.Contains(line[1], "e-mail") != tc.promised {
				t.Fatalf("English order line %q, promising an e-mail %v", line, tc.promised)
			}
		})
	}
}

// mailPromiseHub is a hub with vouchers and ticketing writing their
// e-mails, SMTP on or off (emailsSent), an open campaign, a performance on
// sale and a citizen with credit, logged in on the returned client. With
// noAddress the citizen's address is the placeholder a SPID/CIE account
// without an e-mail gets.
func mailPromiseHub(t *testing.T, emailsSent, noAddress bool) (pc *webtest.PageClient, env *testEnv, email, campID, perfID string) {
	t.Helper()
	composer, err := mail.NewComposer(testIssuer)
	if err != nil {
		t.Fatal(err)
	}
	_, env = newTestServer(t, "sqlite", withWallet(true), withTicketing, func(env *testEnv, d *Deps) {
		d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
		d.Vouchers.SendEmails(composer)
		d.Ticketing.SendEmails(composer)
		d.EmailsSent = emailsSent
	})
	ctx := context.Background()
	admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	camp, err := env.Deps.Vouchers.CreateCampaign(ctx, admin, vouchers.Campaign{Name: "Natale in contrada", BudgetCents: 10000, FaceValueCents: 1000,
		PerCitizenLimit: 1, ValidFrom: time.Now().Add(-time.Hour), ValidUntil: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Deps.Vouchers.SetCampaignStatus(ctx, admin, camp.ID, vouchers.StatusOpen); err != nil {
		t.Fatal(err)
	}
	tk := env.Deps.Ticketing
	v, err := tk.CreateVenue(ctx, admin, ticketing.Venue{Name: "Teatro Comunale", Address: "Corso Garibaldi 1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tk.SetSeatMap(ctx, admin, v.ID, ticketing.SeatMap{Sections: []ticketing.Section{{Name: "Platea", Rows: []ticketing.SeatRow{
		{Name: "A", From: 1, To: 2, Category: "stalls"}}}}}); err != nil {
		t.Fatal(err)
	}
	p, err := tk.CreatePerformance(ctx, admin, ticketing.Performance{VenueID: v.ID, Title: "La locandiera",
		StartsAt: time.Now().Add(48 * time.Hour), Prices: map[string]int64{"stalls": 1800}})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := env.account(t, identity.RoleCitizen)
	if _, err := env.Deps.Wallet.TestTopUp(ctx, a.ID, 5000, "topup-"+a.ID); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(env.Server)
	t.Cleanup(srv.Close)
	pc = webtest.NewPageClient(t, srv.URL)
	if res := pc.Login(a.Email, testPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	if noAddress {
		// The address a SPID/CIE login without an e-mail claim gets
		// (identity.ExternalAccount), given once signed in with a
		// password: no one signs up or logs in with it.
		a.Email = a.ID + identity.PlaceholderEmailDomain
		if err := storetest.Exec(t, env.DB, "UPDATE accounts SET email = '"+a.Email+"', email_norm = '"+a.Email+"' WHERE id = '"+a.ID+"'"); err != nil {
			t.Fatal(err)
		}
	}
	return pc, env, a.Email, camp.ID, p.ID
}
