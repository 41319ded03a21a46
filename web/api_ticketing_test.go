package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/qrtoken"
	"cityhub/store/storetest"
	"cityhub/ticketing"
	"cityhub/wallet"
	"cityhub/web/api"
)

const validVenue = `{"name":"Teatro Romano","address":"Via del Teatro Romano, Benevento"}`

func withTicketing(env *testEnv, d *Deps) {
	d.Ticketing = ticketing.NewService(env.DB.Ticketing(), env.Keys, nil)
	if d.Wallet != nil {
		d.Wallet.RegisterItems("ticket", d.Ticketing)
	}
}

func init() {
	authzConfigure = append(authzConfigure, withTicketing)
	code, _ := qrtoken.NewCode()
	fakeCode := `{"code":"` + code + `","performance_id":"prf_nope"}`
	for _, role := range []identity.Role{"", identity.RoleCitizen, identity.RoleMerchant, identity.RoleDoor, identity.RoleOperator, identity.RoleAdmin} {
		admin := map[bool]int{true: http.StatusOK, false: http.StatusForbidden}[role == identity.RoleAdmin]
		adminCreate := map[bool]int{true: http.StatusCreated, false: http.StatusForbidden}[role == identity.RoleAdmin]
		citizen := map[bool]int{true: http.StatusOK, false: http.StatusForbidden}[role == identity.RoleCitizen]
		// Only door staff may look a ticket code up; for them an unknown
		// performance is 404.
		doorCheck := map[bool]int{true: http.StatusNotFound, false: http.StatusForbidden}[role == identity.RoleDoor]
		if role == "" {
			admin, adminCreate, citizen, doorCheck = 401, 401, 401, 401
		}
		authzCases = append(authzCases,
			authzCase{"GET", "/api/v1/performances", role, "", http.StatusOK},
			authzCase{"GET", "/api/v1/performances/prf_nope/seats", role, "", http.StatusNotFound},
			authzCase{"GET", "/api/v1/tickets", role, "", citizen},
			authzCase{"GET", "/api/v1/ticket-orders", role, "", citizen},
			authzCase{"POST", "/api/v1/ticket-orders/tord_nope/cancel", role, "", map[bool]int{true: http.StatusNotFound, false: citizen}[role == identity.RoleCitizen]},
			authzCase{"POST", "/api/v1/ticket-orders/tord_nope/release", role, "", map[bool]int{true: http.StatusNotFound, false: citizen}[role == identity.RoleCitizen]},
			authzCase{"GET", "/api/v1/admin/venues", role, "", admin},
			authzCase{"POST", "/api/v1/admin/venues", role, validVenue, adminCreate},
			authzCase{"GET", "/api/v1/admin/performances", role, "", admin},
			authzCase{"GET", "/api/v1/admin/venues/ven_nope/categories", role, "", map[bool]int{true: http.StatusNotFound, false: admin}[role == identity.RoleAdmin]},
			authzCase{"PUT", "/api/v1/admin/venues/ven_nope/categories", role, `{"categories":[]}`, map[bool]int{true: http.StatusNotFound, false: admin}[role == identity.RoleAdmin]},
			authzCase{"GET", "/api/v1/door/performances", role, "", map[bool]int{true: http.StatusOK, false: doorCheck}[role == identity.RoleDoor]},
			authzCase{"GET", "/api/v1/door/performances/prf_nope/list", role, "", doorCheck},
			authzCase{"POST", "/api/v1/door/tickets/check-in", role, fakeCode, doorCheck},
			authzCase{"POST", "/api/v1/door/tickets/verify", role, fakeCode, doorCheck},
		)
	}
}

const seatMapBody = `{"sections":[{"name":"Platea","rows":[{"name":"A","from":1,"to":4,"category":"stalls"},{"name":"B","from":1,"to":2,"category":"balcony"}]}]}`

