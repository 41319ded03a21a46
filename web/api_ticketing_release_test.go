package web

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"cityhub/identity"
	"cityhub/store/storetest"
	"cityhub/ticketing"
	"cityhub/wallet"
)

// A buyer gives a held order up through the API: the seats are free at
// once and nothing is charged; releasing again, or releasing an order that
// is paid, answers it as it is; another's order is 404 and a caller
// without the citizen role 403.
func TestTicketingAPIReleaseHold(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			env, p, admin, rec := cardCancelEnv(t, engine)
			ctx := context.Background()
			acct, citizen := env.account(t, identity.RoleCitizen)
			_, other := env.account(t, identity.RoleCitizen)
			walletSend(t, env, "POST", "/api/v1/wallet/topups", citizen, `{"amount_cents":5000}`, map[string]string{"Idempotency-Key": "release-hold-1"})
			free := func() int {
				t.Helper()
				av, err := env.Deps.Ticketing.Availability(ctx, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				return av.Free
			}
			all := free()

			var o ticketing.Order
			decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/performances/"+p.ID+"/holds", citizen, `{"seats":["Platea/A/1","Platea/A/2"]}`), http.StatusCreated), &o)
			if free() != all-2 {
				t.Fatalf("%d seats free while two are held, want %d", free(), all-2)
			}
			if prob := wantProblem(t, env.do(t, "POST", "/api/v1/ticket-orders/"+o.ID+"/release", other, ""), http.StatusNotFound); prob.Reason != "order_not_found" {
				t.Fatalf("another's release: %+v", prob)
			}
			wantProblem(t, env.do(t, "POST", "/api/v1/ticket-orders/"+o.ID+"/release", admin, ""), http.StatusForbidden)
			wantProblem(t, env.do(t, "POST", "/api/v1/ticket-orders/"+o.ID+"/release", "", ""), http.StatusUnauthorized)
			if free() != all-2 {
				t.Fatal("a refused release freed seats")
			}

			var released ticketing.Order
			decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/ticket-orders/"+o.ID+"/release", citizen, ""), http.StatusOK), &released)
			if released.ID != o.ID || released.Status != ticketing.OrderCancelled {
				t.Fatalf("released order %+v", released)
			}
			if free() != all {
				t.Fatalf("%d seats free after the release, want %d", free(), all)
			}
			var again ticketing.Order
			decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/ticket-orders/"+o.ID+"/release", citizen, ""), http.StatusOK), &again)
			if again.Status != ticketing.OrderCancelled || again.Note != released.Note {
				t.Fatalf("released again: %+v, first %+v", again, released)
			}
			wantProblem(t, env.do(t, "POST", "/api/v1/ticket-orders/"+o.ID+"/pay", citizen, `{"method":"wallet"}`), http.StatusConflict)
			if got := rec.canceled(); len(got) != 0 {
				t.Fatalf("intents canceled without a card payment: %v", got)
			}

			// A paid order is not given up by a release: it stays paid.
			var paidHold ticketing.Order
			decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/performances/"+p.ID+"/holds", citizen, `{"seats":["Platea/A/3"]}`), http.StatusCreated), &paidHold)
			mustStatus(t, env.do(t, "POST", "/api/v1/ticket-orders/"+paidHold.ID+"/pay", citizen, `{"method":"wallet"}`), http.StatusOK)
			var stillPaid ticketing.Order
			decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/ticket-orders/"+paidHold.ID+"/release", citizen, ""), http.StatusOK), &stillPaid)
			if stillPaid.Status != ticketing.OrderPaid {
				t.Fatalf("release of a paid order: %+v", stillPaid)
			}
			if b := balanceOf(t, env, wallet.CitizenAccount(acct.ID)); b != 5000-2500 {
				t.Fatalf("credit %d, want 2500: only the paid seat charged", b)
			}
			if chk := ledgerCheck(t, env); !chk.OK() {
				t.Fatalf("ledger %+v", chk)
			}
		})
	}
}

