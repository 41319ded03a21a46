package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/store/sqlite"
	"cityhub/ticketing"
	"cityhub/vouchers"
)

// BenchmarkVoucherRedeemHTTP redeems distinct vouchers of one campaign
// through the till API (bearer token, the QR code scanned, idempotency key,
// voucher lock, ledger posting, audit entry) with 64 concurrent tills, at
// 50 shops and at one shop, on each engine. Redemptions that arrive
// together are committed in batches (vouchers/redeem_batch.go). Reports
// redemptions/s and p50/p99 latency. Run with a fixed -benchtime=Nx: each
// iteration needs a claimed voucher, made before the timer starts.
func BenchmarkVoucherRedeemHTTP(b *testing.B) {
	for _, engine := range benchEngines {
		for _, shops := range []int{50, 1} {
			b.Run(fmt.Sprintf("%s/shops=%d", engine, shops), func(b *testing.B) { redeemHTTP(b, engine, shops, 0, scanned) })
		}
	}
}

// BenchmarkVoucherRedeemOverLinkHTTP is BenchmarkVoucherRedeemHTTP at 50
// shops with the database behind a link of 2 ms round trip (slowLink):
// batched, and each alone.
func BenchmarkVoucherRedeemOverLinkHTTP(b *testing.B) {
	b.Run("batched", func(b *testing.B) { redeemHTTP(b, overLink, 50, 0, scanned) })
	b.Run("alone", func(b *testing.B) { redeemHTTP(b, overLink, 50, 0, scannedAlone) })
}

// BenchmarkVoucherRedeemAloneHTTP is BenchmarkVoucherRedeemHTTP at 50
// shops on PostgreSQL with batching off, every redemption in a
// transaction of its own: the same run's baseline of what the batches gain.
func BenchmarkVoucherRedeemAloneHTTP(b *testing.B) {
	b.Run("postgres/shops=50", func(b *testing.B) { redeemHTTP(b, "postgres", 50, 0, scannedAlone) })
}

// BenchmarkVoucherRedeemTypedHTTP is BenchmarkVoucherRedeemHTTP at 50
// shops with the vouchers' codes typed instead of scanned (the till's way
// when a phone's screen cannot be read): each is looked up by its hash and
// checked against the failed codes counted for the shop and the address.
func BenchmarkVoucherRedeemTypedHTTP(b *testing.B) {
	for _, engine := range benchEngines {
		b.Run(fmt.Sprintf("%s/shops=50", engine), func(b *testing.B) { redeemHTTP(b, engine, 50, 0, typed) })
	}
}

// BenchmarkRedeemBesideOpenData is BenchmarkVoucherRedeemHTTP at 50 shops
// on PostgreSQL while openReaders anonymous clients read the voucher
// scheme's open statistics over and over (anyone may): the unfriendly
// case of a public page whose every read sums a city's history. It
// reports the redemptions as the other benchmark does and the open
// statistics read meanwhile, per second.
func BenchmarkRedeemBesideOpenData(b *testing.B) {
	redeemHTTP(b, "postgres", 50, openReaders, scanned)
}

// openReaders is how many anonymous clients read the open statistics in
// BenchmarkRedeemBesideOpenData.
const openReaders = 4

// How a benchmark's tills present the vouchers.
const (
	scanned      = iota // the QR code
	scannedAlone        // the QR code, batching off
	typed               // the typed code
)

