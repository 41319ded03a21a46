package identity_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/internal/testutil"
	"cityhub/store"
	"cityhub/store/storetest"
)

// TestCallersAuthenticatedTogether: on PostgreSQL the account reads of
// requests that authenticate together (tokens and page sessions) go in one
// statement, each account once; on SQLite each is read alone. Either way
// every request gets its own account and grants as they were when it
// arrived: a grant changed while the read before was on its way (its
// statement answered, its callers not yet told) is seen by the requests
// that arrive after the change, not by that read's, and nothing read is
// kept for a later request. A disabled account and an account that does
// not exist are refused in the same read as the others.
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
		const missing = "acc_nobody"
		token := map[string]string{}
		for _, id := range []string{anna.ID, bruno.ID, carla.ID, missing} {
			tok, _, err := f.svc.SignAccessToken(id, f.clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			token[id] = tok
		}
		session, _, err := f.svc.StartSession(ctx, "anna@example.org", password, "")
		if err != nil {
			t.Fatal(err)
		}

		// The service under test reads through a store that counts its
		// grouped reads and holds the first one after its statement
		// answered, where the store has them.
		var st identity.Store = db.Identity()
		var reads *countedReads
		if r, ok := st.(identity.AccountsReader); ok {
			reads = &countedReads{Store: st, r: r, answered: make(chan struct{}), release: make(chan struct{})}
			st = reads
		}
		svc := identity.NewService(st, f.keys, identity.Options{Issuer: "http://cityhub.test", Argon2: identity.FastArgon2,
			Now: f.clock.Now, AnswerFloor: -1}, storetest.Logger(t))
		queued, grouped := identity.CallerReadsQueued(svc)
		if grouped != (db.Engine() == "postgres") {
			t.Fatalf("reads grouped: %v on %s", grouped, db.Engine())
		}
		// Bruno's first request is read while he holds the shop's grant
		// alone.
		type answer struct {
			c   identity.Caller
			err error
		}
		first := make(chan answer, 1)
		go func() {
			c, err := svc.Authenticate(ctx, token[bruno.ID])
			first <- answer{c, err}
		}()
		var firstAnswer answer
		if grouped {
			testutil.Receive(t, 20*time.Second, "the first read", reads.answered)
		} else {
			firstAnswer = <-first
		}
		if err := db.Identity().InTx(ctx, func(tx identity.Tx) error {
			return tx.SetAccountGrants(ctx, bruno.ID, []identity.Grant{{Role: identity.RoleCitizen}, shopGrant})
		}); err != nil {
			t.Fatal(err)
		}

		who := []string{anna.ID, bruno.ID, carla.ID, anna.ID, missing, bruno.ID, anna.ID, carla.ID, bruno.ID, anna.ID, "session"}
		callers := make([]identity.Caller, len(who))
		errs := make([]error, len(who))
		var wg sync.WaitGroup
		for i, id := range who {
			wg.Go(func() {
				if id == "session" {
					callers[i], errs[i] = svc.SessionCaller(ctx, session)
					return
				}
				callers[i], errs[i] = svc.Authenticate(ctx, token[id])
			})
		}
		if grouped {
			// All of them queue behind the first read before it is let go.
			for n := 0; n < len(who); {
				n = testutil.Receive(t, 20*time.Second, "the requests' queueing", queued)
			}
			close(reads.release)
			firstAnswer = testutil.Receive(t, 20*time.Second, "the first request", first)
		}
		wg.Wait()

		if firstAnswer.err != nil || firstAnswer.c.AccountID != bruno.ID || len(firstAnswer.c.Grants) != 1 {
			t.Errorf("bruno's first request: %+v %v, want bruno with the shop's grant alone", firstAnswer.c, firstAnswer.err)
		}
		if grouped {
			// The first request's read alone, then the others' in one
			// statement, each account once.
			want := []string{anna.ID, bruno.ID, carla.ID, missing}
			slices.Sort(want)
			if len(reads.calls) != 2 || !slices.Equal(reads.calls[0], []string{bruno.ID}) || !slices.Equal(slices.Sorted(slices.Values(reads.calls[1])), want) {
				t.Errorf("the accounts were read as %v, want [%s] then %v", reads.calls, bruno.ID, want)
			}
		}
		for i, id := range who {
			switch id {
			case carla.ID, missing:
				testutil.WantCode(t, errs[i], apperr.Unauthenticated)
			case bruno.ID:
				if errs[i] != nil || callers[i].AccountID != bruno.ID || len(callers[i].Grants) != 2 || !callers[i].HasIn(identity.RoleMerchant, "shop-1") {
					t.Errorf("bruno's request %d: %+v %v, want bruno with his two grants, as changed before it arrived", i, callers[i], errs[i])
				}
			default:
				if errs[i] != nil || callers[i].AccountID != anna.ID || callers[i].Email != "anna@example.org" || callers[i].Has(identity.RoleMerchant) {
					t.Errorf("anna's request %d (%s): %+v %v, want anna's own account", i, id, callers[i], errs[i])
				}
			}
		}

		// Nothing read is kept: bruno's next request, after he lost the
		// shop, is read again.
		if err := db.Identity().InTx(ctx, func(tx identity.Tx) error {
			return tx.SetAccountGrants(ctx, bruno.ID, []identity.Grant{{Role: identity.RoleCitizen}})
		}); err != nil {
			t.Fatal(err)
		}
		if c, err := svc.Authenticate(ctx, token[bruno.ID]); err != nil || c.Has(identity.RoleMerchant) || len(c.Grants) != 1 {
			t.Errorf("bruno's request after he lost the shop: %+v %v, want the citizen's grant alone", c, err)
		}
	})
}

// countedReads is a store whose grouped account reads are recorded; the
// first is held, once its statement answered, until release is closed.
type countedReads struct {
	identity.Store
	r                 identity.AccountsReader
	answered, release chan struct{}
	mu                sync.Mutex
	calls             [][]string
}

func (c *countedReads) AccountsByID(ctx context.Context, ids []string) ([]identity.Account, error) {
	c.mu.Lock()
	c.calls = append(c.calls, slices.Clone(ids))
	n := len(c.calls)
	c.mu.Unlock()
	accounts, err := c.r.AccountsByID(ctx, ids)
	if n == 1 {
		close(c.answered)
		<-c.release
	}
	return accounts, err
}
