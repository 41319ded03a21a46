package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/idem"
	"cityhub/identity"
	"cityhub/store/storetest"
	"cityhub/vouchers"
	"cityhub/web/api"
	"cityhub/web/httpx"
)

// voucherEnv is a server with the voucher scheme on a clock the test moves,
// an open campaign (five vouchers per citizen, as in the attack run) and a
// shop with its staff.
type voucherEnv struct {
	*testEnv
	clock    *atomic.Int64 // nanoseconds the voucher clock runs ahead
	admin    string
	campaign vouchers.Campaign
	shop     vouchers.Shop
	staff    string
}

func newVoucherEnv(t *testing.T, engine string) *voucherEnv {
	t.Helper()
	ve := &voucherEnv{clock: new(atomic.Int64)}
	_, env := newTestServer(t, engine, func(env *testEnv, d *Deps) {
		d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
		d.Vouchers.SetClock(func() time.Time { return time.Now().Add(time.Duration(ve.clock.Load())) })
	})
	ve.testEnv = env
	ve.admin = env.login(t, identity.RoleAdmin)
	res := vreq(t, env, "POST", "/api/v1/admin/shops", ve.admin, `{"name":"Forno","address":"Via Traiano 3","district":"centro","category":"food","iban":"IT60 X054 2811 1010 0000 0123 456"}`)
	wantStatus(t, res, http.StatusCreated)
	decodeInto(t, res, &ve.shop)
	res = vreq(t, env, "POST", "/api/v1/admin/campaigns", ve.admin, strings.Replace(validCampaign, `"per_citizen_limit":1`, `"per_citizen_limit":5`, 1))
	wantStatus(t, res, http.StatusCreated)
	decodeInto(t, res, &ve.campaign)
	wantStatus(t, vreq(t, env, "POST", "/api/v1/admin/campaigns/"+ve.campaign.ID+"/open", ve.admin, ""), http.StatusOK)
	ve.staff = env.login(t, identity.RoleMerchant, ve.shop.ID)
	return ve
}

// scannedVoucher is a new citizen's voucher of the campaign as a till
// scans it: the citizen's bearer, the voucher, its QR token, and the body
// of a redemption of 500 cents with that token.
type scannedVoucher struct {
	citizen string
	voucher vouchers.VoucherView
	token   string
	body    string
}

func (ve *voucherEnv) scannedVoucher(t *testing.T) scannedVoucher {
	t.Helper()
	sv := scannedVoucher{citizen: ve.login(t, identity.RoleCitizen)}
	res := vreq(t, ve.testEnv, "POST", "/api/v1/campaigns/"+ve.campaign.ID+"/claim", sv.citizen, "")
	wantStatus(t, res, http.StatusCreated)
	decodeInto(t, res, &sv.voucher)
	res = vreq(t, ve.testEnv, "GET", "/api/v1/vouchers/"+sv.voucher.ID+"/qr", sv.citizen, "")
	wantStatus(t, res, http.StatusOK)
	var tok vouchers.Token
	decodeInto(t, res, &tok)
	sv.token, sv.body = tok.Token, `{"code":"`+tok.Token+`","purchase_cents":500}`
	return sv
}

// withoutKeptAnswers is a second hub on the same database that lost every
// kept answer: what a retry meets when the hub crashed after the operation
// committed and before its answer was kept.
func (env *testEnv) withoutKeptAnswers() *Server {
	d := env.Deps
	d.Answers, d.Registry = nil, nil
	return New(d)
}

// bothHubs are env's hub and a second one that lost every kept answer, by
// name: a retry must get its first answer from either.
func (env *testEnv) bothHubs() map[string]*Server {
	return map[string]*Server{"with the kept answers": env.Server, "on a hub that lost the kept answers": env.withoutKeptAnswers()}
}

// wantReplayOf fails unless res is first's answer again (status, body and
// type), marked replayed.
func wantReplayOf(t testing.TB, what string, res, first *httptest.ResponseRecorder) {
	t.Helper()
	if res.Code != first.Code || res.Body.String() != first.Body.String() || res.Header().Get("Idempotent-Replayed") != "true" ||
		res.Header().Get("Content-Type") != first.Header().Get("Content-Type") {
		t.Fatalf("%s: %d %v %s\nfirst answer: %d %s", what, res.Code, res.Header(), res.Body.String(), first.Code, first.Body.String())
	}
}

