package bench

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"cityhub/qrtoken"
	"cityhub/store/postgres"
	"cityhub/store/storetest"
)

// voucherClients is the number of concurrent tills in the redemption
// benchmark; run-vouchers.sh gives pgbench the same number of clients.
const voucherClients = 64

// openVoucherBenchDB opens PostgreSQL in a fresh schema with a pool as large
// as the number of clients, so the hub is not held back by its pool.
func openVoucherBenchDB(b *testing.B) *postgres.DB {
	b.Helper()
	url := storetest.PostgresURL(b) + "&pool_max_conns=" + fmt.Sprint(voucherPoolConns)
	db, err := postgres.Open(context.Background(), url, storetest.Logger(b))
	if err != nil {
		b.Fatalf("open postgres: %v", err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// BenchmarkPGSingleRowUpdate is the in-process baseline: the same
// PostgreSQL, 64 concurrent clients, each operation one autocommitted
// single-row UPDATE (what pgbench -N's core does), through pgx.
func BenchmarkPGSingleRowUpdate(b *testing.B) {
	ctx := context.Background()
	db := openVoucherBenchDB(b)
	pool := db.Pool()
	if _, err := pool.Exec(ctx, `CREATE TABLE bench_counters (id INTEGER PRIMARY KEY, n BIGINT NOT NULL DEFAULT 0);
		INSERT INTO bench_counters (id) SELECT generate_series(1, 100000)`); err != nil {
		b.Fatal(err)
	}
	closedLoop(b, b.N, "update/s", func(i int64) error {
		_, err := pool.Exec(ctx, `UPDATE bench_counters SET n = n + 1 WHERE id = $1`, 1+i*7919%100000)
		return err
	})
}

// BenchmarkQRVerify is what a till and the hub pay per scanned token:
// decoding, layout checks, key look-up and the signature. The hub, which
// holds the current private key, signs the body again and compares
// (qrtoken: signatureHolds); a till holds only the public key and verifies.
func BenchmarkQRVerify(b *testing.B) {
	hub, till, tok, now := qrKeys(b)
	for name, keys := range map[string]qrtoken.Keys{"hub": hub, "till": till} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := qrtoken.Verify(keys, tok, qrtoken.KindVoucher, now, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// qrKeys is a hub's QR key set, a till's (its public key only) and a token
// the hub signed.
func qrKeys(b *testing.B) (hub, till *qrtoken.MemKeys, tok string, now time.Time) {
	hub, till = qrtoken.NewMemKeys(), qrtoken.NewMemKeys()
	till.AddPublic("qr-AbCdEfGhIjKl", qrtoken.Purpose, hub.Generate("qr-AbCdEfGhIjKl", qrtoken.Purpose))
	now = time.Now()
	tok, err := qrtoken.Sign(hub, qrtoken.KindVoucher, "vch_7z3kq9m2x4hbtzc0r5n8p1wyd6", now.Add(time.Minute))
	if err != nil {
		b.Fatal(err)
	}
	return hub, till, tok, now
}

// BenchmarkEd25519Verify is the baseline: the signature check alone, on a
// message as long as a voucher token's signed part.
func BenchmarkEd25519Verify(b *testing.B) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	msg := make([]byte, 8+15+30)
	sig := ed25519.Sign(priv, msg)
	b.ResetTimer()
	for b.Loop() {
		if !ed25519.Verify(pub, msg, sig) {
			b.Fatal("verify failed")
		}
	}
}

// voucherPoolConns is the hub's database pool in the benchmark: the hub's
// default (16), not one connection per client; fewer backends contending for
// two CPUs finish each transaction sooner.
var voucherPoolConns = 16

// BenchmarkQRVerifyVsEd25519 interleaves a till's token verification, the
// hub's (which signs again and compares) and a bare ed25519.Verify of a
// message of the same length in every iteration, so that all three see the
// same machine load, and reports their cost ratios (qr_over_ed25519: 1.0
// means the token format adds nothing to a till's check; hub_over_ed25519:
// the hub's check against a verification).
func BenchmarkQRVerifyVsEd25519(b *testing.B) {
	hub, till, tok, now := qrKeys(b)
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	msg := make([]byte, 8+15+30)
	sig := ed25519.Sign(priv, msg)
	var tillTime, hubTime, edTime time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := qrtoken.Verify(till, tok, qrtoken.KindVoucher, now, 0); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := qrtoken.Verify(hub, tok, qrtoken.KindVoucher, now, 0); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		if !ed25519.Verify(pub, msg, sig) {
			b.Fatal("verify failed")
		}
		t3 := time.Now()
		tillTime += t1.Sub(t0)
		hubTime += t2.Sub(t1)
		edTime += t3.Sub(t2)
	}
	b.ReportMetric(float64(tillTime)/float64(edTime), "qr_over_ed25519")
	b.ReportMetric(float64(hubTime)/float64(edTime), "hub_over_ed25519")
	b.ReportMetric(float64(b.N)/tillTime.Seconds(), "qr_verify/s")
	b.ReportMetric(float64(b.N)/hubTime.Seconds(), "hub_qr_verify/s")
	b.ReportMetric(float64(b.N)/edTime.Seconds(), "ed25519/s")
}