// contractTicketing is ticketing's part of the OpenAPI scenario: a venue,
// a performance, a purchase with credit and one by card, the door, the
// statistics and a refund.
func contractTicketing(c *contract) {
	env := c.env
	admin := env.login(c.t, identity.RoleAdmin)
	citizenAcct, citizen := env.account(c.t, identity.RoleCitizen)

	var v ticketing.Venue
	c.json(&v, "POST", "/api/v1/admin/venues", admin, validVenue, http.StatusCreated)
	c.do("POST", "/api/v1/admin/venues", admin, `{"name":"","address":"x"}`, http.StatusBadRequest)
	c.do("GET", "/api/v1/admin/venues", admin, "", http.StatusOK)
	c.do("PUT", "/api/v1/admin/venues/"+v.ID+"/seats", admin, seatMapBody, http.StatusOK)
	c.do("PUT", "/api/v1/admin/venues/"+v.ID+"/seats", admin, `{"sections":[]}`, http.StatusBadRequest)
	c.do("GET", "/api/v1/admin/venues/"+v.ID+"/seats", admin, "", http.StatusOK)
	c.do("GET", "/api/v1/admin/venues/ven_nope/seats", admin, "", http.StatusNotFound)
	c.do("GET", "/api/v1/admin/venues/"+v.ID+"/categories", admin, "", http.StatusOK)
	c.do("GET", "/api/v1/admin/venues/ven_nope/categories", admin, "", http.StatusNotFound)
	c.do("PUT", "/api/v1/admin/venues/"+v.ID+"/categories", admin, `{"categories":[{"code":"stalls","name_it":"Poltronissima","name_en":"Premium stalls"}]}`, http.StatusOK)
	c.do("PUT", "/api/v1/admin/venues/"+v.ID+"/categories", admin, `{"categories":[{"code":"stalls","name_it":"Poltronissima"}]}`, http.StatusBadRequest)
	c.do("PUT", "/api/v1/admin/venues/"+v.ID+"/categories", citizen, `{"categories":[]}`, http.StatusForbidden)

	var p ticketing.Performance
	perf := `{"venue_id":"` + v.ID + `","title":"La locandiera","starts_at":"2099-12-01T20:30","prices_cents":{"stalls":2500,"balcony":1500}}`
	c.json(&p, "POST", "/api/v1/admin/performances", admin, perf, http.StatusCreated)
	c.do("POST", "/api/v1/admin/performances", admin, `{"venue_id":"`+v.ID+`","title":"x","starts_at":"tomorrow","prices_cents":{"stalls":1}}`, http.StatusBadRequest)
	// Year 9999: its end, three hours later, could not be written, and
	// every list holding it answered an empty 200 from then on.
	for _, at := range []string{"9999-12-31T23:59:59Z", "9999-12-31T23:59", "1999-12-31T20:00"} {
		c.do("POST", "/api/v1/admin/performances", admin, `{"venue_id":"`+v.ID+`","title":"x","starts_at":"`+at+`","prices_cents":{"stalls":1}}`, http.StatusBadRequest)
	}
	c.do("PUT", "/api/v1/admin/venues/"+v.ID+"/seats", admin, seatMapBody, http.StatusConflict)
	c.do("PUT", "/api/v1/admin/performances/"+p.ID, admin, strings.Replace(perf, "La locandiera", "La locandiera (Goldoni)", 1), http.StatusOK)
	c.do("GET", "/api/v1/admin/performances", admin, "", http.StatusOK)
	c.do("GET", "/api/v1/performances", "", "", http.StatusOK)
	c.do("GET", "/api/v1/performances/"+p.ID+"/seats", "", "", http.StatusOK)

	// With credit.
	c.do("POST", "/api/v1/wallet/topups", citizen, `{"amount_cents":10000}`, http.StatusCreated, "Idempotency-Key: ticket-topup-1")
	var o ticketing.Order
	c.json(&o, "POST", "/api/v1/performances/"+p.ID+"/holds", citizen, `{"seats":["Platea/A/1","Platea/A/2"]}`, http.StatusCreated, "Idempotency-Key: hold-0001")
	c.do("POST", "/api/v1/performances/"+p.ID+"/holds", citizen, `{"seats":["Platea/A/2","Platea/A/1"]}`, http.StatusCreated, "Idempotency-Key: hold-0001")
	c.do("POST", "/api/v1/performances/"+p.ID+"/holds", citizen, `{"seats":["Platea/A/3"]}`, http.StatusConflict, "Idempotency-Key: hold-0001")
	c.do("POST", "/api/v1/performances/"+p.ID+"/holds", citizen, `{"seats":["Platea/A/2"]}`, http.StatusConflict)
	c.do("POST", "/api/v1/performances/"+p.ID+"/holds", citizen, `{"seats":[]}`, http.StatusBadRequest)
	c.do("POST", "/api/v1/ticket-orders/"+o.ID+"/pay", citizen, `{"method":"cash"}`, http.StatusBadRequest)
	var paid api.TicketPayment
	c.json(&paid, "POST", "/api/v1/ticket-orders/"+o.ID+"/pay", citizen, `{"method":"wallet"}`, http.StatusOK)
	c.do("GET", "/api/v1/ticket-orders", citizen, "", http.StatusOK)
	c.do("GET", "/api/v1/ticket-orders?limit=1&cursor="+o.ID, citizen, "", http.StatusOK)
	c.do("GET", "/api/v1/ticket-orders?limit=201", citizen, "", http.StatusBadRequest)
	c.do("GET", "/api/v1/ticket-orders?cursor=tord_nope", citizen, "", http.StatusBadRequest)
	c.do("GET", "/api/v1/ticket-orders/"+o.ID, citizen, "", http.StatusOK)
	c.do("GET", "/api/v1/ticket-orders/"+o.ID, env.login(c.t, identity.RoleCitizen), "", http.StatusNotFound)
	c.do("GET", "/api/v1/tickets", citizen, "", http.StatusOK)
	var tok ticketing.Token
	c.json(&tok, "GET", "/api/v1/tickets/"+paid.Tickets[0].ID+"/qr", citizen, "", http.StatusOK)
	c.do("GET", "/api/v1/wallet", citizen, "", http.StatusOK)

	// The door, on the evening: the hub's clock moves to an hour before the
	// start, and the holder's QR is signed again at that time.
	env.Deps.Ticketing.SetClock(func() time.Time { return p.StartsAt.Add(-time.Hour) })
	c.json(&tok, "GET", "/api/v1/tickets/"+paid.Tickets[0].ID+"/qr", citizen, "", http.StatusOK)
	staff := env.login(c.t, identity.RoleDoor, v.ID)
	elsewhere := env.login(c.t, identity.RoleDoor, "ven_other")
	c.do("GET", "/api/v1/door/performances", staff, "", http.StatusOK)
	c.do("GET", "/api/v1/door/performances/"+p.ID+"/list", staff, "", http.StatusOK)
	c.do("GET", "/api/v1/door/performances/"+p.ID+"/list", elsewhere, "", http.StatusForbidden)
	c.do("GET", "/api/v1/door/performances/prf_nope/list", staff, "", http.StatusNotFound)
	at := func(code string) string { return `{"code":"` + code + `","performance_id":"` + p.ID + `"}` }
	c.do("POST", "/api/v1/door/tickets/verify", staff, at(tok.Token), http.StatusOK)
	c.do("POST", "/api/v1/door/tickets/check-in", staff, `{"code":"`+tok.Token+`"}`, http.StatusBadRequest)
	c.do("POST", "/api/v1/door/tickets/check-in", staff, at(tok.Token), http.StatusOK)
	c.do("POST", "/api/v1/door/tickets/check-in", staff, at(tok.Token), http.StatusConflict)
	c.do("POST", "/api/v1/door/tickets/check-in", elsewhere, at(paid.Tickets[1].TypedCode), http.StatusForbidden)
	// A device that lost the answer sends the check-in again with its key
	// and gets the first answer, the same admission; without the key, the
	// ticket is already in.
	first := c.do("POST", "/api/v1/door/tickets/check-in", staff, at(paid.Tickets[1].TypedCode), http.StatusOK, "Idempotency-Key: door-scan-0001")
	replay := c.do("POST", "/api/v1/door/tickets/check-in", staff, at(paid.Tickets[1].TypedCode), http.StatusOK, "Idempotency-Key: door-scan-0001")
	if replay.Header().Get("Idempotent-Replayed") != "true" || replay.Body.String() != first.Body.String() {
		c.t.Fatalf("a keyed check-in sent again: replayed %q, %s; first %s", replay.Header().Get("Idempotent-Replayed"), replay.Body, first.Body)
	}
	if res := c.do("POST", "/api/v1/door/tickets/check-in", staff, at(paid.Tickets[1].TypedCode), http.StatusConflict); !strings.Contains(res.Body.String(), "already_checked_in") {
		c.t.Fatalf("the same check-in without its key: %s", res.Body)
	}
	c.do("POST", "/api/v1/door/tickets/check-in", staff, at("CH1:AAAA"), http.StatusBadRequest)
	contractDoorOffline(c, p, staff, elsewhere, admin, tok.Token, p.StartsAt.Add(-time.Hour))
	c.do("GET", "/api/v1/tickets/"+paid.Tickets[0].ID+"/qr", citizen, "", http.StatusConflict)

	// By card: stripe-mock's PaymentIntent, then Stripe's signed webhook.
	var held ticketing.Order
	c.json(&held, "POST", "/api/v1/performances/"+p.ID+"/holds", citizen, `{"seats":["Platea/B/1"]}`, http.StatusCreated)
	var card api.TicketPayment
	c.json(&card, "POST", "/api/v1/ticket-orders/"+held.ID+"/pay", citizen, `{"method":"card"}`, http.StatusAccepted)
	ev := paymentEvent("evt_ticket_contract", "payment_intent.succeeded", card.PaymentIntentID, held.TotalCents, "eur",
		map[string]string{cardpay.StripePurposeKey: ticketing.StripePurpose, ticketing.StripeOrderKey: held.ID, cardpay.StripeAccountKey: citizenAcct.ID})
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: ev, Secret: testWebhookSecret})
	c.do("POST", "/api/v1/stripe/webhook", "", string(ev), http.StatusOK, "Stripe-Signature: "+signed.Header)

	c.do("GET", "/api/v1/admin/performances/"+p.ID+"/stats", admin, "", http.StatusOK)
	c.do("POST", "/api/v1/admin/ticket-orders/"+held.ID+"/refund", admin, "", http.StatusOK)
	c.do("POST", "/api/v1/admin/ticket-orders/"+o.ID+"/refund", admin, "", http.StatusConflict)
	c.do("POST", "/api/v1/admin/ticket-orders/tord_nope/refund", admin, "", http.StatusNotFound)
	c.do("POST", "/api/v1/ticket-orders/"+o.ID+"/cancel", citizen, "", http.StatusConflict) // no rule for this performance
	c.do("POST", "/api/v1/ticket-orders/"+o.ID+"/cancel", env.login(c.t, identity.RoleCitizen), "", http.StatusNotFound)
	// A later performance whose buyers may cancel until a day before (the
	// hub's clock is at the first one's door): cancelled once, the retry
	// answered with the first answer.
	var p2 ticketing.Performance
	c.json(&p2, "POST", "/api/v1/admin/performances", admin, strings.NewReplacer(`"prices_cents"`, `"self_cancel_hours":24,"prices_cents"`, "2099-12-01", "2099-12-10").Replace(perf), http.StatusCreated)
	var o2 ticketing.Order
	c.json(&o2, "POST", "/api/v1/performances/"+p2.ID+"/holds", citizen, `{"seats":["Platea/A/1"]}`, http.StatusCreated)
	// The answer holds this order's tickets only, though the buyer has
	// others, shown as their holder sees them; paying again answers the
	// same tickets.
	var paid2, again api.TicketPayment
	c.json(&paid2, "POST", "/api/v1/ticket-orders/"+o2.ID+"/pay", citizen, `{"method":"wallet"}`, http.StatusOK)
	c.json(&again, "POST", "/api/v1/ticket-orders/"+o2.ID+"/pay", citizen, `{"method":"wallet"}`, http.StatusOK)
	for _, pay := range []api.TicketPayment{paid2, again} {
		if len(pay.Tickets) != 1 || pay.Tickets[0].OrderID != o2.ID || pay.Tickets[0].SeatID != "Platea/A/1" ||
			pay.Tickets[0].VenueName != v.Name || pay.Tickets[0].Title != p2.Title || pay.Tickets[0].TypedCode == "" {
			c.t.Fatalf("the answer to paying %s: %+v", o2.ID, pay.Tickets)
		}
	}
	if again.Tickets[0].ID != paid2.Tickets[0].ID {
		c.t.Errorf("paying again answered ticket %s, first %s", again.Tickets[0].ID, paid2.Tickets[0].ID)
	}
	c.do("POST", "/api/v1/ticket-orders/"+o2.ID+"/cancel", citizen, "", http.StatusOK, "Idempotency-Key: cancel-0001")
	c.do("POST", "/api/v1/ticket-orders/"+o2.ID+"/cancel", citizen, "", http.StatusOK, "Idempotency-Key: cancel-0001")
	// A hold given up: the seat is free at once; the retry answers the
	// first answer, and another's order is not found.
	var o3 ticketing.Order
	c.json(&o3, "POST", "/api/v1/performances/"+p2.ID+"/holds", citizen, `{"seats":["Platea/A/2"]}`, http.StatusCreated)
	c.do("POST", "/api/v1/ticket-orders/"+o3.ID+"/release", env.login(c.t, identity.RoleCitizen), "", http.StatusNotFound)
	c.do("POST", "/api/v1/ticket-orders/"+o3.ID+"/release", citizen, "", http.StatusOK, "Idempotency-Key: release-0001")
	c.do("POST", "/api/v1/ticket-orders/"+o3.ID+"/release", citizen, "", http.StatusOK, "Idempotency-Key: release-0001")

	c.do("POST", "/api/v1/admin/performances/"+p.ID+"/cancel", admin, "", http.StatusOK)
	c.do("PUT", "/api/v1/admin/performances/"+p.ID, admin, perf, http.StatusConflict)
}

