package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

// withCardPayments plugs in the card payments service, which erases
// accounts after settling their credit.
// A configuration that already has one (withStripe) keeps it.
func withCardPayments(env *testEnv, d *Deps) {
	if d.CardPayments == nil {
		d.CardPayments = cardpay.NewService(env.DB.CardPayments(), d.Ticketing, nil)
	}
}

func init() { authzConfigure = append(authzConfigure, withCardPayments) }

// cardTopUp credits accountID with a card top-up of cents, recorded as
// the hub records one and credited by Stripe's report of its success, as
// the webhook applies it (without the webhook's HTTP and signature).
func cardTopUp(t *testing.T, env *testEnv, accountID string, cents int64, intent string) {
	t.Helper()
	ctx := context.Background()
	cp := env.Deps.CardPayments
	if cp == nil {
		cp = cardpay.NewService(env.DB.CardPayments(), env.Deps.Ticketing, nil)
	}
	if err := cp.Record(ctx, cardpay.Payment{ID: intent, Purpose: cardpay.PurposeTopUp, AccountID: accountID, AmountCents: cents}); err != nil {
		t.Fatal(err)
	}
	if out, err := cp.Handle(ctx, cardpay.Event{ID: "evt_" + intent, Type: cardpay.EventPaymentSucceeded,
		PaymentIntentID: intent, Amount: cents, Currency: "eur"}); err != nil || !out.Handled || out.Replayed {
		t.Fatalf("top-up %s: %+v, %v", intent, out, err)
	}
}

// riding gives accountID a ride under way, with the id given, written
// behind the services' backs (no station is needed to refuse an erasure);
// ending it is the test's.
func riding(t *testing.T, env *testEnv, accountID, id string) {
	t.Helper()
	at := "now()"
	if env.Engine == "sqlite" {
		at = fmt.Sprint(time.Now().UnixMicro())
	}
	storetest.Behind(t, env.DB, `INSERT INTO mobility_rides (id, command_id, rider_id, bike_id, start_station, start_dock, status, pricing_plan_id, plan, deadline, created_at, started_at)
		VALUES ('`+id+`', 'cmd_`+id+`', '`+accountID+`', 'bike_1', 'st_1', 1, 'active', 'plan', '{}', `+at+`, `+at+`, `+at+`)`)
}

// DELETE /api/v1/me with credit left asks where it goes: without credit=
// (or with a value that is neither cards nor city, or with credit= given
// twice, which used to erase the account the first one's way) 400
// credit_choice and nothing changes; with credit=cards the top-up's refund is owed to its
// card and the account is erased with no credit left on it.
func TestDeleteMeWithCredit(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withWallet(false), withCardPayments)
			ctx := t.Context()
			acct, bearer := env.account(t, identity.RoleCitizen)
			cardTopUp(t, env, acct.ID, 1250, "pi_erase_"+acct.ID)
			credit := func() int64 {
				a, err := env.Deps.Wallet.Account(ctx, wallet.CitizenAccount(acct.ID))
				if err != nil {
					t.Fatal(err)
				}
				return a.Balance
			}

			for _, path := range []string{"/api/v1/me", "/api/v1/me?credit=", "/api/v1/me?credit=refund_to_cards", "/api/v1/me?credit=bank",
				"/api/v1/me?credit=cards&credit=city", "/api/v1/me?credit=city&credit=cards", "/api/v1/me?credit=city&credit=city"} {
				p := wantProblem(t, env.do(t, "DELETE", path, bearer, ""), http.StatusBadRequest)
				if p.Reason != "credit_choice" {
					t.Fatalf("DELETE %s: reason %q, want credit_choice", path, p.Reason)
				}
				if path == "/api/v1/me" && !strings.Contains(p.Detail, "12.50 EUR") {
					t.Errorf("the problem does not say how much is left: %q", p.Detail)
				}
			}
			if res := env.do(t, "GET", "/api/v1/me", bearer, ""); res.Code != http.StatusOK || credit() != 1250 {
				t.Fatalf("after refused erasures: GET /me %d, credit %d", res.Code, credit())
			}

			// During a ride (its fare is charged when the bike docks): 409
			// ride_in_progress, and nothing changes.
			riding(t, env, acct.ID, "ride_erase")
			if p := wantProblem(t, env.do(t, "DELETE", "/api/v1/me?credit=cards", bearer, ""), http.StatusConflict); p.Reason != "ride_in_progress" {
				t.Fatalf("erase during a ride: reason %q", p.Reason)
			}
			if res := env.do(t, "GET", "/api/v1/me", bearer, ""); res.Code != http.StatusOK || credit() != 1250 {
				t.Fatalf("after the erasure refused during a ride: GET /me %d, credit %d", res.Code, credit())
			}
			storetest.Behind(t, env.DB, `UPDATE mobility_rides SET status = 'ended', ended_at = started_at WHERE id = 'ride_erase'`)

			if res := env.do(t, "DELETE", "/api/v1/me?credit=cards", bearer, ""); res.Code != http.StatusNoContent {
				t.Fatalf("erase with credit=cards: %d %s", res.Code, res.Body.String())
			}
			wantProblem(t, env.do(t, "GET", "/api/v1/me", bearer, ""), http.StatusUnauthorized)
			if c := credit(); c != 0 {
				t.Fatalf("credit left on the erased account: %d", c)
			}
			var refunds []cardpay.TopUpRefund
			if err := env.DB.CardPayments().View(ctx, func(tx cardpay.Tx) error {
				var err error
				refunds, err = tx.TopUpRefundsOf(ctx, acct.ID)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if len(refunds) != 1 || refunds[0].AmountCents != 1250 || refunds[0].PaymentIntentID != "pi_erase_"+acct.ID {
				t.Fatalf("refunds owed %+v, want 12,50 to pi_erase_%s", refunds, acct.ID)
			}
			if chk := ledgerCheck(t, env); !chk.OK() {
				t.Fatalf("ledger %+v", chk)
			}
		})
	}
}

