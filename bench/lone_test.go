package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/ticketing"
)

// BenchmarkLoneRequestHTTP times requests that each find the hub idle, one
// after the other, on PostgreSQL: a voucher redeemed (its QR code scanned:
// alone, no batch forms), a voucher claimed and a held order paid with
// credit, all through the API with e-mails written as serve writes them.
// Under load the machine's CPUs bound the rates; alone, a request waits
// for its round trips to the database one after the other, and that wait
// is what this measures (p50 and p99 of b.N requests of each kind). Run
// with a fixed -benchtime=Nx: each request needs what it acts on made
// before the timer starts.
//
// Each runs twice: on loopback, and with the database behind a link of
// 2 ms round trip (slowLink; a database in another zone), where each
// round trip a request makes costs what it would across a network. Beside
// them, the same link's baseline: one autocommitted single-row UPDATE (one
// round trip and a commit). The difference a link makes to a request,
// divided by the difference it makes to the UPDATE, is how many round
// trips the request waited for.
func BenchmarkLoneRequestHTTP(b *testing.B) {
	for _, link := range []struct {
		name string
		rtt  time.Duration
	}{{"loopback", 0}, {"rtt=2ms", 2 * time.Millisecond}} {
		b.Run(link.name, func(b *testing.B) { loneRequests(b, link.rtt) })
	}
}

func loneRequests(b *testing.B, rtt time.Duration) {
	ctx := context.Background()
	b.Run("update", func(b *testing.B) {
		db := openBenchPostgres(b, rtt)
		if _, err := db.Pool().Exec(ctx, `CREATE TABLE lone_bare (id INTEGER PRIMARY KEY, n BIGINT NOT NULL DEFAULT 0);
			INSERT INTO lone_bare (id) SELECT generate_series(0, 999)`); err != nil {
			b.Fatal(err)
		}
		lone(b, func(i int) error {
			_, err := db.Pool().Exec(ctx, `UPDATE lone_bare SET n = n + 1 WHERE id = $1`, i%1000)
			return err
		})
	})
	b.Run("redeem", func(b *testing.B) {
		h := newBenchHubOn(b, openBenchPostgres(b, rtt), true)
		shop := h.shops(b, 1, "Forno")
		_, tills := h.accounts(b, 1, "lonetill", identity.RoleMerchant, func(int) string { return shop[0] })
		camp := openCampaign(b, h, int64(b.N)*1000)
		codes := make([]string, b.N)
		for i := range codes {
			who := fmt.Sprintf("acc_lone_%d", i)
			v, err := h.vouchers.Claim(ctx, identity.Caller{AccountID: who, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}, camp.ID)
			if err == nil {
				codes[i], _, _, err = h.vouchers.QRToken(ctx, who, v.ID)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		lone(b, func(i int) error {
			return h.expect(http.StatusCreated, "POST", "/api/v1/merchant/vouchers/redeem", tills[0], fmt.Sprintf("lone-redeem-%d", i),
				map[string]any{"code": codes[i], "purchase_cents": 2500})
		})
		h.checkLedger(b)
	})
	b.Run("claim", func(b *testing.B) {
		h := newBenchHubOn(b, openBenchPostgres(b, rtt), true)
		camp := openCampaign(b, h, int64(b.N)*1000)
		_, citizens := h.accounts(b, b.N, "loneclaim", identity.RoleCitizen, nil)
		lone(b, func(i int) error {
			return h.expect(http.StatusCreated, "POST", "/api/v1/campaigns/"+camp.ID+"/claim", citizens[i], fmt.Sprintf("lone-claim-%d", i), nil)
		})
		h.checkLedger(b)
	})
	b.Run("pay", func(b *testing.B) {
		h := newBenchHubOn(b, openBenchPostgres(b, rtt), true)
		perf, seats := rushPerformance(b, h, 2*((b.N+1)/2))
		buyers, bearers := h.accounts(b, b.N, "lonebuyer", identity.RoleCitizen, nil)
		h.credit(b, 100_000, buyers)
		orders := make([]string, b.N)
		for i := range orders {
			status, body, err := h.call("POST", "/api/v1/performances/"+perf.ID+"/holds", bearers[i], fmt.Sprintf("lone-hold-%d", i),
				map[string]any{"seats": []string{seats[i].ID}})
			var o ticketing.Order
			if err == nil && status == http.StatusCreated {
				err = json.Unmarshal(body, &o)
			} else if err == nil {
				err = fmt.Errorf("hold: %d %s", status, body)
			}
			if err != nil {
				b.Fatal(err)
			}
			orders[i] = o.ID
		}
		lone(b, func(i int) error {
			return h.expect(http.StatusOK, "POST", "/api/v1/ticket-orders/"+orders[i]+"/pay", bearers[i], "", map[string]any{"method": "wallet"})
		})
		h.checkLedger(b)
	})
}

// lone runs op for i = 0..b.N-1, one at a time, and reports the p50 and
// p99 of their latencies in microseconds.
func lone(b *testing.B, op func(i int) error) {
	b.Helper()
	var lat latencies
	b.ResetTimer()
	for i := range b.N {
		t0 := time.Now()
		err := op(i)
		lat.add(time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(lat.ms(0.5)*1000, "p50_µs")
	b.ReportMetric(lat.ms(0.99)*1000, "p99_µs")
}

// expect calls the API and fails unless it answers status.
func (h *benchHub) expect(status int, method, path, bearer, key string, body any) error {
	got, answer, err := h.call(method, path, bearer, key, body)
	if err == nil && got != status {
		err = fmt.Errorf("%s %s: %d %s", method, path, got, answer)
	}
	return err
}