// ticketingEnv is a server with the wallet (test payments), Stripe on
// stripe-mock and ticketing, and a performance on sale.
func ticketingEnv(t *testing.T, engine string) (*testEnv, ticketing.Venue, ticketing.Performance, string) {
	t.Helper()
	return ticketingEnvPaying(t, engine, true)
}

// ticketingEnvPaying is ticketingEnv with test payments on (a top-up is
// credited at once) or off (it goes through Stripe).
func ticketingEnvPaying(t *testing.T, engine string, testPayments bool) (*testEnv, ticketing.Venue, ticketing.Performance, string) {
	t.Helper()
	_, env := newTestServer(t, engine, withWallet(testPayments), withTicketing, withStripe)
	admin := env.login(t, identity.RoleAdmin)
	var v ticketing.Venue
	decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/admin/venues", admin, validVenue), http.StatusCreated), &v)
	mustStatus(t, env.do(t, "PUT", "/api/v1/admin/venues/"+v.ID+"/seats", admin, seatMapBody), http.StatusOK)
	var p ticketing.Performance
	decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/admin/performances", admin,
		`{"venue_id":"`+v.ID+`","title":"Il berretto a sonagli","starts_at":"2099-11-20T21:00","prices_cents":{"stalls":2500,"balcony":1500}}`), http.StatusCreated), &p)
	return env, v, p, admin
}