// redeemHTTP measures redemptions through the till API at shops shops,
// while readers clients read the open statistics, the vouchers presented
// as how says.
func redeemHTTP(b *testing.B, engine string, shops, readers, how int) {
	h := newBenchHub(b, engine)
	addCityHistory(b, h)
	if how == scannedAlone {
		h.vouchers.SetRedemptionBatching(false)
	}
	shopIDs := h.shops(b, shops, "Forno")
	_, bearers := h.accounts(b, shops, "till", identity.RoleMerchant, func(i int) string { return shopIDs[i] })
	n := b.N
	camp := openCampaign(b, h, int64(n)*1000)
	codes, ids := make([]string, n), make([]string, n)
	claimAll(b, h, camp.ID, n, func(i int, v vouchers.VoucherView) { codes[i], ids[i] = v.TypedCode, v.ID })
	if how != typed {
		// Scanned: each voucher's QR token, as its citizen's phone shows
		// it (valid for qrtoken.RotatingTTL, longer than any run).
		_, _, err := runClients(n, func(i int64) error {
			tok, _, _, err := h.vouchers.QRToken(context.Background(), fmt.Sprintf("acc_bench_%d", i), ids[i])
			codes[i] = tok
			return err
		})
		if err != nil {
			b.Fatalf("QR tokens: %v", err)
		}
	}
	stop := h.readOpenStats(b, readers)
	wal := h.walMeter(b)
	cpu := cpuMeter(b)
	elapsed := closedLoop(b, n, "redeem/s", func(i int64) error {
		status, body, err := h.call("POST", "/api/v1/merchant/vouchers/redeem", bearers[i%int64(shops)], fmt.Sprintf("bench-%d", i),
			map[string]any{"code": codes[i], "purchase_cents": 2500})
		if err == nil && status != http.StatusCreated {
			err = fmt.Errorf("redeem: %d %s", status, body)
		}
		return err
	})
	cpu(n)
	wal(n)
	stop()
	if st := h.vouchers.RedemptionBatches(); st.Batches > 0 {
		b.ReportMetric(float64(st.Redemptions)/float64(st.Batches), "per_batch")
		b.ReportMetric(float64(st.Redemptions)/float64(n), "batched_share")
		// The share of the run a batch was being written: near 1, the one
		// batch at a time bounds the rate.
		b.ReportMetric(st.Busy.Seconds()/elapsed.Seconds(), "lane_busy")
		reportLaneSplit(b, st)
	}
	h.checkLedger(b)
}

// readOpenStats starts readers anonymous clients that read the voucher
// scheme's open statistics until the returned func is called, which
// reports how many they read per second.
func (h *benchHub) readOpenStats(b *testing.B, readers int) (stop func()) {
	if readers == 0 {
		return func() {}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: readers}, Timeout: time.Minute}
	done := make(chan struct{})
	var reads atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for range readers {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				res, err := client.Get(h.srv.URL + "/api/v1/open/vouchers/stats")
				if err == nil {
					_, err = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if err == nil && res.StatusCode != http.StatusOK {
						err = fmt.Errorf("open stats: %s", res.Status)
					}
				}
				if err != nil {
					failed.Store(err)
					return
				}
				reads.Add(1)
			}
		})
	}
	return func() {
		close(done)
		wg.Wait()
		if err, _ := failed.Load().(error); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(reads.Load())/time.Since(start).Seconds(), "open_reads/s")
	}
}

