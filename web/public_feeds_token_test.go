package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"cityhub/gbfs"
	"cityhub/identity"
)

// The public feeds outside the API (health, readiness, the signing keys,
// GBFS) read no caller: a client that sends an access token that does not
// verify (a stale one, sent to every address) gets their public answer,
// never 401, which they do not document. The API still refuses it at once.
func TestPublicFeedsIgnoreABadToken(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", func(env *testEnv, d *Deps) {
		f, err := gbfs.New(gbfs.SourceFunc(func(context.Context) (gbfs.Snapshot, error) {
			return gbfs.Snapshot{At: time.Now().UTC()}, nil
		}), gbfs.Config{System: gbfs.CitySystem("Benevento", "Europe/Rome"), BaseURL: testIssuer, Refresh: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		d.GBFS = f
	})
	_, good := env.account(t, identity.RoleCitizen)
	for _, auth := range []string{"Bearer not-a-token", "Bearer " + good[len("Bearer "):] + "x", "Basic Zm9vOmJhcg==", good} {
		for _, path := range []string{"/healthz", "/readyz", "/.well-known/jwks.json", "/gbfs/v3/gbfs.json", "/gbfs/v3/station_status.json"} {
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("Authorization", auth)
			rec := httptest.NewRecorder()
			env.Server.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Errorf("%s with %q: %d %s", path, auth, rec.Code, rec.Body.String())
			}
		}
	}
	req := httptest.NewRequest("GET", "/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer not-a-token")
	rec := httptest.NewRecorder()
	env.Server.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("/api/v1/me with a bad token: %d %s", rec.Code, rec.Body.String())
	}
}