func mustStatus(t testing.TB, rec *httptest.ResponseRecorder, want int) *httptest.ResponseRecorder {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("status %d, want %d: %s", rec.Code, want, rec.Body.String())
	}
	return rec
}

// Bad input is 400 problem+json and writes nothing.
func TestTicketingAPIBadInput(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			env, v, p, admin := ticketingEnv(t, engine)
			citizen := env.login(t, identity.RoleCitizen)
			eleven := `{"seats":["Platea/A/1","Platea/A/2","Platea/A/3","Platea/A/4","Platea/B/1","Platea/B/2","x/1/1","x/1/2","x/1/3","x/1/4","x/1/5"]}`
			holds := "/api/v1/performances/" + p.ID + "/holds"
			for _, c := range []struct{ name, method, path, auth, body string }{
				{"malformed json", "POST", holds, citizen, `{"seats":`},
				{"unknown field", "POST", holds, citizen, `{"seats":["Platea/A/1"],"price":1}`},
				{"wrong type", "POST", holds, citizen, `{"seats":"Platea/A/1"}`},
				{"no seats", "POST", holds, citizen, `{"seats":[]}`},
				{"unknown seat", "POST", holds, citizen, `{"seats":["Platea/Z/9"]}`},
				{"seat twice", "POST", holds, citizen, `{"seats":["Platea/A/1","Platea/A/1"]}`},
				{"too many seats", "POST", holds, citizen, eleven},
				{"two objects", "POST", holds, citizen, `{"seats":["Platea/A/1"]}{}`},
				{"bad method", "POST", "/api/v1/ticket-orders/tord_x/pay", citizen, `{"method":"bitcoin"}`},
				{"empty venue", "POST", "/api/v1/admin/venues", admin, `{"name":" ","address":"x"}`},
				{"bad seat row", "PUT", "/api/v1/admin/venues/" + v.ID + "/seats", admin, `{"sections":[{"name":"P","rows":[{"name":"A","from":5,"to":1,"category":"c"}]}]}`},
				{"bad start", "POST", "/api/v1/admin/performances", admin, `{"venue_id":"` + v.ID + `","title":"T","starts_at":"soon","prices_cents":{"stalls":100}}`},
				{"negative price", "POST", "/api/v1/admin/performances", admin, `{"venue_id":"` + v.ID + `","title":"T","starts_at":"2099-01-01T20:00","prices_cents":{"stalls":-100}}`},
				{"unknown category", "POST", "/api/v1/admin/performances", admin, `{"venue_id":"` + v.ID + `","title":"T","starts_at":"2099-01-01T20:00","prices_cents":{"loggione":100}}`},
				{"unknown venue", "POST", "/api/v1/admin/performances", admin, `{"venue_id":"ven_nope","title":"T","starts_at":"2099-01-01T20:00","prices_cents":{"stalls":100}}`},
				{"sales after start", "POST", "/api/v1/admin/performances", admin, `{"venue_id":"` + v.ID + `","title":"T","starts_at":"2099-01-01T20:00","sales_close":"2099-01-02T20:00","prices_cents":{"stalls":100}}`},
				{"doors after the start", "POST", "/api/v1/admin/performances", admin, `{"venue_id":"` + v.ID + `","title":"T","starts_at":"2099-01-01T20:00","doors_open":"2099-01-01T20:30","prices_cents":{"stalls":100}}`},
				{"end before the start", "POST", "/api/v1/admin/performances", admin, `{"venue_id":"` + v.ID + `","title":"T","starts_at":"2099-01-01T20:00","ends_at":"2099-01-01T19:00","prices_cents":{"stalls":100}}`},
				{"end and duration", "POST", "/api/v1/admin/performances", admin, `{"venue_id":"` + v.ID + `","title":"T","starts_at":"2099-01-01T20:00","ends_at":"2099-01-01T22:00","duration_minutes":90,"prices_cents":{"stalls":100}}`},
				{"negative duration", "POST", "/api/v1/admin/performances", admin, `{"venue_id":"` + v.ID + `","title":"T","starts_at":"2099-01-01T20:00","duration_minutes":-5,"prices_cents":{"stalls":100}}`},
				{"empty code", "POST", "/api/v1/door/tickets/check-in", env.login(t, identity.RoleDoor, v.ID), `{"code":"","performance_id":"` + p.ID + `"}`},
				{"no performance", "POST", "/api/v1/door/tickets/check-in", env.login(t, identity.RoleDoor, v.ID), `{"code":"CH1:AAAA"}`},
			} {
				t.Run(c.name, func(t *testing.T) {
					wantProblem(t, env.do(t, c.method, c.path, c.auth, c.body), http.StatusBadRequest)
				})
			}
			// Nothing was written: every seat free, no order, one venue and
			// one performance, no money moved.
			var av ticketing.Availability
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/performances/"+p.ID+"/seats", "", ""), http.StatusOK), &av)
			if av.Free != 6 {
				t.Fatalf("%d seats free, want 6", av.Free)
			}
			var orders struct{ Orders []ticketing.Order }
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/ticket-orders", citizen, ""), http.StatusOK), &orders)
			var venues struct{ Venues []ticketing.Venue }
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/admin/venues", admin, ""), http.StatusOK), &venues)
			var perfs struct{ Performances []ticketing.Performance }
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/admin/performances", admin, ""), http.StatusOK), &perfs)
			if len(orders.Orders) != 0 || len(venues.Venues) != 1 || len(perfs.Performances) != 1 {
				t.Fatalf("written: %d orders, %d venues, %d performances", len(orders.Orders), len(venues.Venues), len(perfs.Performances))
			}
			if chk := ledgerCheck(t, env); chk.Transactions != 0 {
				t.Fatalf("%d ledger transactions after refused requests", chk.Transactions)
			}
		})
	}
}

