package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"cityhub/store"
	"cityhub/store/sqlite"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

// TestBackupDuringTransfersRestoresACommittedState backs up the embedded
// database with the real command while wallet transfers commit on it, then
// restores the copy into a new data directory. The restored ledger must
// pass its check and hold exactly the transactions committed up to one
// moment: every transfer that had committed before the backup began, none
// that had not begun when it ended, and the same entries as the live
// database up to the copy's last one (the single writer commits entries in
// id order, so a consistent copy is a prefix of the live history).
func TestBackupDuringTransfersRestoresACommittedState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	live, err := sqlite.Open(ctx, filepath.Join(dir, store.SQLiteFile), storetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	svc := wallet.NewService(live.Wallet(), storetest.Logger(t))
	if err := svc.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	const clients = 4
	err = live.Wallet().InTx(ctx, func(tx wallet.Tx) error {
		for i := range clients {
			if err := wallet.OpenCitizen(ctx, tx, fmt.Sprintf("c%d", i)); err != nil {
				return err
			}
		}
		return tx.EnsureAccount(ctx, wallet.Account{ID: wallet.CityFunding, Kind: wallet.KindCityFunding})
	})
	if err != nil {
		t.Fatal(err)
	}

	// Each client moves a cent from the city to its citizen, over and over,
	// until the backup is done; committed records each key once Post returns.
	var (
		mu        sync.Mutex
		committed = map[string]bool{}
		stop      atomic.Bool
		wg        sync.WaitGroup
		seq       atomic.Int64
		loadErr   atomic.Value
	)
	enough := make(chan struct{})
	var once sync.Once
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				key := fmt.Sprintf("load-%d", seq.Add(1))
				_, err := svc.Post(ctx, wallet.Transaction{Key: key, Kind: "test.transfer", Entries: []wallet.Entry{
					{Account: wallet.CityFunding, Amount: -1}, {Account: wallet.CitizenAccount(fmt.Sprintf("c%d", i)), Amount: 1},
				}})
				if err != nil {
					loadErr.Store(err)
					return
				}
				mu.Lock()
				committed[key] = true
				n := len(committed)
				mu.Unlock()
				if n >= 200 {
					once.Do(func() { close(enough) })
				}
			}
		}()
	}
	<-enough
	mu.Lock()
	before := make(map[string]bool, len(committed))
	for k := range committed {
		before[k] = true
	}
	mu.Unlock()
	started := seq.Load()

	file := filepath.Join(t.TempDir(), "hub.backup")
	env := map[string]string{"CITYHUB_DATA_DIR": dir}
	var out, errOut syncBuffer
	backupErr := run(ctx, []string{"backup", file}, func(k string) string { return env[k] }, &out, &errOut)
	begunByEnd := seq.Load()
	stop.Store(true)
	wg.Wait()
	if err, _ := loadErr.Load().(error); err != nil {
		t.Fatalf("transfer during backup: %v", err)
	}
	if backupErr != nil {
		t.Fatalf("backup: %v\n%s", backupErr, errOut.String())
	}
	t.Logf("backup: %s", strings.TrimSpace(out.String()))
	if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v, mode %v; want 0600", err, st.Mode().Perm())
	}
	if seq.Load() <= started {
		t.Fatalf("no transfer ran during the backup")
	}

	// A second backup to the same file is refused and leaves it alone.
	if err := run(ctx, []string{"backup", file}, func(k string) string { return env[k] }, &out, &errOut); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("backup over an existing file: %v, want refused", err)
	}

	restored := filepath.Join(t.TempDir(), "restored")
	renv := map[string]string{"CITYHUB_DATA_DIR": restored}
	if err := run(ctx, []string{"restore", file}, func(k string) string { return renv[k] }, &out, &errOut); err != nil {
		t.Fatalf("restore: %v\n%s", err, errOut.String())
	}
	for p, want := range map[string]os.FileMode{restored: 0o700, filepath.Join(restored, store.SQLiteFile): 0o600} {
		if st, err := os.Stat(p); err != nil || st.Mode().Perm() != want {
			t.Fatalf("%s: %v, want mode %04o", p, err, want)
		}
	}
	// Restoring again, now that the directory holds a database, is refused.
	if err := run(ctx, []string{"restore", file}, func(k string) string { return renv[k] }, &out, &errOut); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("restore into a non-empty directory: %v, want refused", err)
	}

	back, err := sqlite.Open(ctx, filepath.Join(restored, store.SQLiteFile), storetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	check, err := wallet.NewService(back.Wallet(), storetest.Logger(t)).Check(ctx)
	if err != nil || !check.OK() {
		t.Fatalf("ledger check of the restored hub: %+v, %v", check, err)
	}

	keys := transactionKeys(t, filepath.Join(restored, store.SQLiteFile), "test.transfer")
	for k := range before {
		if !keys[k] {
			t.Fatalf("transfer %s committed before the backup began is missing from it", k)
		}
	}
	for k := range keys {
		var n int64
		fmt.Sscanf(k, "load-%d", &n)
		if n > begunByEnd {
			t.Fatalf("transfer %s began after the backup ended but is in it", k)
		}
	}
	// The copy is the live history cut at one commit: same entries up to
	// the copy's last entry id, and each of its transactions whole.
	liveCount, liveSum := entriesUpTo(t, filepath.Join(dir, store.SQLiteFile), maxEntryID(t, filepath.Join(restored, store.SQLiteFile)))
	backCount, backSum := entriesUpTo(t, filepath.Join(restored, store.SQLiteFile), 1<<62)
	if liveCount != backCount || liveSum != backSum {
		t.Fatalf("backup holds %d entries (sum %d), the live database %d (sum %d) up to the same entry", backCount, backSum, liveCount, liveSum)
	}
	if check.Transactions != int64(len(keys))+setupTransactions(t, filepath.Join(restored, store.SQLiteFile)) {
		t.Fatalf("ledger check counts %d transactions, the copy holds %d transfers", check.Transactions, len(keys))
	}
	t.Logf("backup holds %d of %d transfers (%d committed before it began); %d entries", len(keys), len(committed), len(before), backCount)
}