func send(s *Server, method, path, auth, body string, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.RemoteAddr = "192.0.2.10:5555"
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", auth)
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

// Issue 8, item 3: a till retrying a redemption after the QR code expired
// got 409 qr_expired instead of its first answer, also after a crash lost
// the answer. The key is looked up before the code's expiry is checked.
func TestRedeemReplayAfterTheQRCodeExpired(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			ve := newVoucherEnv(t, engine)
			sv := ve.scannedVoucher(t)
			citizen, v, body := sv.citizen, sv.voucher, sv.body
			first := send(ve.Server, "POST", "/api/v1/merchant/vouchers/redeem", ve.staff, body, "Idempotency-Key: till-7-0001")
			wantStatus(t, first, http.StatusCreated)

			// Ten minutes later the QR code is long expired.
			ve.clock.Store(int64(10 * time.Minute))
			wantProblem(t, send(ve.Server, "POST", "/api/v1/merchant/vouchers/redeem", ve.staff, body, "Idempotency-Key: till-7-0002"), http.StatusConflict)

			for name, s := range map[string]*Server{
				"with the kept answer":               ve.Server,
				"after a crash lost the kept answer": ve.withoutKeptAnswers(),
			} {
				t.Run(name, func(t *testing.T) {
					res := send(s, "POST", "/api/v1/merchant/vouchers/redeem", ve.staff, body, "Idempotency-Key: till-7-0001")
					if res.Code != http.StatusCreated || res.Header().Get("Idempotent-Replayed") != "true" {
						t.Fatalf("retry: %d %v %s", res.Code, res.Header(), res.Body.String())
					}
					var a, b api.RedemptionReply
					decodeInto(t, first, &a)
					decodeInto(t, res, &b)
					if a.ID == "" || a.ID != b.ID || a.AmountCents != b.AmountCents || a.ToPayCents != b.ToPayCents {
						t.Fatalf("retry answered %+v, first %+v", b, a)
					}
					// The same key for another amount is still refused.
					p := wantProblem(t, send(s, "POST", "/api/v1/merchant/vouchers/redeem", ve.staff, `{"code":"`+sv.token+`","purchase_cents":600}`, "Idempotency-Key: till-7-0001"), http.StatusConflict)
					if p.Reason != "idempotency_key_reused" {
						t.Fatalf("same key, other amount: %+v", p)
					}
				})
			}
			// The voucher's own history, not the shop's day: ten minutes
			// ahead of a redemption made just before midnight in the city
			// is another day.
			res := vreq(t, ve.testEnv, "GET", "/api/v1/vouchers/"+v.ID, citizen, "")
			wantStatus(t, res, http.StatusOK)
			var after vouchers.VoucherView
			if decodeInto(t, res, &after); len(after.Redemptions) != 1 {
				t.Fatalf("%d redemptions, want 1: %+v", len(after.Redemptions), after.Redemptions)
			}
		})
	}
}

