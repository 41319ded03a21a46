package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"cityhub/config"
	"cityhub/identity"
	"cityhub/simulator"
	"cityhub/store"
)

// TestPasswordHashCostReachesEveryHash: CITYHUB_PASSWORD_HASH_COST is the
// cost of every hash the hub makes, each read back from the database as
// stored: an administrator's password (cityhub create-admin), a station's
// broker secret and a participation API key, the last two from the services
// as wire builds them. Unset, the cost is OWASP's minimum.
func TestPasswordHashCostReachesEveryHash(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, cost, prefix string
		all                bool // also the station secret and the API key
	}{
		{"test cost", "m=64,t=1,p=1", "$argon2id$v=19$m=64,t=1,p=1$", true},
		{"another cost", "t=2,p=2,m=256", "$argon2id$v=19$m=256,t=2,p=2$", true},
		// At the default the password alone: each hash costs 19 MiB and two
		// passes, and the other two take the same setting the same way.
		{"default", "", "$argon2id$v=19$m=19456,t=2,p=1$", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			env := map[string]string{"CITYHUB_DATA_DIR": t.TempDir(), "CITYHUB_PASSWORD_HASH_COST": tc.cost,
				"CITYHUB_ADMIN_PASSWORD": "a long enough password", "CITYHUB_LOG_LEVEL": "warn"}
			getenv := testGetenv(env)
			var logs bytes.Buffer
			if err := run(ctx, []string{"create-admin", "-email", "sindaco@comune.example"}, getenv, io.Discard, &logs); err != nil {
				t.Fatalf("create-admin: %v\n%s", err, logs.String())
			}
			cfg, err := config.Parse("serve", nil, getenv, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var admin identity.Account
			if err := db.Identity().View(ctx, func(tx identity.Tx) error {
				admin, err = tx.AccountByEmail(ctx, "sindaco@comune.example")
				return err
			}); err != nil {
				t.Fatal(err)
			}
			hashes := map[string]string{"password": admin.PasswordHash}
			if tc.all {
				log := slog.New(slog.DiscardHandler)
				m := newMobility(cfg, db, log)
				layout := simulator.Layout("hc", 1, 2)
				if err := simulator.SeedCatalogue(ctx, m.svc, layout); err != nil {
					t.Fatal(err)
				}
				if _, err := m.svc.IssueStationCredential(ctx, identity.System(), layout[0].ID); err != nil {
					t.Fatal(err)
				}
				cred, err := m.svc.StationCredential(ctx, identity.System(), layout[0].ID)
				if err != nil {
					t.Fatal(err)
				}
				hashes["station secret"] = cred.SecretHash

				h := &hub{cfg: cfg, db: db, log: log}
				if _, err := h.newParticipation(); err != nil {
					t.Fatal(err)
				}
				if _, err := h.parts.IssueAPIKey(ctx, admin.Caller(), "Segnalazioni app"); err != nil {
					t.Fatal(err)
				}
				keys, err := h.parts.APIKeys(ctx, admin.Caller())
				if err != nil || len(keys) != 1 {
					t.Fatalf("api keys %+v, %v", keys, err)
				}
				hashes["api key"] = keys[0].SecretHash
			}
			for what, h := range hashes {
				if !strings.HasPrefix(h, tc.prefix) {
					t.Errorf("the %s hash %.40q does not start with %s", what, h, tc.prefix)
				}
			}
			// The start says so below OWASP's minimum, and only then.
			var warned bytes.Buffer
			warnHashCost(cfg, slog.New(slog.NewTextHandler(&warned, nil)))
			if below := cfg.PasswordHashCost.BelowOWASP(); below != strings.Contains(warned.String(), "level=WARN msg=\"CITYHUB_PASSWORD_HASH_COST is below OWASP's minimum") {
				t.Errorf("below OWASP's minimum %v, start log %q", below, warned.String())
			}
		})
	}
}

// A hub told nothing hashes at identity's own default.
func TestDefaultHashCostIsIdentitys(t *testing.T) {
	t.Parallel()
	if got := hashCost(config.Default()); got != identity.DefaultArgon2 {
		t.Errorf("the default configured cost %+v is not identity.DefaultArgon2 %+v", got, identity.DefaultArgon2)
	}
}

// cityhub check says what new hashes cost, and warns below OWASP's minimum
// without failing.
func TestCheckWarnsOfAWeakHashCost(t *testing.T) {
	t.Parallel()
	for cost, want := range map[string]string{
		"":                `(?m)^ok    passwords  argon2id m=19456,t=2,p=1 for new hashes`,
		"m=65536,t=3,p=4": `(?m)^ok    passwords  argon2id m=65536,t=3,p=4 for new hashes`,
		"m=64,t=1,p=1":    `(?m)^WARN  passwords  argon2id m=64,t=1,p=1 is below OWASP's minimum \(m=19456,t=2,p=1\)`,
	} {
		env := map[string]string{"CITYHUB_DATA_DIR": t.TempDir(), "CITYHUB_PASSWORD_HASH_COST": cost}
		var out bytes.Buffer
		if err := run(context.Background(), []string{"check"}, testGetenv(env), &out, io.Discard); err != nil {
			t.Errorf("cost %q: check failed: %v\n%s", cost, err, out.String())
		}
		if !regexp.MustCompile(want).MatchString(out.String()) {
			t.Errorf("cost %q: want a line matching %s, got:\n%s", cost, want, out.String())
		}
	}
}
