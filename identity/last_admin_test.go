package identity_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/internal/testutil"
	"cityhub/store"
	"cityhub/store/storetest"
)

// activeAdmins lists the accounts that can still run the city.
func (f *accountsFixture) activeAdmins(t *testing.T) []string {
	t.Helper()
	return f.search(t, identity.AccountQuery{Role: identity.RoleAdmin, State: identity.StateActive})
}

// The city keeps an administrator: no change takes away its last one,
// whichever way (its role taken, the account disabled or erased), while
// one of several may go.
func TestLastAdministratorStays(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newAccountsFixture(t, db)
		ctx := context.Background()

		// The only administrator cannot erase their account.
		err := f.svc.DeleteAccount(ctx, f.adminID)
		testutil.WantReason(t, err, apperr.Conflict, "last_admin")
		wantIDs(t, "administrators after the refused erasure", f.activeAdmins(t), f.adminID)

		second, err := f.svc.CreateAccount(ctx, f.admin, identity.NewAccount{Email: "vice@comune.example", Password: password, Name: "Vice", Grants: adminGrants})
		if err != nil {
			t.Fatal(err)
		}
		vice := second.Caller()

		// One of two may be disabled; the one left cannot be, by the one
		// disabled, whose request was let in before (the caller's grants
		// are those its request read).
		if _, err := f.svc.SetDisabled(ctx, vice, f.adminID, true); err != nil {
			t.Fatalf("disable one of two administrators: %v", err)
		}
		_, err = f.svc.SetDisabled(ctx, f.admin, second.ID, true)
		testutil.WantReason(t, err, apperr.Conflict, "last_admin")
		err = f.svc.DeleteAccount(ctx, second.ID)
		testutil.WantReason(t, err, apperr.Conflict, "last_admin")
		_, err = f.svc.SetGrants(ctx, f.admin, second.ID, citizenGrants)
		testutil.WantReason(t, err, apperr.Conflict, "last_admin")
		wantIDs(t, "administrators after the refusals", f.activeAdmins(t), second.ID)

		// Enabled again, either may go.
		if _, err := f.svc.SetDisabled(ctx, vice, f.adminID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SetGrants(ctx, vice, f.adminID, citizenGrants); err != nil {
			t.Fatalf("take the role from one of two administrators: %v", err)
		}
		wantIDs(t, "administrators", f.activeAdmins(t), second.ID)
		if _, err := f.svc.SetGrants(ctx, vice, f.adminID, adminGrants); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.DeleteAccount(ctx, second.ID); err != nil {
			t.Fatalf("erase one of two administrators: %v", err)
		}
		wantIDs(t, "administrators after the erasure", f.activeAdmins(t), f.adminID)
	})
}

// Two administrators who take each other away at the same moment (the
// role, the account disabled, or each erasing their own) leave one: the
// second change is judged on what the first left. Without the locks both
// changes pass on PostgreSQL, each having seen the other still there.
func TestAdministratorsRemovingEachOtherRace(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newAccountsFixture(t, db)
		ctx := context.Background()
		survivor := f.admin
		for round := range 12 {
			next, err := f.svc.CreateAccount(ctx, survivor, identity.NewAccount{Email: fmt.Sprintf("admin%d@comune.example", round),
				Password: password, Name: fmt.Sprintf("Admin %d", round), Grants: adminGrants})
			if err != nil {
				t.Fatal(err)
			}
			pair := [2]identity.Caller{survivor, next.Caller()}
			remove := func(by, whom identity.Caller) error {
				switch round % 3 {
				case 0:
					_, err := f.svc.SetGrants(ctx, by, whom.AccountID, citizenGrants)
					return err
				case 1:
					_, err := f.svc.SetDisabled(ctx, by, whom.AccountID, true)
					return err
				}
				return f.svc.DeleteAccount(ctx, by.AccountID)
			}
			start := make(chan struct{})
			var errs [2]error
			var wg sync.WaitGroup
			for i := range 2 {
				wg.Go(func() {
					<-start
					errs[i] = remove(pair[i], pair[1-i])
				})
			}
			close(start)
			wg.Wait()
			left := f.activeAdmins(t)
			if len(left) != 1 {
				t.Fatalf("round %d: administrators left %v (errors %v)", round, left, errs)
			}
			passed := 0
			for _, err := range errs {
				if err == nil {
					passed++
				} else if !apperr.Has(err, apperr.Conflict) || apperr.ReasonOf(err) != "last_admin" {
					t.Fatalf("round %d: %v, want Conflict last_admin", round, err)
				}
			}
			if passed != 1 {
				t.Fatalf("round %d: %d changes passed, want 1", round, passed)
			}
			for _, c := range pair {
				if c.AccountID == left[0] {
					survivor = c
				}
			}
		}
	})
}
