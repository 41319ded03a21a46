package identity_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/internal/testutil"
	"cityhub/store"
	"cityhub/store/storetest"
)

// TestCallersAuthenticatedTogether: on PostgreSQL the account reads of
// requests that authenticate together go in one statement, each account
// once (on SQLite each is read alone); either way every request gets its own account and
// grants as they were when it arrived (changed while the read before was
// on its way), and a disabled account is refused in the same read as the
// others.
func TestCallersAuthenticatedTogether(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		anna, bruno, carla := f.register(t, "anna@example.org"), f.register(t, "bruno@example.org"), f.register(t, "carla@example.org")
		shopGrant := identity.Grant{Role: identity.RoleMerchant, Scope: "shop-1"}
		if err := db.Identity().InTx(ctx, func(tx identity.Tx) error {
			if err := tx.SetAccountGrants(ctx, bruno.ID, []identity.Grant{shopGrant}); err != nil {
				return err
			}
			return tx.SetAccountDisabled(ctx, carla.ID, true)
		}); err != nil {
			t.Fatal(err)
		}
		token := map[string]string{}
		for _, a := range []identity.Account{anna, bruno, carla} {
			tok, _, err := f.svc.SignAccessToken(a.ID, f.clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			token[a.ID] = tok
		}
		who := []string{anna.ID, bruno.ID, carla.ID, anna.ID, bruno.ID, anna.ID, carla.ID, bruno.ID, anna.ID}

		// The service under test reads through a store that counts its
		// grouped reads, where the store has them.
		var st identity.Store = db.Identity()
		var reads *countedReads
		if r, ok := st.(identity.AccountsReader); ok {
			reads = &countedReads{Store: st, r: r}
			st = reads
		}
		svc := identity.NewService(st, f.keys, identity.Options{Issuer: "http://cityhub.test", Argon2: identity.FastArgon2,
			Now: f.clock.Now, AnswerFloor: -1}, storetest.Logger(t))
		started, grouped := identity.HoldCallerReads(svc, len(who))
		if grouped != (db.Engine() == "postgres") {
			t.Fatalf("reads grouped: %v on %s", grouped, db.Engine())
		}
		// While the first request's read is on its way (held, when
		// grouped), bruno is given back his citizen's grant: the requests
		// that arrive after that see it.
		first := make(chan error, 1)
		go func() {
			_, err := svc.Authenticate(ctx, token[anna.ID])
			first <- err
		}()
		if grouped {
			<-started
		} else if err := <-first; err != nil {
			t.Fatalf("first request: %v", err)
		}
		if err := db.Identity().InTx(ctx, func(tx identity.Tx) error {
			return tx.SetAccountGrants(ctx, bruno.ID, []identity.Grant{{Role: identity.RoleCitizen}, shopGrant})
		}); err != nil {
			t.Fatal(err)
		}

		callers := make([]identity.Caller, len(who))
		errs := make([]error, len(who))
		var wg sync.WaitGroup
		for i, id := range who {
			wg.Go(func() { callers[i], errs[i] = svc.Authenticate(ctx, token[id]) })
		}
		wg.Wait()
		if grouped {
			if err := <-first; err != nil {
				t.Fatalf("first request: %v", err)
			}
		}
		if grouped {
			// The first request's read alone, then the nine's in one
			// statement, each account once.
			want := []string{anna.ID, bruno.ID, carla.ID}
			slices.Sort(want)
			if len(reads.calls) != 2 || !slices.Equal(reads.calls[0], []string{anna.ID}) || !slices.Equal(slices.Sorted(slices.Values(reads.calls[1])), want) {
				t.Errorf("the accounts were read as %v, want [%s] then %v", reads.calls, anna.ID, want)
			}
		}
		for i, id := range who {
			switch id {
			case carla.ID:
				testutil.WantCode(t, errs[i], apperr.Unauthenticated)
			case bruno.ID:
				if errs[i] != nil || callers[i].AccountID != bruno.ID || len(callers[i].Grants) != 2 || !callers[i].HasIn(identity.RoleMerchant, "shop-1") {
					t.Errorf("bruno's request %d: %+v %v, want bruno with his two grants, as changed before it arrived", i, callers[i], errs[i])
				}
			default:
				if errs[i] != nil || callers[i].AccountID != anna.ID || callers[i].Email != "anna@example.org" || callers[i].Has(identity.RoleMerchant) {
					t.Errorf("anna's request %d: %+v %v, want anna's own account", i, callers[i], errs[i])
				}
			}
		}
	})
}

// countedReads is a store whose grouped account reads are recorded.
type countedReads struct {
	identity.Store
	r     identity.AccountsReader
	mu    sync.Mutex
	calls [][]string
}

func (c *countedReads) AccountsByID(ctx context.Context, ids []string) ([]identity.Account, error) {
	c.mu.Lock()
	c.calls = append(c.calls, slices.Clone(ids))
	c.mu.Unlock()
	return c.r.AccountsByID(ctx, ids)
}
