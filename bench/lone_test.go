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
func BenchmarkLoneRequestHTTP(b *testing.B) {
	ctx := context.Background()
	b.Run("redeem", func(b *testing.B) {
		h := newBenchHub(b, "postgres")
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
		h := newBenchHub(b, "postgres")
		camp := openCampaign(b, h, int64(b.N)*1000)
		_, citizens := h.accounts(b, b.N, "loneclaim", identity.RoleCitizen, nil)
		lone(b, func(i int) error {
			return h.expect(http.StatusCreated, "POST", "/api/v1/campaigns/"+camp.ID+"/claim", citizens[i], fmt.Sprintf("lone-claim-%d", i), nil)
		})
		h.checkLedger(b)
	})
	b.Run("pay", func(b *testing.B) {
		h := newBenchHub(b, "postgres")
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
