package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime/metrics"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/keyring"
	"cityhub/logwriter"
	"cityhub/mail"
	"cityhub/store"
	"cityhub/store/postgres"
	"cityhub/store/storetest"
	"cityhub/ticketing"
	"cityhub/vouchers"
	"cityhub/wallet"
	"cityhub/web"
)

// benchEngines are the engines the hub benchmarks run on, each with its
// own baseline in the same run.
var benchEngines = []string{"postgres", "sqlite"}

// benchAdmin is the caller that sets up campaigns, shops and venues.
var benchAdmin = identity.Caller{AccountID: "acc_bench_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}

// benchHub is a hub on a fresh store behind an HTTP test server, with the
// ledger roll-up running in the background as `cityhub serve` runs it.
type benchHub struct {
	db       store.DB
	ids      *identity.Service
	wallet   *wallet.Service
	vouchers *vouchers.Service
	tickets  *ticketing.Service
	srv      *httptest.Server
	client   *http.Client // with CITYHUB_BENCH_TILLS=go
	tills    *tills       // otherwise
}

// openBenchStore opens a fresh store; on PostgreSQL its ledger holds a
// city's accounts (addCityAccounts).
func openBenchStore(b testing.TB, engine string) store.DB {
	b.Helper()
	if engine == "sqlite" {
		return storetest.OpenSQLite(b)
	}
	if engine == overLink {
		return openBenchPostgres(b, 2*time.Millisecond)
	}
	return openBenchPostgres(b, 0)
}

// openBenchPostgres opens a fresh PostgreSQL store whose ledger holds a
// city's accounts, reached through slowLink with round trip rtt, or
// directly when rtt is 0.
func openBenchPostgres(b testing.TB, rtt time.Duration) *postgres.DB {
	b.Helper()
	u, err := url.Parse(storetest.PostgresURL(b) + "&pool_max_conns=" + fmt.Sprint(voucherPoolConns))
	if err != nil {
		b.Fatal(err)
	}
	if rtt > 0 {
		if u.Host == "" {
			b.Skip("the slow link needs a database reached over TCP")
		}
		u.Host = slowLink(b, u.Host, rtt)
	}
	db, err := postgres.Open(context.Background(), u.String(), storetest.Logger(b))
	if err != nil {
		b.Fatalf("open postgres: %v", err)
	}
	b.Cleanup(func() { db.Close() })
	addCityAccounts(b, db)
	return db
}

func newBenchHub(b testing.TB, engine string) *benchHub {
	b.Helper()
	return newBenchHubOn(b, openBenchStore(b, engine), true)
}

// newBenchHubOn is a hub on db; rollUp runs the roll-up in the background.
// Keyed API answers are kept in db, as `cityhub serve` keeps them.
func newBenchHubOn(b testing.TB, db store.DB, rollUp bool) *benchHub {
	b.Helper()
	ctx := context.Background()
	keys, err := keyring.Load(ctx, db.Keyring(), "")
	if err != nil {
		b.Fatal(err)
	}
	h := &benchHub{db: db}
	h.ids = identity.NewService(db.Identity(), keys, identity.Options{Issuer: "http://bench", Argon2: identity.FastArgon2}, nil)
	h.wallet = wallet.NewService(db.Wallet(), storetest.Logger(b))
	if err := h.wallet.Setup(ctx); err != nil {
		b.Fatal(err)
	}
	h.vouchers = vouchers.NewService(db.Vouchers(), keys, nil)
	// The check every benchmark ends with reconciles the vouchers' and the
	// theatre's records with their accounts, as the hub's does (the
	// benchmarks' hub has no card payments or rides to reconcile).
	h.wallet.RegisterReconciler("vouchers", h.vouchers)
	h.tickets = ticketing.NewService(db.Ticketing(), keys, nil)
	h.wallet.RegisterReconciler("ticketing", h.tickets)
	// E-mails are written into the outbox with what causes them, as
	// `cityhub serve` does: their statements are the operations' own.
	composer, err := mail.NewComposer("http://bench")
	if err != nil {
		b.Fatal(err)
	}
	h.vouchers.SendEmails(composer)
	h.tickets.SendEmails(composer)
	h.srv = httptest.NewServer(web.New(web.Deps{Identity: h.ids, Keys: keys, Vouchers: h.vouchers, Wallet: h.wallet, Ticketing: h.tickets,
		Answers: db.Answers(), Log: requestLog(b)}))
	if goTills() {
		h.client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: voucherClients, MaxConnsPerHost: voucherClients}, Timeout: tillTimeout}
	} else if h.tills, err = newTills(h.srv.URL, voucherClients); err != nil {
		b.Fatal(err)
	}
	closeSrv := func() {
		if h.tills != nil {
			h.tills.close()
		}
		h.srv.Close()
	}
	if !rollUp {
		b.Cleanup(closeSrv)
		return h
	}
	rollCtx, stop := context.WithCancel(ctx)
	rolled := make(chan struct{})
	go func() { defer close(rolled); h.wallet.RunRollUp(rollCtx, wallet.RollUpEvery) }()
	b.Cleanup(func() { closeSrv(); stop(); <-rolled })
	return h
}

