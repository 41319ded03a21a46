package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/internal/testutil"
	"cityhub/store"
	"cityhub/wallet"
)

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
	var out, errOut testutil.Buffer
	backupErr := run(ctx, []string{"backup", file}, testGetenv(env), &out, &errOut)
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
	if err := run(ctx, []string{"restore", file}, testGetenv(renv), &out, &errOut); err != nil {
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