// DELETE /api/v1/me with credit no card can take back (a test top-up,
// not a card's) says so: the 400 credit_choice without a choice offers the
// city alone, as the privacy page does, and ?credit=cards is refused
// likewise (it sent all of it to the city, while the answer had offered
// the card); nothing changes until the city is chosen. With part of the
// credit refundable, the answer says how much goes back and how much to
// the city.
func TestDeleteMeSaysWhereTheCreditCanGo(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withWallet(true), withCardPayments)
			ctx := t.Context()
			acct, bearer := env.account(t, identity.RoleCitizen)
			wantStatus(t, walletSend(t, env, "POST", "/api/v1/wallet/topups", bearer, `{"amount_cents":5260}`, map[string]string{"Idempotency-Key": "erase-test-topup"}), http.StatusCreated)
			credit := func(id string) int64 {
				a, err := env.Deps.Wallet.Account(ctx, wallet.CitizenAccount(id))
				if err != nil {
					t.Fatal(err)
				}
				return a.Balance
			}
			for _, path := range []string{"/api/v1/me", "/api/v1/me?credit=cards"} {
				p := wantProblem(t, env.do(t, "DELETE", path, bearer, ""), http.StatusBadRequest)
				if p.Reason != "credit_choice" || !strings.Contains(p.Detail, "52.60 EUR of credit left, and none of it can go back to a card") ||
					!strings.Contains(p.Detail, "it can only go to the city") || strings.Contains(p.Detail, "choose whether") {
					t.Errorf("DELETE %s: %s %q", path, p.Reason, p.Detail)
				}
			}
			if res := env.do(t, "GET", "/api/v1/me", bearer, ""); res.Code != http.StatusOK || credit(acct.ID) != 5260 {
				t.Fatalf("after refused erasures: GET /me %d, credit %d", res.Code, credit(acct.ID))
			}

			// Part of it from a card: how much goes back, how much not.
			mixed, mixedBearer := env.account(t, identity.RoleCitizen)
			wantStatus(t, walletSend(t, env, "POST", "/api/v1/wallet/topups", mixedBearer, `{"amount_cents":500}`, map[string]string{"Idempotency-Key": "erase-test-mixed"}), http.StatusCreated)
			cardTopUp(t, env, mixed.ID, 1250, "pi_erase_mixed_"+mixed.ID)
			p := wantProblem(t, env.do(t, "DELETE", "/api/v1/me", mixedBearer, ""), http.StatusBadRequest)
			if !strings.Contains(p.Detail, "17.50 EUR of credit left: choose whether 12.50 EUR of it goes back to your cards") || !strings.Contains(p.Detail, "the other 5.00 EUR cannot") {
				t.Errorf("DELETE with part refundable: %q", p.Detail)
			}

			if res := env.do(t, "DELETE", "/api/v1/me?credit=city", bearer, ""); res.Code != http.StatusNoContent {
				t.Fatalf("erase with credit=city: %d %s", res.Code, res.Body.String())
			}
			if c := credit(acct.ID); c != 0 {
				t.Fatalf("credit left on the erased account: %d", c)
			}
			if chk := ledgerCheck(t, env); !chk.OK() {
				t.Fatalf("ledger %+v", chk)
			}
		})
	}
}