// A ticket order paid by card: stripe-mock's PaymentIntent, then the signed
// payment_intent.succeeded event delivered several times at once over real
// HTTP issues the tickets once and records the money once; a top-up's event
// still credits the wallet.
func TestTicketingStripeWebhookDeliveredTwice(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			env, _, p, admin := ticketingEnv(t, engine)
			hub := httptest.NewServer(env.Server)
			defer hub.Close()
			acct, citizen := env.account(t, identity.RoleCitizen)
			var o ticketing.Order
			decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/performances/"+p.ID+"/holds", citizen, `{"seats":["Platea/A/1","Platea/B/2"]}`), http.StatusCreated), &o)
			var pay api.TicketPayment
			decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/ticket-orders/"+o.ID+"/pay", citizen, `{"method":"card"}`), http.StatusAccepted), &pay)
			if pay.PaymentIntentID == "" || pay.ClientSecret == "" || pay.Order.Status != ticketing.OrderHeld {
				t.Fatalf("card payment answer %+v", pay)
			}
			ev := paymentEvent("evt_ticket_1", "payment_intent.succeeded", pay.PaymentIntentID, 4000, "eur",
				map[string]string{cardpay.StripePurposeKey: ticketing.StripePurpose, ticketing.StripeOrderKey: o.ID, cardpay.StripeAccountKey: acct.ID})
			var wg sync.WaitGroup
			var mu sync.Mutex
			var replays int
			for range 6 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					status, body := deliverStripe(t, hub, ev, testWebhookSecret)
					if status != http.StatusOK {
						t.Errorf("webhook: %d %s", status, body)
					}
					if strings.Contains(string(body), `"replayed":true`) {
						mu.Lock()
						replays++
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			if replays != 5 {
				t.Fatalf("%d replays of 6 deliveries, want 5", replays)
			}
			var mine struct{ Tickets []ticketing.TicketView }
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/tickets", citizen, ""), http.StatusOK), &mine)
			if len(mine.Tickets) != 2 {
				t.Fatalf("%d tickets, want 2", len(mine.Tickets))
			}
			for id, want := range map[wallet.AccountID]int64{wallet.StripeClearing: -4000, wallet.RevenueTheatre: 4000} {
				a, err := env.Deps.Wallet.Account(t.Context(), id)
				if err != nil || a.Balance != want {
					t.Fatalf("%s: %d (%v), want %d", id, a.Balance, err, want)
				}
			}
			var st ticketing.SalesStats
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/admin/performances/"+p.ID+"/stats", admin, ""), http.StatusOK), &st)
			if st.Sold != 2 || st.RevenueCents != 4000 {
				t.Fatalf("stats %+v", st)
			}
			// A top-up's event is still the wallet's.
			if err := env.Deps.CardPayments.Record(t.Context(), cardpay.Payment{ID: "pi_topup_" + acct.ID, Purpose: cardpay.PurposeTopUp,
				AccountID: acct.ID, AmountCents: 1000}); err != nil {
				t.Fatal(err)
			}
			top := paymentEvent("evt_topup_1", "payment_intent.succeeded", "pi_topup_"+acct.ID, 1000, "eur",
				map[string]string{cardpay.StripePurposeKey: cardpay.PurposeTopUp, cardpay.StripeAccountKey: acct.ID, cardpay.StripeTopUpKey: "top_x"})
			if status, body := deliverStripe(t, hub, top, testWebhookSecret); status != http.StatusOK || !strings.Contains(string(body), `"handled":true`) {
				t.Fatalf("top-up webhook: %d %s", status, body)
			}
			if a, _ := env.Deps.Wallet.Account(t.Context(), wallet.CitizenAccount(acct.ID)); a.Balance != 1000 {
				t.Fatalf("credit after the top-up %d", a.Balance)
			}
			if chk := ledgerCheck(t, env); !chk.OK() {
				t.Fatalf("ledger %+v", chk)
			}
		})
	}
}