func openCampaign(b testing.TB, h *benchHub, budget int64) vouchers.Campaign {
	b.Helper()
	ctx := context.Background()
	camp, err := h.vouchers.CreateCampaign(ctx, benchAdmin, vouchers.Campaign{
		Name: "Bench", BudgetCents: budget, FaceValueCents: 1000, PerCitizenLimit: 100,
		ValidFrom: time.Now().Add(-time.Hour), ValidUntil: time.Now().Add(24 * time.Hour),
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := h.vouchers.SetCampaignStatus(ctx, benchAdmin, camp.ID, vouchers.StatusOpen); err != nil {
		b.Fatal(err)
	}
	return camp
}

// claimAll claims n vouchers of a campaign (100 citizens' worth each) with
// 64 concurrent callers, and returns the wall time.
func claimAll(b testing.TB, h *benchHub, campaignID string, n int, got func(i int, v vouchers.VoucherView)) (time.Duration, *latencies) {
	b.Helper()
	ctx := context.Background()
	elapsed, lat, err := runClients(n, func(i int64) error {
		// A citizen each: a city-wide campaign's rush is many people
		// claiming one voucher each, not one person on 64 devices (whose
		// claims the per-citizen count serializes).
		citizen := identity.Caller{AccountID: fmt.Sprintf("acc_bench_%d", i), Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
		v, err := h.vouchers.Claim(ctx, citizen, campaignID)
		if err == nil {
			got(int(i), v)
		}
		return err
	})
	if err != nil {
		b.Fatalf("claim: %v", err)
	}
	return elapsed, lat
}

// BenchmarkVoucherClaim claims b.N vouchers of one campaign, one per
// citizen, 64 at a time, through the voucher service: each claim shares the
// campaign and reserves the value from the campaign's budget account (the
// floor that stops the campaign paying out more than it has), whose lock is
// held from the reservation, which rides with COMMIT, until the commit is on
// disk. On PostgreSQL the claims that arrive together commit in one
// transaction and share that lock and that flush.
func BenchmarkVoucherClaim(b *testing.B) {
	for _, engine := range benchEngines {
		b.Run(engine, func(b *testing.B) {
			h := newBenchHub(b, engine)
			addCityHistory(b, h)
			camp := openCampaign(b, h, int64(b.N)*1000)
			b.ResetTimer()
			elapsed, lat := claimAll(b, h, camp.ID, b.N, func(int, vouchers.VoucherView) {})
			b.StopTimer()
			h.checkLedger(b)
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "claim/s")
			b.ReportMetric(lat.ms(0.5), "p50_ms")
			b.ReportMetric(lat.ms(0.99), "p99_ms")
		})
	}
}

// BenchmarkVoucherClaimHTTP is BenchmarkVoucherClaim through the API, as a
// citizen's app claims: 64 connections, a citizen each with their own
// bearer token, each claim under an Idempotency-Key (the claim keeps its
// answer with it, and the API keeps no second copy: api.OwnAnswerRoutes).
func BenchmarkVoucherClaimHTTP(b *testing.B) {
	for _, engine := range benchEngines {
		b.Run(engine, func(b *testing.B) {
			h := newBenchHub(b, engine)
			addCityHistory(b, h)
			camp := openCampaign(b, h, int64(b.N)*1000)
			_, bearers := h.accounts(b, b.N, "claimer", identity.RoleCitizen, nil)
			path := "/api/v1/campaigns/" + camp.ID + "/claim"
			wal := h.walMeter(b)
			cpu := cpuMeter(b)
			closedLoop(b, b.N, "claim/s", func(i int64) error {
				status, body, err := h.call("POST", path, bearers[i], fmt.Sprintf("claim-%d", i), nil)
				if err == nil && status != http.StatusCreated {
					err = fmt.Errorf("claim: %d %s", status, body)
				}
				return err
			})
			cpu(b.N)
			wal(b.N)
			h.checkLedger(b)
		})
	}
}

// BenchmarkVoucherClaimRefused is BenchmarkVoucherClaim with one claim in
// ten by one greedy citizen: a hundred of them go through (the per-citizen
// limit), the rest are refused, and every one of them queues on that
// citizen's lock. Claims of a campaign that are refused, or would wait,
// must not hold up the others. Reports claims/s (refusals included).
func BenchmarkVoucherClaimRefused(b *testing.B) {
	for _, engine := range benchEngines {
		b.Run(engine, func(b *testing.B) {
			ctx := context.Background()
			h := newBenchHub(b, engine)
			camp := openCampaign(b, h, int64(b.N)*1000)
			var refused atomic.Int64
			closedLoop(b, b.N, "claim/s", func(i int64) error {
				who := fmt.Sprintf("acc_bench_%d", i)
				if i%10 == 0 {
					who = "acc_bench_greedy"
				}
				_, err := h.vouchers.Claim(ctx, identity.Caller{AccountID: who, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}, camp.ID)
				if apperr.ReasonOf(err) == "per_citizen_limit" {
					refused.Add(1)
					return nil
				}
				return err
			})
			h.checkLedger(b)
			if want := int64(b.N+9)/10 - 100; refused.Load() != max(want, 0) {
				b.Fatalf("%d claims refused, want %d", refused.Load(), max(want, 0))
			}
		})
	}
}

// seatRushBuyers and seatRushSeats: 5,000 buyers for the last 500 seats.
const (
	seatRushBuyers = 5000
	seatRushSeats  = 500
)

// BenchmarkSeatRushHTTP lets 5,000 citizens with credit rush for the last
// 500 seats of a performance through the API, ten for every seat, all at
// once (64 connections to the hub, as a balancer would give): a hold, and
// for the winner payment by credit. Every seat is sold once, every loser
// gets 409 seat_taken, and the ledger check passes. Reports the wall time
// and the p99 of holds, of payments and of the losers' answers. Run with
// -benchtime=1x.
func BenchmarkSeatRushHTTP(b *testing.B) {
	for _, engine := range benchEngines {
		b.Run(engine, func(b *testing.B) { seatRush(b, engine) })
	}
}

func seatRush(b *testing.B, engine string) {
	ctx := context.Background()
	h := newBenchHub(b, engine)
	perf, seats := rushPerformance(b, h, seatRushSeats)
	addTicketHistory(b, h, perf.VenueID, seats)
	buyers, bearers := h.accounts(b, seatRushBuyers, "buyer", identity.RoleCitizen, nil)
	h.credit(b, 5000, buyers)
	var holds, pays, losers latencies
	var sold, lost, failures atomic.Int64
	var wg sync.WaitGroup
	fail := func(what string, status int, body []byte, err error) {
		if failures.Add(1) == 1 {
			b.Errorf("%s: %d %s %v", what, status, body, err)
		}
	}
	begin := make(chan struct{})
	for i := range seatRushBuyers {
		wg.Go(func() {
			<-begin
			seat := seats[i%seatRushSeats].ID
			t0 := time.Now()
			status, body, err := h.call("POST", "/api/v1/performances/"+perf.ID+"/holds", bearers[i], fmt.Sprintf("rush-%d", i), map[string]any{"seats": []string{seat}})
			d := time.Since(t0)
			holds.add(d)
			switch {
			case err != nil:
				fail("hold", status, body, err)
				return
			case status == http.StatusConflict:
				losers.add(d)
				lost.Add(1)
				return
			case status != http.StatusCreated:
				fail("hold", status, body, err)
				return
			}
			var o ticketing.Order
			if err := json.Unmarshal(body, &o); err != nil {
				fail("hold answer", status, body, err)
				return
			}
			t1 := time.Now()
			status, body, err = h.call("POST", "/api/v1/ticket-orders/"+o.ID+"/pay", bearers[i], "", map[string]any{"method": "wallet"})
			pays.add(time.Since(t1))
			if err != nil || status != http.StatusOK {
				fail("pay", status, body, err)
				return
			}
			sold.Add(1)
		})
	}
	b.ResetTimer()
	start := time.Now()
	close(begin)
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if failures.Load() > 0 || sold.Load() != seatRushSeats || lost.Load() != seatRushBuyers-seatRushSeats {
		b.Fatalf("sold %d, lost %d, failed %d", sold.Load(), lost.Load(), failures.Load())
	}
	st, err := h.tickets.Stats(ctx, benchAdmin, perf.ID)
	if err != nil {
		b.Fatal(err)
	}
	if st.Sold != seatRushSeats {
		b.Fatalf("stats say %d seats sold, want %d", st.Sold, seatRushSeats)
	}
	h.checkLedger(b)
	// The theatre's reconciliation, part of every ledger check, alone:
	// beside the city's history (on PostgreSQL, 100,000 past orders and as
	// many entries of theatre revenue) it sums every paid order and every
	// entry of that account.
	t0 := time.Now()
	if ds, err := h.tickets.Reconcile(ctx); err != nil || len(ds) != 0 {
		b.Fatalf("reconcile the theatre: %+v %v", ds, err)
	}
	b.ReportMetric(float64(time.Since(t0).Microseconds())/1000, "reconcile_ms")
	b.ReportMetric(elapsed.Seconds(), "wall_s")
	b.ReportMetric(holds.ms(0.99), "hold_p99_ms")
	b.ReportMetric(pays.ms(0.99), "pay_p99_ms")
	b.ReportMetric(losers.ms(0.99), "loser_p99_ms")
}

// rushPerformance is a performance on sale in a venue of n seats (n even),
// and its seats.
func rushPerformance(b testing.TB, h *benchHub, n int) (ticketing.Performance, []ticketing.Seat) {
	b.Helper()
	ctx := context.Background()
	venue, err := h.tickets.CreateVenue(ctx, benchAdmin, ticketing.Venue{Name: "Teatro Comunale", Address: "Corso Garibaldi 1, Benevento"})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := h.tickets.SetSeatMap(ctx, benchAdmin, venue.ID, ticketing.SeatMap{Sections: []ticketing.Section{{Name: "Platea", Rows: []ticketing.SeatRow{
		{Name: "A", From: 1, To: n / 2, Category: "stalls"}, {Name: "B", From: 1, To: n / 2, Category: "balcony"},
	}}}}); err != nil {
		b.Fatal(err)
	}
	perf, err := h.tickets.CreatePerformance(ctx, benchAdmin, ticketing.Performance{VenueID: venue.ID, Title: "La locandiera",
		StartsAt: time.Now().Add(72 * time.Hour), Prices: map[string]int64{"stalls": 2500, "balcony": 1500}, SalesOpen: time.Now().Add(-time.Hour)})
	if err != nil {
		b.Fatal(err)
	}
	seats, err := h.tickets.Seats(ctx, venue.ID)
	if err != nil || len(seats) != n {
		b.Fatalf("seats: %d %v", len(seats), err)
	}
	return perf, seats
}

// BenchmarkSQLiteSingleRowUpdate is SQLite's baseline: 64 concurrent
// clients, each operation one autocommitted single-row UPDATE on the hub's
// writer connection (in process, as the hub writes).
func BenchmarkSQLiteSingleRowUpdate(b *testing.B) {
	ctx := context.Background()
	db := openBenchStore(b, "sqlite").(*sqlite.DB)
	w := db.Writer()
	if _, err := w.ExecContext(ctx, `CREATE TABLE bench_counters (id INTEGER PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0);
		WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 100000) INSERT INTO bench_counters (id) SELECT i FROM g`); err != nil {
		b.Fatal(err)
	}
	closedLoop(b, b.N, "update/s", func(i int64) error {
		_, err := w.ExecContext(ctx, `UPDATE bench_counters SET n = n + 1 WHERE id = ?`, 1+i*7919%100000)
		return err
	})
}

// shops registers n shops named name 0, name 1, ... and returns their ids.
func (h *benchHub) shops(b testing.TB, n int, name string) []string {
	b.Helper()
	ids := make([]string, n)
	for i := range n {
		shop, err := h.vouchers.CreateShop(context.Background(), benchAdmin, vouchers.Shop{Name: fmt.Sprintf("%s %d", name, i),
			Address: "Via Traiano 3", District: "centro", Category: "food", IBAN: "IT60X0542811101000000123456"})
		if err != nil {
			b.Fatalf("create shop: %v", err)
		}
		ids[i] = shop.ID
	}
	return ids
}

// reportLaneSplit reports what one transaction of the redemption batches
// spent, on average, reading, in the hub between the read and the write
// (the checks and the encoding: the server sees its connection idle in the
// transaction then), writing, and on the rest (begin and commit).
func reportLaneSplit(b *testing.B, st vouchers.BatchStats) {
	if st.Attempts == 0 {
		return
	}
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(st.Attempts) }
	b.ReportMetric(per(st.Read), "lane_read_µs")
	b.ReportMetric(per(st.Judge), "lane_judge_µs")
	b.ReportMetric(per(st.Write), "lane_write_µs")
	b.ReportMetric(per(st.Busy-st.Read-st.Judge-st.Write), "lane_commit_µs")
}