// Releasing after starting to pay by card cancels the PaymentIntent at
// Stripe (stripe-mock) before the seats go; a cancel Stripe refuses leaves
// the order held with its payment: 409 payment_started.
func TestTicketingAPIReleaseAfterCard(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			env, p, admin, rec := cardCancelEnv(t, engine)
			acct, citizen := env.account(t, identity.RoleCitizen)
			o, card := holdThenCard(t, env, p.ID, citizen, "Platea/A/4")
			var released ticketing.Order
			decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/ticket-orders/"+o.ID+"/release", citizen, ""), http.StatusOK), &released)
			if released.Status != ticketing.OrderCancelled || released.PaymentIntentID != "" {
				t.Fatalf("released after the card: %+v", released)
			}
			if got := rec.canceled(); len(got) != 1 || got[0] != card.PaymentIntentID {
				t.Fatalf("intents canceled %v, want [%s]", got, card.PaymentIntentID)
			}

			var held ticketing.Order
			decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/performances/"+p.ID+"/holds", citizen, `{"seats":["Platea/B/1"]}`), http.StatusCreated), &held)
			buyer := identity.Caller{AccountID: acct.ID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
			if _, err := env.Deps.Ticketing.AttachPayment(context.Background(), buyer, held.ID, "pi_not/cancelable"); err != nil {
				t.Fatal(err)
			}
			if prob := wantProblem(t, env.do(t, "POST", "/api/v1/ticket-orders/"+held.ID+"/release", citizen, ""), http.StatusConflict); prob.Reason != "payment_started" {
				t.Fatalf("release with a payment Stripe will not cancel: %+v", prob)
			}
			var now ticketing.Order
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/ticket-orders/"+held.ID, admin, ""), http.StatusOK), &now)
			if now.Status != ticketing.OrderHeld || now.PaymentIntentID != "pi_not/cancelable" {
				t.Fatalf("order after the refused release: %+v", now)
			}
		})
	}
}

// Release and payment with credit raced for the same held orders: each
// order ends either paid (charged once, its tickets issued) or released
// (nothing charged, its seat free), never both, and the ledger balances.
func TestTicketingAPIReleaseRacesPayment(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			env, p, _, _ := cardCancelEnv(t, engine)
			ctx := context.Background()
			acct, citizen := env.account(t, identity.RoleCitizen)
			walletSend(t, env, "POST", "/api/v1/wallet/topups", citizen, `{"amount_cents":50000}`, map[string]string{"Idempotency-Key": "release-race-1"})
			seats := []string{"Platea/A/1", "Platea/A/2", "Platea/A/3", "Platea/A/4"}
			orders := make([]ticketing.Order, len(seats))
			for i, s := range seats {
				decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/performances/"+p.ID+"/holds", citizen, `{"seats":["`+s+`"]}`), http.StatusCreated), &orders[i])
			}
			var wg sync.WaitGroup
			start := make(chan struct{})
			payStatus, releaseStatus := make([]int, len(orders)), make([]int, len(orders))
			for i, o := range orders {
				wg.Add(2)
				go func() {
					defer wg.Done()
					<-start
					payStatus[i] = env.do(t, "POST", "/api/v1/ticket-orders/"+o.ID+"/pay", citizen, `{"method":"wallet"}`).Code
				}()
				go func() {
					defer wg.Done()
					<-start
					releaseStatus[i] = env.do(t, "POST", "/api/v1/ticket-orders/"+o.ID+"/release", citizen, "").Code
				}()
			}
			close(start)
			wg.Wait()
			admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
			paid := 0
			for i, o := range orders {
				now, err := env.Deps.Ticketing.Order(ctx, admin, o.ID)
				if err != nil {
					t.Fatal(err)
				}
				if releaseStatus[i] != http.StatusOK {
					t.Fatalf("order %d: release answered %d", i, releaseStatus[i])
				}
				switch now.Status {
				case ticketing.OrderPaid:
					paid++
					if payStatus[i] != http.StatusOK {
						t.Fatalf("order %d paid, but the payment answered %d", i, payStatus[i])
					}
				case ticketing.OrderCancelled:
					if payStatus[i] != http.StatusConflict {
						t.Fatalf("order %d released, but the payment answered %d", i, payStatus[i])
					}
				default:
					t.Fatalf("order %d ended %s", i, now.Status)
				}
			}
			if b := balanceOf(t, env, wallet.CitizenAccount(acct.ID)); b != 50000-int64(paid)*2500 {
				t.Fatalf("credit %d after %d paid orders", b, paid)
			}
			var tickets struct{ Tickets []ticketing.TicketView }
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/tickets", citizen, ""), http.StatusOK), &tickets)
			if len(tickets.Tickets) != paid {
				t.Fatalf("%d tickets for %d paid orders", len(tickets.Tickets), paid)
			}
			if av, err := env.Deps.Ticketing.Availability(ctx, p.ID); err != nil || av.Free != len(av.Seats)-paid {
				t.Fatalf("%d of %d seats free after %d paid orders (%v)", av.Free, len(av.Seats), paid, err)
			}
			if chk := ledgerCheck(t, env); !chk.OK() {
				t.Fatalf("ledger %+v", chk)
			}
		})
	}
}
