package httpx

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/idem"
	"cityhub/identity"
	"cityhub/store/storetest"
)

const fingerprintRoute = "POST /api/v1/me/password"

// plainFingerprint is the unkeyed SHA-256 that hubs before the keyed
// fingerprint kept for a request.
func plainFingerprint(path, body string) string {
	sum := sha256.Sum256([]byte("POST\x00" + path + "\x00\x00" + body))
	return hex.EncodeToString(sum[:])
}

// What the database keeps of a keyed request whose body holds a password is
// an HMAC under the hub's key, never a plain SHA-256 of the body that a
// guess of the password could be checked against: not as the request's
// fingerprint for a signed-in caller, and not in the scope of a caller not
// signed in. Replicas with the same key (the keyring's) answer each
// other's retries; a hub with another key does not take them for the same
// request.
func TestKeyedFingerprintHidesTheBody(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			answers := storetest.Open(t, engine).Answers()
			key := bytes.Repeat([]byte{7}, 32)
			replica := func(k []byte) *Replayer {
				return &Replayer{Answering: NewAnswering(answers), HashKey: k, Log: storetest.Logger(t)}
			}
			var calls atomic.Int64
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.WriteHeader(http.StatusNoContent)
			})
			const path, body = "/api/v1/me/password", `{"current_password":"correct horse","new_password":"battery staple"}`
			send := func(rp *Replayer, caller string) *httptest.ResponseRecorder {
				r := httptest.NewRequest("POST", path, strings.NewReader(body))
				if caller != "" {
					r = r.WithContext(identity.WithCaller(r.Context(), identity.Caller{AccountID: caller}))
				}
				r.Header.Set("Idempotency-Key", "pw-1")
				rec := httptest.NewRecorder()
				rp.ServeKeyed(rec, r, fingerprintRoute, h)
				return rec
			}
			plain := plainFingerprint(path, body)

			// Signed in: the kept fingerprint is keyed.
			if rec := send(replica(key), "acc_pw"); rec.Code != http.StatusNoContent {
				t.Fatalf("first: %d %s", rec.Code, rec.Body.String())
			}
			claimed, stored, done, _, _, err := answers.ClaimAnswer(ctx, "api:acc_pw:"+fingerprintRoute, "pw-1", "probe", time.Now(), time.Now().Add(-time.Hour))
			if err != nil || claimed || !done {
				t.Fatalf("kept answer: claimed %v done %v %v", claimed, done, err)
			}
			if stored == plain || strings.Contains(stored, plain) || !strings.HasPrefix(stored, keyedPrefix) {
				t.Fatalf("kept fingerprint %q: want a keyed one, not the body's SHA-256", stored)
			}
			if rec := send(replica(bytes.Clone(key)), "acc_pw"); rec.Code != http.StatusNoContent || rec.Header().Get("Idempotent-Replayed") != "true" || calls.Load() != 1 {
				t.Fatalf("retry on a replica with the same key: %d replayed %q after %d calls", rec.Code, rec.Header().Get("Idempotent-Replayed"), calls.Load())
			}
			if rec := send(replica(bytes.Repeat([]byte{8}, 32)), "acc_pw"); rec.Code != http.StatusConflict {
				t.Fatalf("retry on a hub with another key: %d %s, want 409 (not the same request to it)", rec.Code, rec.Body.String())
			}

			// Not signed in: the fingerprint is the scope, keyed too.
			if rec := send(replica(key), ""); rec.Code != http.StatusNoContent || calls.Load() != 2 {
				t.Fatalf("anonymous first: %d after %d calls", rec.Code, calls.Load())
			}
			if claimed, _, _, _, _, err := answers.ClaimAnswer(ctx, "api:anonymous:"+plain+":"+fingerprintRoute, "pw-1", "probe", time.Now(), time.Now().Add(-time.Hour)); err != nil || !claimed {
				t.Fatalf("an answer is kept under the body's plain SHA-256 (claimed %v, %v)", claimed, err)
			}
			if rec := send(replica(key), ""); rec.Header().Get("Idempotent-Replayed") != "true" || calls.Load() != 2 {
				t.Fatalf("anonymous retry: %d replayed %q after %d calls", rec.Code, rec.Header().Get("Idempotent-Replayed"), calls.Load())
			}
		})
	}
}

// An answer kept by a hub from before the keyed fingerprint (its plain
// SHA-256 stored) still answers the same request's retry after the
// upgrade, and another body under its key is still refused.
func TestFingerprintKeptBeforeTheUpgradeStillMatches(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			answering := NewAnswering(storetest.Open(t, engine).Answers())
			const path, body = "/api/v1/anything", `{"n":1}`
			scope := "api:acc_up:POST " + path
			first := idem.Answer{Status: http.StatusCreated, Header: map[string]string{"Content-Type": "application/json"}, Body: []byte(`{"first":true}` + "\n")}
			if _, _, err := answering.Answer(ctx, scope, "up-1", plainFingerprint(path, body), func(context.Context) idem.Answer { return first }, KeepAnswer, false); err != nil {
				t.Fatal(err)
			}
			rp := &Replayer{Answering: answering, HashKey: bytes.Repeat([]byte{9}, 32), Log: storetest.Logger(t)}
			var calls atomic.Int64
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				WriteJSON(w, http.StatusCreated, map[string]bool{"second": true})
			})
			send := func(b string) *httptest.ResponseRecorder {
				r := httptest.NewRequest("POST", path, strings.NewReader(b))
				r = r.WithContext(identity.WithCaller(r.Context(), identity.Caller{AccountID: "acc_up"}))
				r.Header.Set("Idempotency-Key", "up-1")
				rec := httptest.NewRecorder()
				rp.ServeKeyed(rec, r, "POST "+path, h)
				return rec
			}
			if rec := send(body); rec.Code != http.StatusCreated || rec.Body.String() != string(first.Body) || rec.Header().Get("Idempotent-Replayed") != "true" || calls.Load() != 0 {
				t.Fatalf("retry after the upgrade: %d %s replayed %q, %d calls", rec.Code, rec.Body.String(), rec.Header().Get("Idempotent-Replayed"), calls.Load())
			}
			if rec := send(`{"n":2}`); rec.Code != http.StatusConflict || calls.Load() != 0 {
				t.Fatalf("another body under the key: %d %s, %d calls", rec.Code, rec.Body.String(), calls.Load())
			}
		})
	}
}
