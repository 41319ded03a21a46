package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"cityhub/idem/idemtest"
	"cityhub/identity"
)

// Two requests under one key with different bodies, released together: the
// second one waits while the first runs, rather than running its
// operation too (an operation that records its own key, a top-up here),
// so exactly one of them tops up and the other is refused 409; the
// winner's retry replays its own answer, the loser's is refused again.
// Before, a request that found the key held without an answer ran its
// operation at once, which could win the operation's own key, while the
// first got (and kept) a 409 that its retry, and the winner's, then met.
func TestOneKeyTwoBodiesRacedRunsOnce(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			held := &idemtest.HeldAnswers{}
			_, env := newTestServer(t, engine, withWallet(true), func(env *testEnv, d *Deps) {
				held.AnswerStore, d.Answers = d.Answers, held
			})
			auth := env.login(t, identity.RoleCitizen)
			topUp := func(key string, cents int) *httptest.ResponseRecorder {
				return walletSend(t, env, "POST", "/api/v1/wallet/topups", auth, fmt.Sprintf(`{"amount_cents":%d}`, cents), map[string]string{"Idempotency-Key": key})
			}
			const rounds = 20
			var credited int64
			for round := range rounds {
				key := fmt.Sprintf("race-%s-%03d", engine, round)
				held.Race(key)
				amounts := [2]int{1000 + round, 2000 + round}
				var res [2]*httptest.ResponseRecorder
				start := make(chan struct{})
				var wg sync.WaitGroup
				for i := range 2 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						res[i] = topUp(key, amounts[i])
					}()
				}
				close(start)
				wg.Wait()
				won := -1
				for i, r := range res {
					switch r.Code {
					case http.StatusCreated:
						if won >= 0 {
							t.Fatalf("round %d: both bodies topped up: %s / %s", round, res[0].Body, res[1].Body)
						}
						won = i
					case http.StatusConflict:
						var p struct{ Reason string }
						if err := json.Unmarshal(r.Body.Bytes(), &p); err != nil || (p.Reason != "idempotency_key_reused" && p.Reason != "idempotency_key_in_use") {
							t.Fatalf("round %d: refused %s", round, r.Body)
						}
					default:
						t.Fatalf("round %d: %d %s", round, r.Code, r.Body)
					}
				}
				if won < 0 {
					t.Fatalf("round %d: neither ran: %s / %s", round, res[0].Body, res[1].Body)
				}
				credited += int64(amounts[won])
				wantReplayOf(t, fmt.Sprintf("round %d: the winner's retry", round), topUp(key, amounts[won]), res[won])
				if r := topUp(key, amounts[1-won]); r.Code != http.StatusConflict {
					t.Fatalf("round %d: the loser's retry: %d %s", round, r.Code, r.Body)
				}
			}
			var w struct {
				BalanceCents int64 `json:"balance_cents"`
			}
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/wallet", auth, ""), http.StatusOK), &w)
			if w.BalanceCents != credited {
				t.Fatalf("balance %d, the winners' top-ups %d", w.BalanceCents, credited)
			}
		})
	}
}
