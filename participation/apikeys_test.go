package participation_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/participation"
	"cityhub/store"
	"cityhub/store/storetest"
)

// A key id that is unknown or revoked is answered no faster than a live
// key with a wrong secret: both pay for an argon2id hash at the real cost,
// so the time of an answer does not tell which ids exist.
func TestAPIKeyAnswersTakeTheHashTime(t *testing.T) {
	// Not in parallel with the others: it compares answer times.
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		svc, err := participation.NewService(db.Participation(), participation.Settings{APIKeyCost: identity.DefaultArgon2}, nil)
		must(t, err)
		live, err := svc.IssueAPIKey(ctx, admin, "Live app")
		must(t, err)
		revoked, err := svc.IssueAPIKey(ctx, admin, "Old app")
		must(t, err)
		must(t, svc.RevokeAPIKey(ctx, admin, revoked.ID))
		// The keys are tried in turns, five rounds, and each keeps its
		// fastest answer: a burst of load on the machine then slows every
		// key's turn alike instead of one key's three tries.
		keys := map[string]string{
			"live id, wrong secret": live.ID + ".wrong-secret",
			"unknown id":            "key_unknown.wrong-secret",
			"revoked id":            revoked.Key,
		}
		fastest := map[string]time.Duration{}
		for range 5 {
			for name, key := range keys {
				start := time.Now()
				_, err := svc.AuthenticateAPIKey(ctx, key)
				wantCode(t, "a wrong key", err, apperr.Unauthenticated, "bad_api_key")
				if d, ok := fastest[name]; !ok || time.Since(start) < d {
					fastest[name] = time.Since(start)
				}
			}
		}
		wrongSecret := fastest["live id, wrong secret"]
		for _, name := range []string{"unknown id", "revoked id"} {
			if d := fastest[name]; d < wrongSecret/3 {
				t.Errorf("%s answered in %s, a live id with a wrong secret in %s: the time tells them apart", name, d, wrongSecret)
			}
		}
	})
}

// Only a key AuthenticateAPIKey verified submits a report: one a caller
// builds, or reads from the list of keys, is refused.
func TestAppReportNeedsAVerifiedKey(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		k, err := f.svc.IssueAPIKey(ctx, admin, "App")
		must(t, err)
		listed, err := f.svc.APIKeys(ctx, admin)
		must(t, err)
		n := participation.NewReport{Category: "rubbish", Located: true, Lat: archLat, Lon: archLon, Description: "Bags left by the bins."}
		for name, key := range map[string]participation.APIKey{
			"built":  {ID: k.ID, Name: "App", SecretHash: "anything"},
			"listed": listed[0],
			"issued": k.APIKey,
		} {
			_, err := f.svc.SubmitReportFromApp(ctx, key, "it", n)
			wantCode(t, name+" key", err, apperr.Unauthenticated, "bad_api_key")
		}
		verified, err := f.svc.AuthenticateAPIKey(ctx, k.Key)
		must(t, err)
		_, err = f.svc.SubmitReportFromApp(ctx, verified, "it", n)
		must(t, err)
	})
}

// Guessing one key's secret is limited per key id, unknown ids alike; a
// right key does not use up the limit; the limit passes with its window.
func TestAPIKeyFailuresLimitedPerID(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		k, err := f.svc.IssueAPIKey(ctx, admin, "App")
		must(t, err)
		for range participation.APIKeyFailureLimit + 5 {
			_, err := f.svc.AuthenticateAPIKey(ctx, k.Key)
			must(t, err)
		}
		for _, id := range []string{k.ID, "key_unknown"} {
			for i := range participation.APIKeyFailureLimit {
				_, err := f.svc.AuthenticateAPIKey(ctx, id+".guess")
				wantCode(t, "guess "+strings.Repeat("I", i%5), err, apperr.Unauthenticated, "bad_api_key")
			}
			_, err = f.svc.AuthenticateAPIKey(ctx, id+".guess")
			wantCode(t, "one guess too many", err, apperr.RateLimited, "too_many_attempts")
		}
		_, err = f.svc.AuthenticateAPIKey(ctx, k.Key)
		wantCode(t, "the right key while held", err, apperr.RateLimited, "too_many_attempts")
		f.clock.Add(participation.APIKeyFailureWindow + time.Second)
		_, err = f.svc.AuthenticateAPIKey(ctx, k.Key)
		must(t, err)
	})
}
