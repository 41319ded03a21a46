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

// BenchmarkQRVerify is what a till (or the hub) pays per scanned token:
// decoding, layout checks, key look-up and the signature.
func BenchmarkQRVerify(b *testing.B) {
	keys := qrtoken.NewMemKeys()
	keys.Generate("qr-AbCdEfGhIjKl", qrtoken.Purpose)
	now := time.Now()
	tok, err := qrtoken.Sign(keys, qrtoken.KindVoucher, "vch_7z3kq9m2x4hbtzc0r5n8p1wyd6", now.Add(time.Minute))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := qrtoken.Verify(keys, tok, qrtoken.KindVoucher, now, 0); err != nil {
			b.Fatal(err)
		}
	}
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

// BenchmarkQRVerifyVsEd25519 interleaves a full token verification and a
// bare ed25519.Verify of a message of the same length in every iteration,
// so that both see the same machine load, and reports their cost ratio
// (qr_over_ed25519: 1.0 means the token format adds nothing).
func BenchmarkQRVerifyVsEd25519(b *testing.B) {
	keys := qrtoken.NewMemKeys()
	keys.Generate("qr-AbCdEfGhIjKl", qrtoken.Purpose)
	now := time.Now()
	tok, err := qrtoken.Sign(keys, qrtoken.KindVoucher, "vch_7z3kq9m2x4hbtzc0r5n8p1wyd6", now.Add(time.Minute))
	if err != nil {
		b.Fatal(err)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	msg := make([]byte, 8+15+30)
	sig := ed25519.Sign(priv, msg)
	var qrTime, edTime time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := qrtoken.Verify(keys, tok, qrtoken.KindVoucher, now, 0); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if !ed25519.Verify(pub, msg, sig) {
			b.Fatal("verify failed")
		}
		t2 := time.Now()
		qrTime += t1.Sub(t0)
		edTime += t2.Sub(t1)
	}
	b.ReportMetric(float64(qrTime)/float64(edTime), "qr_over_ed25519")
	b.ReportMetric(float64(b.N)/qrTime.Seconds(), "qr_verify/s")
	b.ReportMetric(float64(b.N)/edTime.Seconds(), "ed25519/s")
}