// A card payment whose webhook arrives after the hold expired and the seat
// was sold to someone else: the event is acknowledged, nothing is issued
// or booked, and the order is marked for refund.
func TestTicketingLateCardPaymentOverHTTP(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			env, _, p, admin := ticketingEnv(t, engine)
			var skew atomic.Int64
			env.Deps.Ticketing.SetClock(func() time.Time { return time.Now().Add(time.Duration(skew.Load())) })
			hub := httptest.NewServer(env.Server)
			defer hub.Close()
			slowAcct, slow := env.account(t, identity.RoleCitizen)
			_, fast := env.account(t, identity.RoleCitizen)
			var o ticketing.Order
			decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/performances/"+p.ID+"/holds", slow, `{"seats":["Platea/A/3"]}`), http.StatusCreated), &o)
			var pay api.TicketPayment
			decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/ticket-orders/"+o.ID+"/pay", slow, `{"method":"card"}`), http.StatusAccepted), &pay)

			skew.Store(int64(ticketing.HoldTTL + time.Minute))
			walletSend(t, env, "POST", "/api/v1/wallet/topups", fast, `{"amount_cents":5000}`, map[string]string{"Idempotency-Key": "fast-topup-1"})
			var fo ticketing.Order
			decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/performances/"+p.ID+"/holds", fast, `{"seats":["Platea/A/3"]}`), http.StatusCreated), &fo)
			mustStatus(t, env.do(t, "POST", "/api/v1/ticket-orders/"+fo.ID+"/pay", fast, `{"method":"wallet"}`), http.StatusOK)

			ev := paymentEvent("evt_late_1", "payment_intent.succeeded", pay.PaymentIntentID, o.TotalCents, "eur",
				map[string]string{cardpay.StripePurposeKey: ticketing.StripePurpose, ticketing.StripeOrderKey: o.ID, cardpay.StripeAccountKey: slowAcct.ID})
			for range 2 {
				if status, body := deliverStripe(t, hub, ev, testWebhookSecret); status != http.StatusOK {
					t.Fatalf("late webhook: %d %s", status, body)
				}
			}
			var late ticketing.Order
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/ticket-orders/"+o.ID, admin, ""), http.StatusOK), &late)
			if late.Status != ticketing.OrderRefundDue {
				t.Fatalf("late order %s", late.Status)
			}
			var mine struct{ Tickets []ticketing.TicketView }
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/tickets", slow, ""), http.StatusOK), &mine)
			if len(mine.Tickets) != 0 {
				t.Fatalf("the late buyer has %d tickets", len(mine.Tickets))
			}
			var st ticketing.SalesStats
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/admin/performances/"+p.ID+"/stats", admin, ""), http.StatusOK), &st)
			if st.Sold != 1 || st.RefundsDue != 1 {
				t.Fatalf("stats %+v", st)
			}
			if a, _ := env.Deps.Wallet.Account(t.Context(), wallet.StripeClearing); a.Balance != 0 {
				t.Fatalf("stripe clearing %d: the refused payment was booked", a.Balance)
			}
			if chk := ledgerCheck(t, env); !chk.OK() {
				t.Fatalf("ledger %+v", chk)
			}
		})
	}
}