func openRO(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func transactionKeys(t *testing.T, path, kind string) map[string]bool {
	t.Helper()
	rows, err := openRO(t, path).Query(`SELECT idem_key FROM ledger_transactions WHERE kind = ?`, kind)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		out[k] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func maxEntryID(t *testing.T, path string) int64 {
	t.Helper()
	var id int64
	if err := openRO(t, path).QueryRow(`SELECT COALESCE(MAX(id), 0) FROM ledger_entries`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func entriesUpTo(t *testing.T, path string, id int64) (count, sum int64) {
	t.Helper()
	err := openRO(t, path).QueryRow(`SELECT COUNT(*), COALESCE(SUM(ABS(amount)), 0) FROM ledger_entries WHERE id <= ?`, id).Scan(&count, &sum)
	if err != nil {
		t.Fatal(err)
	}
	return count, sum
}

func setupTransactions(t *testing.T, path string) int64 {
	t.Helper()
	var n int64
	if err := openRO(t, path).QueryRow(`SELECT COUNT(*) FROM ledger_transactions WHERE kind <> 'test.transfer'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func openRW(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestRestoreRefusesWhatIsNotACityhubDatabase: a file that is not SQLite, a
// SQLite file without cityhub's migrations and a damaged copy are refused,
// and the data directory stays empty.
func TestRestoreRefusesWhatIsNotACityhubDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tmp := t.TempDir()
	text := filepath.Join(tmp, "notes.txt")
	if err := os.WriteFile(text, []byte(strings.Repeat("not a database\n", 400)), 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(tmp, "other.db")
	db := openRW(t, other)
	if _, err := db.Exec(`CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// A real backup with a page in the middle overwritten.
	live := filepath.Join(tmp, "live", store.SQLiteFile)
	hub, err := sqlite.Open(ctx, live, storetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	hub.Close()
	damaged := filepath.Join(tmp, "damaged.db")
	if err := sqlite.Backup(ctx, live, damaged); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(damaged)
	if err != nil {
		t.Fatal(err)
	}
	for i := 4096 * 3; i < 4096*5 && i < len(b); i++ {
		b[i] = 0xA5
	}
	if err := os.WriteFile(damaged, b, 0o600); err != nil {
		t.Fatal(err)
	}
	for file, says := range map[string]string{
		text:                          "not a readable SQLite database",
		other:                         "not a cityhub database",
		damaged:                       "malformed",
		filepath.Join(tmp, "missing"): "no such file",
	} {
		dir := filepath.Join(t.TempDir(), "data")
		env := map[string]string{"CITYHUB_DATA_DIR": dir}
		var out, errOut syncBuffer
		err := run(ctx, []string{"restore", file}, func(k string) string { return env[k] }, &out, &errOut)
		t.Logf("restore %s: %v", filepath.Base(file), err)
		if err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("restore %s: %v, want refused saying %q", filepath.Base(file), err, says)
		}
		if entries, _ := os.ReadDir(dir); len(entries) > 0 {
			t.Errorf("restore %s left %d files in the data directory", filepath.Base(file), len(entries))
		}
	}
}

// TestBackupDuringRedemptionsOnARunningHub is the operator's backup: a real
// hub on the embedded SQLite default serves voucher redemptions through the
// JSON API from several tills at once while `cityhub backup FILE` runs; the
// copy is restored into an empty directory and a second hub is started on
// it. That hub's ledger check must pass, and what it reports (redemptions
// and their totals per campaign, what each voucher has left and whether it
// is used, what the shop is owed) must be the live hub's state at one
// commit: every redemption acknowledged before the backup began is in it,
// none begun after it ended, and each redemption in it is whole (its row,
// its voucher's new balance, its ledger posting and its audit line).
func TestBackupDuringRedemptionsOnARunningHub(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts two hubs and drives a redemption load")
	}
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	env := map[string]string{
		"CITYHUB_HTTP_ADDR":        "127.0.0.1:0",
		"CITYHUB_DATA_DIR":         dir,
		"CITYHUB_MQTT_BROKER_ADDR": "127.0.0.1:0",
		"CITYHUB_LOG_LEVEL":        "warn",
	}
	base, demoOut := startHub(t, []string{"demo"}, env)
	demoLogin := func(role string) (string, string) {
		t.Helper()
		m := regexp.MustCompile(`(?m)^\s+` + role + `\s+(\S+)\s+password: (\S+)$`).FindStringSubmatch(demoOut.String())
		if m == nil {
			t.Fatalf("no %s login printed:\n%s", role, demoOut.String())
		}
		return m[1], m[2]
	}
	login := func(base, email, password string) string {
		t.Helper()
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		mustCall(t, "POST", base+"/api/v1/auth/login", "", "", map[string]string{"email": email, "password": password}, http.StatusOK, &tok)
		return "Bearer " + tok.AccessToken
	}
	adminEmail, adminPassword := demoLogin("city admin")
	shopEmail, shopPassword := demoLogin("merchant staff")
	admin := login(base, adminEmail, adminPassword)
	shop := login(base, shopEmail, shopPassword)

	// Two campaigns of the test's own, one of each mode: a partial voucher
	// is spent a little at a time (its balance moves with each redemption),
	// a single-use one is used once (its state flips to used).
	from, until := time.Now().AddDate(0, 0, -1).Format("2006-01-02"), time.Now().AddDate(0, 1, 0).Format("2006-01-02")
	campaign := func(name, mode string, face int64, perCitizen int) string {
		t.Helper()
		var c struct {
			ID string `json:"id"`
		}
		mustCall(t, "POST", base+"/api/v1/admin/campaigns", admin, "", map[string]any{
			"name": name, "budget_cents": 10_000_000, "face_value_cents": face, "per_citizen_limit": perCitizen,
			"valid_from": from, "valid_until": until, "mode": mode,
		}, http.StatusCreated, &c)
		mustCall(t, "POST", base+"/api/v1/admin/campaigns/"+c.ID+"/open", admin, "", nil, http.StatusOK, nil)
		return c.ID
	}
	partialID := campaign("Backup test: partial", "partial", 200_000, 1)
	singleID := campaign("Backup test: single use", "single_use", 500, 15)

	const citizens = 4
	const password = "a long enough password for the backup test"
	type voucher struct {
		ID   string `json:"id"`
		Code string `json:"code"`
	}
	var partials, singles []voucher
	emails := make([]string, citizens)
	for i := range citizens {
		emails[i] = fmt.Sprintf("backup-load-%d@example.org", i)
		mustCall(t, "POST", base+"/api/v1/admin/accounts", admin, "", map[string]any{"email": emails[i],
			"password": password, "name": fmt.Sprintf("Backup Load %d", i), "grants": []map[string]string{{"role": "citizen"}}}, http.StatusCreated, nil)
		citizen := login(base, emails[i], password)
		var v voucher
		mustCall(t, "POST", base+"/api/v1/campaigns/"+partialID+"/claim", citizen, fmt.Sprintf("claim-p-%d", i), nil, http.StatusCreated, &v)
		partials = append(partials, v)
		for j := range 15 {
			v = voucher{}
			mustCall(t, "POST", base+"/api/v1/campaigns/"+singleID+"/claim", citizen, fmt.Sprintf("claim-s-%d-%d", i, j), nil, http.StatusCreated, &v)
			singles = append(singles, v)
		}
	}
	for _, v := range append(partials[:len(partials):len(partials)], singles...) {
		if v.Code == "" {
			t.Fatalf("a claimed voucher came without its typed code: %+v", v)
		}
	}

	// The tills: each request takes the next job number; every fourth job
	// uses the next single-use voucher while there are some, the others
	// spend a little of a partial one. acked maps a redemption's id to its
	// job, for every 201.
	var (
		mu      sync.Mutex
		acked   = map[string]int64{}
		seq     atomic.Int64
		stop    atomic.Bool
		wg      sync.WaitGroup
		loadErr atomic.Value
	)
	redeem := func(n int64) (string, error) {
		code, purchase := partials[n%citizens].Code, 100+n%50
		if k := n/4 - 1; n%4 == 0 && k < int64(len(singles)) {
			code, purchase = singles[k].Code, 700
		}
		body, _ := json.Marshal(map[string]any{"code": code, "purchase_cents": purchase})
		req, err := http.NewRequest("POST", base+"/api/v1/merchant/vouchers/redeem", bytes.NewReader(body))
		if err != nil {
			return "", err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", shop)
		req.Header.Set("Idempotency-Key", fmt.Sprintf("backup-load-%d", n))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusCreated {
			return "", fmt.Errorf("redemption %d: %d %s", n, resp.StatusCode, raw)
		}
		var r struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(raw, &r); err != nil || r.ID == "" {
			return "", fmt.Errorf("redemption %d: %s: %v", n, raw, err)
		}
		return r.ID, nil
	}
	enough := make(chan struct{})
	var once sync.Once
	const tills = 4
	for range tills {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				n := seq.Add(1)
				id, err := redeem(n)
				if err != nil {
					loadErr.Store(err)
					once.Do(func() { close(enough) })
					return
				}
				mu.Lock()
				acked[id] = n
				done := len(acked)
				mu.Unlock()
				if done >= 60 {
					once.Do(func() { close(enough) })
				}
			}
		}()
	}
	loadStart := time.Now()
	<-enough
	mu.Lock()
	before := make(map[string]bool, len(acked))
	for id := range acked {
		before[id] = true
	}
	mu.Unlock()
	startedAt := seq.Load()

	file := filepath.Join(t.TempDir(), "hub.backup")
	var out, errOut syncBuffer
	backupErr := run(ctx, []string{"backup", file}, func(k string) string { return env[k] }, &out, &errOut)
	begunByEnd := seq.Load()
	// The load goes on for a few more redemptions after the backup, so the
	// live database moves past the copy.
	for deadline := time.Now().Add(10 * time.Second); seq.Load() < begunByEnd+5*tills && time.Now().Before(deadline) && loadErr.Load() == nil; {
		time.Sleep(10 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	if err, _ := loadErr.Load().(error); err != nil {
		t.Fatalf("redemption under load: %v", err)
	}
	if backupErr != nil {
		t.Fatalf("backup: %v\n%s", backupErr, errOut.String())
	}
	if begunByEnd <= startedAt {
		t.Fatal("no redemption began while the backup ran")
	}
	t.Logf("backup: %s", strings.TrimSpace(out.String()))
	t.Logf("load: %d redemptions in %v by %d tills; %d acknowledged before the backup began, jobs %d to %d begun while it ran",
		len(acked), time.Since(loadStart).Round(time.Millisecond), tills, len(before), startedAt+1, begunByEnd)

	// The backup's moment: the single writer gives ledger entries their ids
	// in commit order, so the copy's last entry id cuts the live history
	// where the copy was taken.
	cut := maxEntryID(t, file)
	livePath := filepath.Join(dir, store.SQLiteFile)
	type redemption struct {
		id, voucher, campaign string
		amount                int64
		maxEntry, minEntry    int64
	}
	var live []redemption
	rows, err := openRO(t, livePath).Query(`SELECT r.id, r.voucher_id, r.campaign_id, r.amount_cents, MIN(e.id), MAX(e.id)
		FROM voucher_redemptions r JOIN ledger_transactions t ON t.idem_key = 'voucher.redeem:' || r.id
		JOIN ledger_entries e ON e.transaction_id = t.id
		WHERE r.campaign_id IN (?, ?) GROUP BY r.id`, partialID, singleID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var r redemption
		if err := rows.Scan(&r.id, &r.voucher, &r.campaign, &r.amount, &r.minEntry, &r.maxEntry); err != nil {
			t.Fatal(err)
		}
		live = append(live, r)
	}
	rows.Close()
	if len(live) != len(acked) {
		t.Fatalf("the live hub holds %d redemptions with their postings, the tills were answered %d", len(live), len(acked))
	}

	// What the copy must hold: the live redemptions posted up to the cut.
	type totals struct {
		count, cents int64
	}
	wantRedeemed := map[string]totals{}
	spentAfter := map[string]int64{} // per campaign, after the cut
	spent := map[string]int64{}      // per voucher, up to the cut
	wantIn := map[string]bool{}
	for _, r := range live {
		if r.minEntry <= cut && r.maxEntry > cut {
			t.Fatalf("redemption %s's posting straddles the copy's last entry %d (%d..%d)", r.id, cut, r.minEntry, r.maxEntry)
		}
		if r.maxEntry > cut {
			spentAfter[r.campaign] += r.amount
			continue
		}
		wantIn[r.id] = true
		tot := wantRedeemed[r.campaign]
		wantRedeemed[r.campaign] = totals{tot.count + 1, tot.cents + r.amount}
		spent[r.voucher] += r.amount
	}
	for id := range before {
		if !wantIn[id] {
			t.Fatalf("redemption %s, acknowledged before the backup began, is after the copy's cut", id)
		}
	}
	for id := range wantIn {
		if acked[id] > begunByEnd {
			t.Fatalf("redemption %s (job %d) began after the backup ended (job %d) but is in the copy", id, acked[id], begunByEnd)
		}
	}
	if len(wantIn) == len(live) {
		t.Fatal("the live hub made no redemption after the copy: the test proves nothing about the cut")
	}

	// Each redemption in the copy is whole: row, posting and audit line.
	copyIDs := map[string]bool{}
	rows, err = openRO(t, file).Query(`SELECT r.id,
		(SELECT COUNT(*) FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id WHERE t.idem_key = 'voucher.redeem:' || r.id),
		(SELECT COUNT(*) FROM audit_log a WHERE a.action = 'voucher.redeem' AND json_extract(a.detail, '$.redemption_id') = r.id)
		FROM voucher_redemptions r WHERE r.campaign_id IN (?, ?)`, partialID, singleID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var entries, audits int
		if err := rows.Scan(&id, &entries, &audits); err != nil {
			t.Fatal(err)
		}
		if entries != 2 || audits != 1 {
			t.Errorf("redemption %s in the copy has %d ledger entries and %d audit lines, want 2 and 1", id, entries, audits)
		}
		copyIDs[id] = true
	}
	rows.Close()
	var postings int
	if err := openRO(t, file).QueryRow(`SELECT COUNT(*) FROM ledger_transactions WHERE kind = 'voucher.redeem'`).Scan(&postings); err != nil {
		t.Fatal(err)
	}
	if len(copyIDs) != len(wantIn) || postings != len(wantIn) {
		t.Fatalf("the copy holds %d redemptions and %d redemption postings, the live history up to the cut %d", len(copyIDs), postings, len(wantIn))
	}
	for id := range wantIn {
		if !copyIDs[id] {
			t.Fatalf("redemption %s, posted before the cut, is missing from the copy", id)
		}
	}

	// The live figures, wound back to the cut, are what the restored hub
	// must report.
	liveHeld := map[string]int64{}
	for _, id := range []string{partialID, singleID} {
		liveHeld[id] = accountBalance(t, livePath, wallet.CampaignHeldAccount(id))
	}
	var shopID string
	if err := openRO(t, livePath).QueryRow(`SELECT DISTINCT shop_id FROM voucher_redemptions WHERE campaign_id = ?`, partialID).Scan(&shopID); err != nil {
		t.Fatal(err)
	}
	liveOwed := accountBalance(t, livePath, wallet.ShopPayableAccount(shopID))
	type voucherState struct {
		Remaining int64  `json:"remaining_cents"`
		Status    string `json:"status"`
	}
	wantVouchers := map[string]voucherState{}
	for _, v := range partials {
		rem := 200_000 - spent[v.ID]
		st := "active"
		if rem == 0 {
			st = "used"
		}
		wantVouchers[v.ID] = voucherState{rem, st}
	}
	wantUsed := 0
	for _, v := range singles {
		if spent[v.ID] > 0 {
			wantVouchers[v.ID] = voucherState{0, "used"}
			wantUsed++
		} else {
			wantVouchers[v.ID] = voucherState{500, "active"}
		}
	}

	restored := filepath.Join(t.TempDir(), "restored")
	renv := map[string]string{
		"CITYHUB_HTTP_ADDR":        "127.0.0.1:0",
		"CITYHUB_DATA_DIR":         restored,
		"CITYHUB_MQTT_BROKER_ADDR": "127.0.0.1:0",
		"CITYHUB_LOG_LEVEL":        "warn",
	}
	if err := run(ctx, []string{"restore", file}, func(k string) string { return renv[k] }, &out, &errOut); err != nil {
		t.Fatalf("restore: %v\n%s", err, errOut.String())
	}
	rbase, _ := startHub(t, []string{"serve"}, renv)
	radmin := login(rbase, adminEmail, adminPassword)
	var check struct {
		OK           bool  `json:"ok"`
		Transactions int64 `json:"transactions"`
	}
	mustCall(t, "GET", rbase+"/api/v1/admin/ledger/check", radmin, "", nil, http.StatusOK, &check)
	if !check.OK {
		t.Fatalf("the restored hub's ledger check fails: %+v", check)
	}
	for _, id := range []string{partialID, singleID} {
		var u struct {
			ClaimedCount    int   `json:"claimed_count"`
			RedemptionCount int64 `json:"redemption_count"`
			RedeemedCents   int64 `json:"redeemed_cents"`
			ReservedCents   int64 `json:"reserved_cents"`
		}
		mustCall(t, "GET", rbase+"/api/v1/admin/campaigns/"+id+"/uptake", radmin, "", nil, http.StatusOK, &u)
		want := wantRedeemed[id]
		claimed := len(partials)
		if id == singleID {
			claimed = len(singles)
		}
		if u.RedemptionCount != want.count || u.RedeemedCents != want.cents || u.ClaimedCount != claimed ||
			u.ReservedCents != liveHeld[id]+spentAfter[id] {
			t.Errorf("campaign %s on the restored hub: %d redemptions, %d cents redeemed, %d claimed, %d reserved; at the backup's moment %d, %d, %d, %d",
				id, u.RedemptionCount, u.RedeemedCents, u.ClaimedCount, u.ReservedCents, want.count, want.cents, claimed, liveHeld[id]+spentAfter[id])
		}
	}
	var owed struct {
		OwedCents int64 `json:"owed_cents"`
	}
	mustCall(t, "GET", rbase+"/api/v1/merchant/balance", login(rbase, shopEmail, shopPassword), "", nil, http.StatusOK, &owed)
	if want := liveOwed - spentAfter[partialID] - spentAfter[singleID]; owed.OwedCents != want {
		t.Errorf("the restored hub owes the shop %d cents, at the backup's moment %d", owed.OwedCents, want)
	}
	got := map[string]voucherState{}
	for _, email := range emails {
		var list struct {
			Vouchers []struct {
				ID string `json:"id"`
				voucherState
			} `json:"vouchers"`
		}
		mustCall(t, "GET", rbase+"/api/v1/vouchers", login(rbase, email, password), "", nil, http.StatusOK, &list)
		for _, v := range list.Vouchers {
			got[v.ID] = v.voucherState
		}
	}
	for id, want := range wantVouchers {
		if got[id] != want {
			t.Errorf("voucher %s on the restored hub: %+v, at the backup's moment %+v", id, got[id], want)
		}
	}
	t.Logf("the copy holds %d of %d redemptions (partial %+v, single use %+v, %d of %d single-use vouchers used); ledger check: %d transactions, ok",
		len(wantIn), len(live), wantRedeemed[partialID], wantRedeemed[singleID], wantUsed, len(singles), check.Transactions)
}

func accountBalance(t *testing.T, path string, account wallet.AccountID) int64 {
	t.Helper()
	var b int64
	if err := openRO(t, path).QueryRow(`SELECT COALESCE((SELECT balance FROM ledger_accounts WHERE id = ?), 0)`, string(account)).Scan(&b); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBackupOnPostgresPrintsTheSteps: on PostgreSQL, cityhub backup copies
// nothing (it writes no file and does not connect) and fails, having
// printed how to back up and recover with PostgreSQL's own tools; each
// command it prints is in the README's "On PostgreSQL" section word for
// word, so the two cannot drift apart. cityhub restore refuses too.
func TestBackupOnPostgresPrintsTheSteps(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// A database nobody can reach: the command must not try.
	env := map[string]string{"CITYHUB_DATABASE_URL": "postgres://cityhub:pg-s3cret@db.invalid:5432/cityhub?sslmode=disable",
		"CITYHUB_DATA_DIR": filepath.Join(t.TempDir(), "data")}
	file := filepath.Join(t.TempDir(), "hub.backup")
	var out, errOut syncBuffer
	start := time.Now()
	err := run(ctx, []string{"backup", file}, func(k string) string { return env[k] }, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "nothing copied") {
		t.Fatalf("backup on PostgreSQL: %v, want a failure saying nothing was copied", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("backup on PostgreSQL took %v: it should not connect", took)
	}
	if _, err := os.Stat(file); err == nil {
		t.Errorf("backup on PostgreSQL wrote %s", file)
	}
	help := out.String()
	for _, want := range []string{"pg_dump", "pg_restore", "createdb", "wal_level = replica", "archive_mode = on", "archive_command",
		"pg_basebackup", "restore_command", "recovery_target_time", "recovery.signal"} {
		if !strings.Contains(help, want) {
			t.Errorf("the help does not mention %q:\n%s", want, help)
		}
	}
	if strings.Contains(help+errOut.String()+err.Error(), "pg-s3cret") {
		t.Error("backup on PostgreSQL shows the database password")
	}

	readme, rerr := os.ReadFile("../../README.md")
	if rerr != nil {
		t.Fatal(rerr)
	}
	section := string(readme)
	if i := strings.Index(section, "### On PostgreSQL"); i >= 0 {
		section = section[i:]
		if j := strings.Index(section[1:], "\n## "); j >= 0 {
			section = section[:j+1]
		}
	} else {
		t.Fatal(`the README has no "### On PostgreSQL" section`)
	}
	commands := 0
	for _, line := range strings.Split(help, "\n") {
		if cmd, ok := strings.CutPrefix(line, "  "); ok && strings.TrimSpace(cmd) != "" {
			commands++
			if !strings.Contains(section, "    "+cmd+"\n") {
				t.Errorf("the command %q that cityhub backup prints is not in the README's \"On PostgreSQL\" section", cmd)
			}
		}
	}
	if commands < 4 {
		t.Errorf("cityhub backup printed %d commands, want pg_dump, createdb, pg_restore and pg_basebackup:\n%s", commands, help)
	}

	err = run(ctx, []string{"restore", file}, func(k string) string { return env[k] }, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "pg_restore") {
		t.Errorf("restore on PostgreSQL: %v, want refused, pointing at pg_restore", err)
	}
	if _, err := os.Stat(env["CITYHUB_DATA_DIR"]); err == nil {
		t.Error("restore on PostgreSQL made the data directory")
	}
}