// A redemption's refusal is its answer too, and the operation keeps it
// with its key (the route keeps no second copy): a till that retries a
// redemption refused because the voucher was used is refused again in the
// same words after that first redemption was reversed, and after the QR
// code expired, on a hub that lost every kept answer too; the voucher,
// redeemable again, is not redeemed by the retry.
func TestRedeemRefusalIsReplayedAfterTheVoucherChanged(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			ve := newVoucherEnv(t, engine)
			sv := ve.scannedVoucher(t)
			citizen, v, body := sv.citizen, sv.voucher, sv.body
			const redeem = "/api/v1/merchant/vouchers/redeem"

			first := send(ve.Server, "POST", redeem, ve.staff, body, "Idempotency-Key: till-8-0001")
			wantStatus(t, first, http.StatusCreated)
			var red api.RedemptionReply
			decodeInto(t, first, &red)
			refused := send(ve.Server, "POST", redeem, ve.staff, body, "Idempotency-Key: till-8-0002")
			if p := wantProblem(t, refused, http.StatusConflict); p.Reason != "voucher_used" || refused.Header().Get("Idempotent-Replayed") != "" {
				t.Fatalf("second redemption of a used voucher: %+v %v", p, refused.Header())
			}
			wantStatus(t, send(ve.Server, "POST", "/api/v1/merchant/redemptions/"+red.ID+"/reverse", ve.staff, "", "Idempotency-Key: undo-8-0001"), http.StatusOK)

			for name, s := range ve.bothHubs() {
				t.Run(name, func(t *testing.T) {
					wantReplayOf(t, "retry of the refused redemption", send(s, "POST", redeem, ve.staff, body, "Idempotency-Key: till-8-0002"), refused)
				})
			}
			// The QR code expires: the retry is still refused as used,
			// not as expired.
			ve.clock.Store(int64(10 * time.Minute))
			res := send(ve.Server, "POST", redeem, ve.staff, body, "Idempotency-Key: till-8-0002")
			if res.Code != refused.Code || res.Body.String() != refused.Body.String() {
				t.Fatalf("retry once the QR code expired: %d %s", res.Code, res.Body.String())
			}
			res = vreq(t, ve.testEnv, "GET", "/api/v1/vouchers/"+v.ID, citizen, "")
			wantStatus(t, res, http.StatusOK)
			var after vouchers.VoucherView
			decodeInto(t, res, &after)
			if after.Status != vouchers.VoucherActive || after.RemainingCents != ve.campaign.FaceValueCents {
				t.Fatalf("voucher after the retries: %s with %d left, want active with %d", after.Status, after.RemainingCents, ve.campaign.FaceValueCents)
			}
		})
	}
}

// Issue 8, item 3: claiming ignored the Idempotency-Key; 64 requests with one
// key made 5 vouchers (the per-citizen limit), and replays after a crash made
// new ones. Now: one voucher, 64 identical answers, and a retry after a
// crash answers the same voucher.
func TestClaimWithOneKeyRacedMakesOneVoucher(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			ve := newVoucherEnv(t, engine)
			citizen := ve.login(t, identity.RoleCitizen)
			path := "/api/v1/campaigns/" + ve.campaign.ID + "/claim"
			const n = 64
			answers := make([]*httptest.ResponseRecorder, n)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					<-start
					answers[i] = send(ve.Server, "POST", path, citizen, "", "Idempotency-Key: claim-0001")
				})
			}
			close(start)
			wg.Wait()
			first := answers[0]
			for i, a := range answers {
				if a.Code != http.StatusCreated || !bytes.Equal(a.Body.Bytes(), first.Body.Bytes()) || a.Header().Get("Location") != first.Header().Get("Location") {
					t.Fatalf("answer %d: %d %s\nanswer 0: %d %s", i, a.Code, a.Body.String(), first.Code, first.Body.String())
				}
			}
			var v vouchers.VoucherView
			decodeInto(t, first, &v)
			mine := func() []vouchers.VoucherView {
				res := vreq(t, ve.testEnv, "GET", "/api/v1/vouchers", citizen, "")
				wantStatus(t, res, http.StatusOK)
				var list struct {
					Vouchers []vouchers.VoucherView `json:"vouchers"`
				}
				decodeInto(t, res, &list)
				return list.Vouchers
			}
			if got := mine(); len(got) != 1 || got[0].ID != v.ID {
				t.Fatalf("the citizen holds %d vouchers, want exactly %s", len(got), v.ID)
			}

			// After a crash lost the kept answer, the retry finds the key the
			// claim recorded in its own transaction.
			res := send(ve.withoutKeptAnswers(), "POST", path, citizen, "", "Idempotency-Key: claim-0001")
			if res.Code != http.StatusCreated || res.Header().Get("Idempotent-Replayed") != "true" {
				t.Fatalf("retry after a crash: %d %s", res.Code, res.Body.String())
			}
			var again vouchers.VoucherView
			if decodeInto(t, res, &again); again.ID != v.ID {
				t.Fatalf("retry after a crash made voucher %s, first was %s", again.ID, v.ID)
			}
			if got := mine(); len(got) != 1 {
				t.Fatalf("the citizen holds %d vouchers after the retry, want 1", len(got))
			}
			// A new key is a new claim.
			wantStatus(t, send(ve.Server, "POST", path, citizen, "", "Idempotency-Key: claim-0002"), http.StatusCreated)
			if got := mine(); len(got) != 2 {
				t.Fatalf("the citizen holds %d vouchers after a second key, want 2", len(got))
			}
			// Without kept answers the claim's own record holds a race too.
			bare := ve.withoutKeptAnswers()
			raced := make([]*httptest.ResponseRecorder, 16)
			start = make(chan struct{})
			for i := range raced {
				wg.Go(func() {
					<-start
					raced[i] = send(bare, "POST", path, citizen, "", "Idempotency-Key: claim-0003")
				})
			}
			close(start)
			wg.Wait()
			for i, a := range raced {
				if a.Code != http.StatusCreated || !bytes.Equal(a.Body.Bytes(), raced[0].Body.Bytes()) {
					t.Fatalf("bare answer %d: %d %s\nanswer 0: %s", i, a.Code, a.Body.String(), raced[0].Body.String())
				}
			}
			if got := mine(); len(got) != 3 {
				t.Fatalf("the citizen holds %d vouchers after a raced third key, want 3", len(got))
			}
		})
	}
}

