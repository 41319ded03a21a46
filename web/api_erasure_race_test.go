package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

// Twelve top-ups, each with its own Idempotency-Key, sent at the same time
// as DELETE /api/v1/me?credit=city, again for a few people: every 201 is a
// top-up the erasure saw and sent to the city with the rest; every other
// answer is 401 (the erasure came first: refused at the door, or, let in
// before it, refused as for an erased account) and charges nothing. No
// credit is left on an erased account, and the ledger check, which reports
// credit on one, passes. Before, a top-up that committed after the
// erasure was answered 201 and left its credit on the erased account.
func TestTopUpsRacingDeleteMe(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withWallet(true), withCardPayments)
			ctx := t.Context()
			const people, topUps = 3, 12
			for person := range people {
				acct, bearer := env.account(t, identity.RoleCitizen)
				answers := make([]*httptest.ResponseRecorder, topUps)
				var erased *httptest.ResponseRecorder
				gate := make(chan struct{})
				var wg sync.WaitGroup
				wg.Add(topUps + 1)
				go func() {
					defer wg.Done()
					<-gate
					erased = walletSend(t, env, "DELETE", "/api/v1/me?credit=city", bearer, "", map[string]string{"Idempotency-Key": "erase"})
				}()
				for i := range topUps {
					go func() {
						defer wg.Done()
						<-gate
						answers[i] = walletSend(t, env, "POST", "/api/v1/wallet/topups", bearer, `{"amount_cents":500}`,
							map[string]string{"Idempotency-Key": fmt.Sprintf("topup-%d", i)})
					}()
				}
				close(gate)
				wg.Wait()
				if erased.Code != http.StatusNoContent {
					t.Fatalf("person %d: DELETE /api/v1/me: %d %s", person, erased.Code, erased.Body.String())
				}
				var created int64
				for i, res := range answers {
					switch res.Code {
					case http.StatusCreated:
						created += 500
					case http.StatusUnauthorized:
						if p := wantProblem(t, res, http.StatusUnauthorized); p.Reason != "account_deleted" && p.Reason != "account_inactive" {
							t.Fatalf("person %d: top-up %d refused with %q", person, i, p.Reason)
						}
					default:
						t.Fatalf("person %d: top-up %d: %d %s", person, i, res.Code, res.Body.String())
					}
				}
				citizen := wallet.CitizenAccount(acct.ID)
				a, err := env.Deps.Wallet.Account(ctx, citizen)
				if err != nil || a.Balance != 0 || !a.Closed() {
					t.Fatalf("person %d: the erased account's credit: %+v, %v; want closed with nothing on it", person, a, err)
				}
				page, err := env.Deps.Wallet.History(ctx, citizen, "", wallet.MaxPage)
				if err != nil {
					t.Fatal(err)
				}
				var toppedUp, toCity int64
				for _, l := range page.Lines {
					switch l.Kind {
					case wallet.KindTopUpTest:
						toppedUp += l.Amount
					case cardpay.KindErasureToCity:
						toCity -= l.Amount
					}
				}
				if toppedUp != created || toCity != created {
					t.Fatalf("person %d: answered 201 for %d, credited %d, sent %d to the city", person, created, toppedUp, toCity)
				}
			}
			if chk := ledgerCheck(t, env); len(chk.ClosedWithCredit) != 0 {
				t.Fatalf("closed with credit: %+v", chk.ClosedWithCredit)
			}
		})
	}
}

// An erasure sent three times at once under three keys erases once: one
// 204, and every other finds the account erased, 401 account_deleted,
// whether the erasure itself found the account gone (it was waiting when
// the first committed) or the door refused its token (it came after).
// Each of the three senders keeps sending under new keys until it has
// seen an answer of the erasure's, so both kinds of loser are among them.
// Before, the door's refusal said account_inactive, as for a disabled
// account.
func TestDeleteMeRacedUnderThreeKeys(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withWallet(true), withCardPayments)
			for person := range 3 {
				_, bearer := env.account(t, identity.RoleCitizen)
				var (
					mu      sync.Mutex
					answers []*httptest.ResponseRecorder
					done    atomic.Bool
				)
				gate := make(chan struct{})
				var wg sync.WaitGroup
				for sender := range 3 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-gate
						for n := 0; n < 100; n++ {
							after := done.Load()
							res := walletSend(t, env, "DELETE", "/api/v1/me?credit=city", bearer, "",
								map[string]string{"Idempotency-Key": fmt.Sprintf("erase-%d-%d", sender, n)})
							mu.Lock()
							answers = append(answers, res)
							mu.Unlock()
							if res.Code == http.StatusNoContent {
								done.Store(true)
							}
							if after || res.Code == http.StatusNoContent {
								return
							}
						}
					}()
				}
				close(gate)
				wg.Wait()
				erased := 0
				for i, res := range answers {
					if res.Code == http.StatusNoContent {
						erased++
						continue
					}
					if p := wantProblem(t, res, http.StatusUnauthorized); p.Reason != "account_deleted" {
						t.Fatalf("person %d: erasure %d of %d: reason %q, want account_deleted", person, i, len(answers), p.Reason)
					}
				}
				if erased != 1 {
					t.Fatalf("person %d: %d erasures answered 204, want 1", person, erased)
				}
			}
		})
	}
}
