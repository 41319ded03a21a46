package identity_test

import (
	"context"
	"sync"
	"testing"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/internal/testutil"
	"cityhub/store"
	"cityhub/store/storetest"
)

// TestCallersAuthenticatedTogether: on PostgreSQL the account reads of
// requests that authenticate together go in one statement (on SQLite each
// is read alone); either way every request gets its own account and
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

		started, grouped := identity.HoldCallerReads(f.svc, len(who))
		if grouped != (db.Engine() == "postgres") {
			t.Fatalf("reads grouped: %v on %s", grouped, db.Engine())
		}
		// While the first request's read is on its way (held, when
		// grouped), bruno is given back his citizen's grant: the requests
		// that arrive after that see it.
		first := make(chan error, 1)
		go func() {
			_, err := f.svc.Authenticate(ctx, token[anna.ID])
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
			wg.Go(func() { callers[i], errs[i] = f.svc.Authenticate(ctx, token[id]) })
		}
		wg.Wait()
		if grouped {
			if err := <-first; err != nil {
				t.Fatalf("first request: %v", err)
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