// A claim keeps its refusals with its key, as its vouchers (the API keeps
// no second copy: api.OwnAnswerRoutes). A retry of a claim refused while the
// campaign was paused is refused again alike once it is open again; claims
// of the campaign's last voucher raced under sixteen keys, each sent twice
// at once, make one voucher, and every key's two copies get one answer, one
// of them replayed; the refusals of the budget (on PostgreSQL at the commit
// of the grouped claims, after which the key is kept in a transaction of its
// own) are replayed as they were, also by a hub that lost every kept
// answer.
func TestClaimRefusalsAreReplayed(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			ve := newVoucherEnv(t, engine)
			path := "/api/v1/campaigns/" + ve.campaign.ID + "/claim"
			citizen := ve.login(t, identity.RoleCitizen)
			wantStatus(t, vreq(t, ve.testEnv, "POST", "/api/v1/admin/campaigns/"+ve.campaign.ID+"/pause", ve.admin, ""), http.StatusOK)
			paused := send(ve.Server, "POST", path, citizen, "", "Idempotency-Key: paused-1")
			if p := wantProblem(t, paused, http.StatusConflict); p.Reason != "campaign_not_open" || paused.Header().Get("Idempotent-Replayed") != "" {
				t.Fatalf("claim of a paused campaign: %+v %v", p, paused.Header())
			}
			wantStatus(t, vreq(t, ve.testEnv, "POST", "/api/v1/admin/campaigns/"+ve.campaign.ID+"/open", ve.admin, ""), http.StatusOK)
			for name, s := range ve.bothHubs() {
				wantReplayOf(t, name+", retry of the claim refused while paused", send(s, "POST", path, citizen, "", "Idempotency-Key: paused-1"), paused)
			}
			wantStatus(t, send(ve.Server, "POST", path, citizen, "", "Idempotency-Key: paused-2"), http.StatusCreated)

			// A campaign with a budget for two vouchers, one claimed.
			res := vreq(t, ve.testEnv, "POST", "/api/v1/admin/campaigns", ve.admin, strings.Replace(validCampaign, `"budget_cents":100000`, `"budget_cents":2000`, 1))
			wantStatus(t, res, http.StatusCreated)
			var small vouchers.Campaign
			decodeInto(t, res, &small)
			wantStatus(t, vreq(t, ve.testEnv, "POST", "/api/v1/admin/campaigns/"+small.ID+"/open", ve.admin, ""), http.StatusOK)
			path = "/api/v1/campaigns/" + small.ID + "/claim"
			wantStatus(t, send(ve.Server, "POST", path, citizen, "", "Idempotency-Key: small-1"), http.StatusCreated)

			const keys = 16
			citizens := make([]string, keys)
			for i := range citizens {
				citizens[i] = ve.login(t, identity.RoleCitizen)
			}
			answers := make([][2]*httptest.ResponseRecorder, keys)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range keys {
				for copy := range 2 {
					wg.Go(func() {
						<-start
						answers[i][copy] = send(ve.Server, "POST", path, citizens[i], "", fmt.Sprintf("Idempotency-Key: last-%d", i))
					})
				}
			}
			close(start)
			wg.Wait()
			made := 0
			for i, pair := range answers {
				a, b := pair[0], pair[1]
				if a.Code != b.Code || a.Body.String() != b.Body.String() {
					t.Fatalf("key %d: the two copies were answered %d %s and %d %s", i, a.Code, a.Body.String(), b.Code, b.Body.String())
				}
				if replayed := (a.Header().Get("Idempotent-Replayed") == "true") != (b.Header().Get("Idempotent-Replayed") == "true"); !replayed {
					t.Fatalf("key %d: replayed %q and %q, want exactly one of the two copies", i, a.Header().Get("Idempotent-Replayed"), b.Header().Get("Idempotent-Replayed"))
				}
				switch a.Code {
				case http.StatusCreated:
					made++
				case http.StatusConflict:
					if p := wantProblem(t, a, http.StatusConflict); p.Reason != "budget_exhausted" {
						t.Fatalf("key %d refused: %+v", i, p)
					}
				default:
					t.Fatalf("key %d: %d %s", i, a.Code, a.Body.String())
				}
			}
			if made != 1 {
				t.Fatalf("%d of %d keys made a voucher of the last one", made, keys)
			}
			bare := ve.withoutKeptAnswers()
			for i, pair := range answers {
				res := send(bare, "POST", path, citizens[i], "", fmt.Sprintf("Idempotency-Key: last-%d", i))
				wantReplayOf(t, fmt.Sprintf("key %d, retried on a hub that lost the kept answers", i), res, pair[0])
			}
		})
	}
}

