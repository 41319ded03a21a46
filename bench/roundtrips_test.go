package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/mqtt/mqtttest"
	"cityhub/store/postgres"
	"cityhub/store/storetest"
	"cityhub/ticketing"
	"cityhub/vouchers"
)

// roundTrips records the round trips a PostgreSQL store makes.
type roundTrips struct {
	mu  sync.Mutex
	all []postgres.RoundTrip
	// marked: record only the round trips made with a context marked by
	// opContext (an operation called in process, while the hub's own
	// workers, such as telemetry ingest, use the same store).
	marked bool
}

type opKey struct{}

// opContext marks the round trips of an operation called with it.
func opContext(ctx context.Context) context.Context { return context.WithValue(ctx, opKey{}, true) }

func (r *roundTrips) add(ctx context.Context, rt postgres.RoundTrip) {
	r.mu.Lock()
	// Marked, a statement's preparation is left out too: the hub's workers
	// share the pool, so an operation may get a connection that has not
	// prepared its statements yet, which the counts here assume it has.
	if !r.marked || ctx.Value(opKey{}) != nil && rt.Kind != "prepare" {
		r.all = append(r.all, rt)
	}
	r.mu.Unlock()
}

// during returns the round trips fn made: all of them, or when marked
// only those made with a context from opContext.
func (r *roundTrips) during(marked bool, fn func()) []postgres.RoundTrip {
	r.mu.Lock()
	start := len(r.all)
	r.marked = marked
	r.mu.Unlock()
	fn()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.marked = false
	return append([]postgres.RoundTrip(nil), r.all[start:]...)
}

// describe is one line per round trip, each statement cut to its start.
func describe(rts []postgres.RoundTrip) string {
	var b strings.Builder
	for i, rt := range rts {
		parts := make([]string, len(rt.SQL))
		for j, s := range rt.SQL {
			s = strings.Join(strings.Fields(s), " ")
			if len(s) > 60 {
				s = s[:60] + "…"
			}
			parts[j] = s
		}
		fmt.Fprintf(&b, "\n  %2d %-7s %s", i+1, rt.Kind, strings.Join(parts, " ∥ "))
	}
	return b.String()
}