// A hold keeps its refusals with its key, as its orders (the API keeps no
// second copy: api.OwnAnswerRoutes): a buyer refused a seat another holds
// is refused again alike, marked replayed, once that hold has expired and
// the seat is free, also by a hub that lost every kept answer; a new key
// then holds the seat.
func TestHoldRefusalIsReplayedAfterTheSeatIsFree(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			env, _, p, _ := ticketingEnv(t, engine)
			var skew atomic.Int64
			env.Deps.Ticketing.SetClock(func() time.Time { return time.Now().Add(time.Duration(skew.Load())) })
			winner, loser := env.login(t, identity.RoleCitizen), env.login(t, identity.RoleCitizen)
			holds := "/api/v1/performances/" + p.ID + "/holds"
			seat := `{"seats":["Platea/A/1"]}`
			var o ticketing.Order
			decodeInto(t, mustStatus(t, send(env.Server, "POST", holds, winner, seat, "Idempotency-Key: w-1"), http.StatusCreated), &o)
			refused := send(env.Server, "POST", holds, loser, seat, "Idempotency-Key: l-1")
			if p := wantProblem(t, refused, http.StatusConflict); p.Reason != "seat_taken" || refused.Header().Get("Idempotent-Replayed") != "" {
				t.Fatalf("a seat another holds: %+v %v", p, refused.Header())
			}
			skew.Store(int64(ticketing.HoldTTL + time.Minute))
			var av ticketing.Availability
			if decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/performances/"+p.ID+"/seats", loser, ""), http.StatusOK), &av); av.Free != len(av.Seats) {
				t.Fatalf("once the hold expired %d of %d seats are free", av.Free, len(av.Seats))
			}
			for name, s := range env.bothHubs() {
				wantReplayOf(t, name+", retry of the refused hold once the seat is free", send(s, "POST", holds, loser, seat, "Idempotency-Key: l-1"), refused)
			}
			mustStatus(t, send(env.Server, "POST", holds, loser, seat, "Idempotency-Key: l-2"), http.StatusCreated)

			// The request's own refusal is kept like the others; a body
			// that is not JSON is answered before the key is read, and
			// again alike, not as a replay (README).
			twice := `{"seats":["Platea/B/1","Platea/B/1"]}`
			first := send(env.Server, "POST", holds, loser, twice, "Idempotency-Key: l-3")
			wantProblem(t, first, http.StatusBadRequest)
			wantReplayOf(t, "retry of a hold of one seat twice", send(env.Server, "POST", holds, loser, twice, "Idempotency-Key: l-3"), first)
			for range 2 {
				res := send(env.Server, "POST", holds, loser, `{"seats":`, "Idempotency-Key: l-4")
				if wantProblem(t, res, http.StatusBadRequest); res.Header().Get("Idempotent-Replayed") != "" {
					t.Fatalf("a body that is not JSON was answered as a replay: %v", res.Header())
				}
			}
		})
	}
}