// requestLog is the hub's log as `cityhub serve` writes it by default
// (text, level info: a line for every request, through a
// logwriter.Writer) into a file of the run's, as a hub's standard error
// reaches a file or a log collector: each request pays for its line.
// CITYHUB_BENCH_REQUEST_LOG=off discards it, to measure what the line
// costs; =direct writes each line from the request's goroutine, under the
// handler's lock, as the hub did before logwriter.
func requestLog(b testing.TB) *slog.Logger {
	b.Helper()
	how := os.Getenv("CITYHUB_BENCH_REQUEST_LOG")
	if how == "off" {
		return slog.New(slog.DiscardHandler)
	}
	f, err := os.Create(filepath.Join(b.TempDir(), "hub.log"))
	if err != nil {
		b.Fatal(err)
	}
	// Registered before the writer's Close, so run after it (cleanups run
	// last first): the file is closed once its lines are written out.
	b.Cleanup(func() { f.Close() })
	var w io.Writer = f
	if how != "direct" {
		lw := logwriter.New(f, 0)
		w = lw
		b.Cleanup(func() { lw.Close() })
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// accounts creates n accounts with role (scoped to scope(i) when given) and
// returns their ids and bearer tokens.
func (h *benchHub) accounts(b testing.TB, n int, prefix string, role identity.Role, scope func(i int) string) ([]string, []string) {
	b.Helper()
	ctx := context.Background()
	ids, bearers := make([]string, n), make([]string, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for w := range 16 {
		wg.Go(func() {
			for i := w; i < n; i += 16 {
				g := identity.Grant{Role: role}
				if scope != nil {
					g.Scope = scope(i)
				}
				a, err := h.ids.CreateAccount(ctx, benchAdmin, identity.NewAccount{Email: fmt.Sprintf("%s%d@example.org", prefix, i),
					Password: "correct horse battery", Name: fmt.Sprintf("%s %d", prefix, i), Grants: []identity.Grant{g}})
				var tok string
				if err == nil {
					tok, _, err = h.ids.SignAccessToken(a.ID, time.Now())
				}
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				ids[i], bearers[i] = a.ID, "Bearer "+tok
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		b.Fatalf("create accounts: %v", firstErr)
	}
	return ids, bearers
}

// credit gives each account cents of credit from the city's funding.
func (h *benchHub) credit(b testing.TB, cents int64, accountIDs []string) {
	b.Helper()
	ctx := context.Background()
	for start := 0; start < len(accountIDs); start += 250 {
		batch := accountIDs[start:min(start+250, len(accountIDs))]
		err := h.db.Wallet().InTx(ctx, func(tx wallet.Tx) error {
			for _, id := range batch {
				if err := wallet.OpenCitizen(ctx, tx, id); err != nil {
					return err
				}
				if _, err := wallet.Post(ctx, tx, wallet.Transaction{Key: "bench:credit:" + id, Kind: "bench.credit", Entries: []wallet.Entry{
					{Account: wallet.CityFunding, Amount: -cents}, {Account: wallet.CitizenAccount(id), Amount: cents}}}, time.Now()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatalf("credit: %v", err)
		}
	}
}

// call sends one JSON request and returns its status and body.
func (h *benchHub) call(method, path, bearer, key string, body any) (int, []byte, error) {
	var buf []byte
	if body != nil {
		var err error
		if buf, err = json.Marshal(body); err != nil {
			return 0, nil, err
		}
	}
	if h.tills != nil {
		return h.tills.do(method, path, bearer, key, buf)
	}
	var r io.Reader
	if buf != nil {
		r = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, r)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", bearer)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := h.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	return res.StatusCode, out, err
}

// checkLedger fails b unless the ledger check passes.
func (h *benchHub) checkLedger(b testing.TB) {
	b.Helper()
	c, err := h.wallet.Check(context.Background())
	if err != nil || !c.OK() {
		b.Fatalf("ledger check: %+v %v", c, err)
	}
}

// latencies collects per-request durations from many goroutines.
type latencies struct {
	mu  sync.Mutex
	all []time.Duration
	// events, kept only with CITYHUB_BENCH_TIMELINE set: each request's
	// start, from the run's, its latency, and the garbage collections
	// that ended meanwhile.
	events []timed
}

type timed struct {
	start, took time.Duration
	gcs         uint64
}

func (l *latencies) add(d time.Duration) { l.mu.Lock(); l.all = append(l.all, d); l.mu.Unlock() }

func (l *latencies) addTimed(e timed) {
	l.mu.Lock()
	l.all = append(l.all, e.took)
	l.events = append(l.events, e)
	l.mu.Unlock()
}

// writeTimeline writes the run's requests, one a line ("start_µs
// latency_µs collections"), in the file CITYHUB_BENCH_TIMELINE names, if
// any: where in a run its slowest requests were, and whether a garbage
// collection ended while they waited, says what made them slow
// (bench/README.md, "Where the p99 goes"). Each benchmark run writes the
// same file: the last one run is what it holds.
func (l *latencies) writeTimeline(b *testing.B) {
	name := os.Getenv("CITYHUB_BENCH_TIMELINE")
	if name == "" {
		return
	}
	var out bytes.Buffer
	l.mu.Lock()
	for _, e := range l.events {
		fmt.Fprintf(&out, "%d %d %d\n", e.start.Microseconds(), e.took.Microseconds(), e.gcs)
	}
	l.mu.Unlock()
	if err := os.WriteFile(name, out.Bytes(), 0o644); err != nil {
		b.Fatalf("write the timeline: %v", err)
	}
}

// gcCycles is how many garbage collections this process has finished.
func gcCycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// quantile in milliseconds (0 when empty).
func (l *latencies) ms(q float64) float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.all) == 0 {
		return 0
	}
	s := slices.Clone(l.all)
	slices.Sort(s)
	return float64(s[min(len(s)-1, int(float64(len(s))*q))].Microseconds()) / 1000
}

// closedLoop runs op for i = 0..n-1 (runClients) between the timer's reset
// and its stop. It reports per/s (as unit) and the p50 and p99 latency, and
// fails b with op's first error. It returns the wall time.
func closedLoop(b *testing.B, n int, unit string, op func(i int64) error) time.Duration {
	b.Helper()
	b.ResetTimer()
	elapsed, lat, err := runClients(n, op)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	lat.writeTimeline(b)
	b.ReportMetric(float64(n)/elapsed.Seconds(), unit)
	b.ReportMetric(lat.ms(0.5), "p50_ms")
	b.ReportMetric(lat.ms(0.99), "p99_ms")
	return elapsed
}

// walMeter starts counting the write-ahead log PostgreSQL writes, the
// whole server's, and returns what reports it per op: the log is what
// every change costs the disk and any replica, and unlike a rate it does
// not move with what else the machine's CPUs do. On SQLite it reports
// nothing.
func (h *benchHub) walMeter(b *testing.B) (report func(ops int)) {
	b.Helper()
	db, ok := h.db.(*postgres.DB)
	if !ok {
		return func(int) {}
	}
	return walMeter(b, db)
}

// walMeter reports the log db's server wrote from now until report is
// called, per operation (wal_B/op, wal_pages/op). It is the whole server's
// log: nothing else may use the server during a run. The bytes come from
// the log's insert position and are exact; the whole pages come from the
// server's statistics, which each connection publishes about once a
// second, so for runs of a few seconds they are approximate.
func walMeter(b *testing.B, db *postgres.DB) (report func(ops int)) {
	b.Helper()
	ctx := context.Background()
	var start string
	var fpi int64
	if err := db.Pool().QueryRow(ctx, `SELECT pg_current_wal_insert_lsn()::text, wal_fpi FROM pg_stat_wal`).Scan(&start, &fpi); err != nil {
		b.Fatalf("read the log's position: %v", err)
	}
	return func(ops int) {
		if ops <= 0 {
			return // a run that failed before its first operation
		}
		var bytes float64
		var fpiNow int64
		if err := db.Pool().QueryRow(ctx, `SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), $1::pg_lsn), wal_fpi FROM pg_stat_wal`, start).Scan(&bytes, &fpiNow); err != nil {
			b.Fatalf("read the log's position: %v", err)
		}
		b.ReportMetric(bytes/float64(ops), "wal_B/op")
		// Whole pages copied into the log, the first change of each page
		// after a checkpoint: what a redemption's log holds besides its rows.
		b.ReportMetric(float64(fpiNow-fpi)/float64(ops), "wal_pages/op")
	}
}

// runClients runs op for i = 0..n-1 from voucherClients concurrent
// clients, each taking the next i as soon as its last op returned. It
// returns the wall time, every op's latency, and how many failed with the
// first failure.
func runClients(n int, op func(i int64) error) (time.Duration, *latencies, error) {
	var next, failures atomic.Int64
	var lat latencies
	var first atomic.Value
	var wg sync.WaitGroup
	timeline := os.Getenv("CITYHUB_BENCH_TIMELINE") != ""
	start := time.Now()
	for range voucherClients {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				var gc0 uint64
				if timeline {
					gc0 = gcCycles()
				}
				t0 := time.Now()
				err := op(i)
				if timeline {
					lat.addTimed(timed{start: t0.Sub(start), took: time.Since(t0), gcs: gcCycles() - gc0})
				} else {
					lat.add(time.Since(t0))
				}
				if err != nil && failures.Add(1) == 1 {
					first.Store(err)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if f := failures.Load(); f > 0 {
		return elapsed, &lat, fmt.Errorf("%d of %d failed, the first: %v", f, n, first.Load())
	}
	return elapsed, &lat, nil
}