// TestRoundTrips counts the round trips to PostgreSQL of each hot operation
// (as the hub serves it: keyed API answers kept, e-mails written into the
// outbox, statements already prepared on the connection) and fails when
// one takes more than it did when this test was written, so a lost batch
// shows here before it shows in the benchmarks. Run with -v for the statements of each round trip.
func TestRoundTrips(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a hub on PostgreSQL")
	}
	ctx := context.Background()
	var rec roundTrips
	db, err := postgres.OpenTraced(ctx, storetest.PostgresURL(t), storetest.Logger(t), rec.add)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	// No roll-up in the background: every round trip counted is the
	// operation's own. Operations run one at a time, so the pool hands
	// each the connection the one before used, with its statements
	// prepared.
	h := newBenchHubOn(t, db, false)

	shop, err := h.vouchers.CreateShop(ctx, benchAdmin, vouchers.Shop{Name: "Forno", Address: "Via Traiano 3",
		District: "centro", Category: "food", IBAN: "IT60X0542811101000000123456"})
	if err != nil {
		t.Fatal(err)
	}
	_, tills := h.accounts(t, 1, "till", identity.RoleMerchant, func(int) string { return shop.ID })
	camp := openCampaign(t, h, 1_000_000)
	const warm = 3
	var codes []string
	claim := func(i int) {
		citizen := identity.Caller{AccountID: fmt.Sprintf("acc_rt_%d", i), Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
		v, err := h.vouchers.Claim(ctx, citizen, camp.ID)
		if err != nil {
			t.Fatalf("claim: %v", err)
		}
		codes = append(codes, v.TypedCode)
	}
	redeem := func(i int) {
		status, body, err := h.call("POST", "/api/v1/merchant/vouchers/redeem", tills[0], fmt.Sprintf("rt-%d", i),
			map[string]any{"code": codes[i], "purchase_cents": 2500})
		if err != nil || status != http.StatusCreated {
			t.Fatalf("redeem: %d %s %v", status, body, err)
		}
	}
	// Other vouchers' QR codes, scanned: a redemption alone (batches form
	// only when redemptions arrive together).
	scanned := make([]string, warm+1)
	for i := range scanned {
		who := fmt.Sprintf("acc_rt_scan_%d", i)
		v, err := h.vouchers.Claim(ctx, identity.Caller{AccountID: who, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}, camp.ID)
		if err == nil {
			scanned[i], _, _, err = h.vouchers.QRToken(ctx, who, v.ID)
		}
		if err != nil {
			t.Fatalf("scanned voucher: %v", err)
		}
	}
	scan := func(i int) {
		status, body, err := h.call("POST", "/api/v1/merchant/vouchers/redeem", tills[0], fmt.Sprintf("rt-scan-%d", i),
			map[string]any{"code": scanned[i], "purchase_cents": 2500})
		if err != nil || status != http.StatusCreated {
			t.Fatalf("redeem a scanned code: %d %s %v", status, body, err)
		}
	}
	_, claimants := h.accounts(t, warm+1, "rtclaim", identity.RoleCitizen, nil)
	claimAPI := func(i int) {
		status, body, err := h.call("POST", "/api/v1/campaigns/"+camp.ID+"/claim", claimants[i], fmt.Sprintf("rt-claim-%d", i), nil)
		if err != nil || status != http.StatusCreated {
			t.Fatalf("claim through the API: %d %s %v", status, body, err)
		}
	}
	lb := fillLedgerBench(t, db)
	transfer := func(int) {
		if err := lb.transfer(0); err != nil {
			t.Fatalf("transfer: %v", err)
		}
	}
	perf, seats := rushPerformance(t, h, 2*(warm+1))
	buyers, bearers := h.accounts(t, warm+1, "rtbuyer", identity.RoleCitizen, nil)
	h.credit(t, 100_000, buyers)
	var orders []string
	hold := func(i int) {
		status, body, err := h.call("POST", "/api/v1/performances/"+perf.ID+"/holds", bearers[i], fmt.Sprintf("rt-hold-%d", i),
			map[string]any{"seats": []string{seats[2*i].ID}})
		var o ticketing.Order
		if err == nil && status == http.StatusCreated {
			err = json.Unmarshal(body, &o)
		}
		if err != nil || status != http.StatusCreated {
			t.Fatalf("hold: %d %s %v", status, body, err)
		}
		orders = append(orders, o.ID)
	}
	pay := func(i int) {
		status, body, err := h.call("POST", "/api/v1/ticket-orders/"+orders[i]+"/pay", bearers[i], "", map[string]any{"method": "wallet"})
		if err != nil || status != http.StatusOK {
			t.Fatalf("pay: %d %s %v", status, body, err)
		}
	}
	lose := func(i int) {
		// The seat next to the one held by buyer i is taken by buyer i's
		// hold; another buyer asks for it and is told at once.
		status, body, err := h.call("POST", "/api/v1/performances/"+perf.ID+"/holds", bearers[(i+1)%len(bearers)], fmt.Sprintf("rt-lose-%d", i),
			map[string]any{"seats": []string{seats[2*i].ID}})
		if err != nil || status != http.StatusConflict {
			t.Fatalf("losing hold: %d %s %v", status, body, err)
		}
	}
	// Rides: a rider's unlock (the station answers over the embedded
	// broker) and the end of the ride as the docked report ends it, with
	// the fare charged. Each rider starts one ride and ends it.
	broker := mqtttest.StartEmbedded(t)
	bikes := mobilitytest.New(t, db, broker.URL(), mobilitytest.Options{Stations: 2, Docks: 6})
	var rides []mobility.Ride
	riders := make([]string, warm+1)
	for i := range riders {
		riders[i] = bikes.Rider(t, 10_000)
	}
	unlock := func(i int) {
		r, err := bikes.Svc.Unlock(opContext(ctx), mobilitytest.Citizen(riders[i]), mobility.UnlockRequest{StationID: bikes.Stations[0].ID, Dock: i + 1})
		if err != nil {
			t.Fatalf("unlock: %v", err)
		}
		rides = append(rides, r)
	}
	endRide := func(i int) {
		r, ended, err := bikes.Svc.EndRide(opContext(ctx), identity.System(), rides[i].BikeID, bikes.Stations[1].ID, i+1, time.Now().Add(10*time.Minute))
		if err != nil || !ended || r.FareCents <= 0 {
			t.Fatalf("end ride: %+v %v %v", r, ended, err)
		}
	}
	ops := []struct {
		name string
		run  func(i int)
		// inProcess: called with opContext; only its own round trips
		// count (the hub's telemetry workers share the store).
		inProcess bool
		// max is what the operation took when this was written (before
		// BEGIN and COMMIT rode with statements, and writes with reads:
		// claim 8, redemption 18, transfer 4, hold 21, lost hold 14,
		// payment 16).
		max int
	}{
		{"voucher claim (service)", claim, false, 2},
		// 6 while the API also kept a claim's answer (a claim before, the
		// answer after), 4 when the claim kept its own but claimed its key
		// in a round trip of its own; the key now rides with the reads.
		{"voucher claim (citizen API)", claimAPI, false, 3},
		// 7 while the API also kept a redemption's answer (a claim before,
		// the answer after): the operation keeps its own since 2 December
		// 2026; 5 until its key rode with its reads; 4 until the voucher's
		// update had its row count judged by the server and the posting
		// rode with the COMMIT.
		{"voucher redemption (till API, typed code)", redeem, false, 3},
		{"voucher redemption (till API, scanned code, alone)", scan, false, 3},
		{"ledger transfer (wallet.Service.Post)", transfer, false, 1},
		// 8 and 6 while the API also kept a hold's answer (a claim before,
		// the answer after) and the key was claimed in a round trip of its
		// own: a hold keeps its own answers, refusals too, and its key
		// rides with its reads, since 2 December 2026; 5 until the buyer's
		// lock and held count went with the reads and the seats' claims
		// with the COMMIT.
		{"seat hold (API)", hold, false, 3},
		{"seat hold lost (API)", lose, false, 3},
		// 6 without e-mails, 10 with them (the receipt's rows were written
		// one round trip each, and its buyer and venue read), until the
		// order's reads went in one batch and its writes, the posting
		// included, with the COMMIT.
		{"order paid by credit (API)", pay, false, 3},
		// 10, or 11 when the station's answer also changes what the hub
		// knows of the station (a dock's state), which it writes then
		// (18 or 19 when the unlock's checks read one row per round trip;
		// one more each until the ride's update rode with the COMMIT).
		{"ride start (unlock, station answers)", unlock, true, 11},
		// 4 until the fare's posting and the ride's update rode with the
		// COMMIT.
		{"ride end (docked, fare charged)", endRide, true, 2},
	}
	for _, op := range ops {
		for i := range warm {
			op.run(i)
		}
		rts := rec.during(op.inProcess, func() { op.run(warm) })
		t.Logf("%s: %d round trips%s", op.name, len(rts), describe(rts))
		if len(rts) > op.max {
			t.Errorf("%s: %d round trips, at most %d expected", op.name, len(rts), op.max)
		}
	}
}
