package web

import (
	"net/http"
	"strings"
	"testing"

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

// DELETE /api/v1/me with credit left asks where it goes: without credit=
// (or with a value that is neither cards nor city) 400 credit_choice and
// nothing changes; with credit=cards the top-up's refund is owed to its
// card and the account is erased with no credit left on it.
func TestDeleteMeWithCredit(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withWallet(false), withCardPayments)
			ctx := t.Context()
			acct, bearer := env.account(t, identity.RoleCitizen)
			cp := env.Deps.CardPayments
			if err := cp.Record(ctx, cardpay.Payment{ID: "pi_erase_" + acct.ID, Purpose: cardpay.PurposeTopUp, AccountID: acct.ID, AmountCents: 1250}); err != nil {
				t.Fatal(err)
			}
			if out, err := cp.Handle(ctx, cardpay.Event{ID: "evt_erase_" + acct.ID, Type: cardpay.EventPaymentSucceeded,
				PaymentIntentID: "pi_erase_" + acct.ID, Amount: 1250, Currency: "eur"}); err != nil || !out.Handled {
				t.Fatalf("top-up: %+v, %v", out, err)
			}
			credit := func() int64 {
				a, err := env.Deps.Wallet.Account(ctx, wallet.CitizenAccount(acct.ID))
				if err != nil {
					t.Fatal(err)
				}
				return a.Balance
			}

			for _, path := range []string{"/api/v1/me", "/api/v1/me?credit=", "/api/v1/me?credit=refund_to_cards", "/api/v1/me?credit=bank"} {
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