// lostAnswers is an answer store whose answers never get kept: the hub
// stops after the operation committed and before its answer was kept.
type lostAnswers struct{ idem.AnswerStore }

func (lostAnswers) SaveAnswer(context.Context, string, string, idem.Answer) error {
	return errors.New("the hub stopped")
}

// When a hub stops between an operation and its kept answer, a retry of an
// operation that does not record its key itself (creating a shop) is
// refused as answer lost, never run twice; a claim, which records its key,
// answers its first voucher.
func TestRetryAfterTheAnswerWasLost(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			ve := newVoucherEnv(t, engine)
			d := ve.Deps
			d.Answers, d.Registry = lostAnswers{ve.DB.Answers()}, nil
			crashing := New(d)
			var ahead atomic.Int64
			crashing.replay.Answering.Now = func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }

			shop := `{"name":"Libri","address":"Corso 1","district":"centro","category":"books","iban":"IT60 X054 2811 1010 0000 0123 456"}`
			wantStatus(t, send(crashing, "POST", "/api/v1/admin/shops", ve.admin, shop, "Idempotency-Key: shop-1"), http.StatusCreated)
			citizen := ve.login(t, identity.RoleCitizen)
			claim := "/api/v1/campaigns/" + ve.campaign.ID + "/claim"
			first := send(crashing, "POST", claim, citizen, "", "Idempotency-Key: claim-1")
			wantStatus(t, first, http.StatusCreated)

			// While the lease runs, the key is still held: a retry waits, and
			// here gives up at once.
			crashing.replay.Answering.Wait = 0
			wantProblem(t, send(crashing, "POST", "/api/v1/admin/shops", ve.admin, shop, "Idempotency-Key: shop-1"), http.StatusConflict)

			ahead.Store(int64(2 * httpx.AnswerLease))
			p := wantProblem(t, send(crashing, "POST", "/api/v1/admin/shops", ve.admin, shop, "Idempotency-Key: shop-1"), http.StatusConflict)
			if p.Reason != "idempotency_key_answer_lost" {
				t.Fatalf("retry after the answer was lost: %+v", p)
			}
			res := vreq(t, ve.testEnv, "GET", "/api/v1/admin/shops", ve.admin, "")
			if n := strings.Count(res.Body.String(), `"name":"Libri"`); n != 1 {
				t.Fatalf("%d shops named Libri, want 1", n)
			}
			res = send(crashing, "POST", claim, citizen, "", "Idempotency-Key: claim-1")
			if res.Code != http.StatusCreated || !bytes.Equal(res.Body.Bytes(), first.Body.Bytes()) {
				t.Fatalf("claim retry after the answer was lost: %d %s\nfirst: %s", res.Code, res.Body.String(), first.Body.String())
			}
		})
	}
}
