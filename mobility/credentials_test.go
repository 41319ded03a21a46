package mobility_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/store"
	"cityhub/store/storetest"
)

// brokerBook is the broker side as a list of what the hub told it.
type brokerBook struct {
	mu      sync.Mutex
	secrets map[string]string
	refuse  error
	// svc reads, when the hub says a change committed, the credential as
	// another connection sees it then: committed records what it found
	// ("g<generation>", "revoked").
	svc       *mobility.Service
	committed []string
}

func (b *brokerBook) StationCredentialCommitted(ctx context.Context, station string) {
	c, err := b.svc.StationCredential(ctx, adminCaller, station)
	seen := fmt.Sprintf("g%d", c.Generation)
	switch {
	case err != nil:
		seen = err.Error()
	case c.RevokedAt != nil:
		seen = "revoked"
	}
	b.mu.Lock()
	b.committed = append(b.committed, seen)
	b.mu.Unlock()
}

func (b *brokerBook) SetStationSecret(_ context.Context, station, secret string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.refuse != nil {
		return b.refuse
	}
	b.secrets[station] = secret
	return nil
}

func (b *brokerBook) RemoveStation(_ context.Context, station string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.refuse != nil {
		return b.refuse
	}
	delete(b.secrets, station)
	return nil
}

func (b *brokerBook) secret(station string) (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, ok := b.secrets[station]
	return s, ok
}

var (
	adminCaller    = identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	operatorCaller = identity.Caller{AccountID: "acc_op", Grants: []identity.Grant{{Role: identity.RoleOperator}}}
)

func credentialService(t *testing.T, db store.DB) (*mobility.Service, *brokerBook) {
	t.Helper()
	svc := mobilitytest.NewService(db.Mobility(), nil)
	book := &brokerBook{secrets: map[string]string{}, svc: svc}
	svc.SetBrokerAccounts(book)
	if _, err := svc.CreateStation(context.Background(), identity.System(), mobility.Station{ID: "piazza", NameIT: "Piazza", NameEN: "Square", Lat: 41.1, Lon: 14.7, Capacity: 4, Open: true}); err != nil {
		t.Fatal(err)
	}
	return svc, book
}

func authenticates(t *testing.T, svc *mobility.Service, user, secret string) bool {
	t.Helper()
	ok, err := svc.AuthenticateStation(context.Background(), user, secret)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestStationCredentialLifecycle(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc, book := credentialService(t, db)
		ctx := context.Background()
		if _, err := svc.IssueStationCredential(ctx, adminCaller, "nowhere"); !apperr.Has(err, apperr.NotFound) {
			t.Errorf("issue for a missing station: %v", err)
		}
		first, err := svc.IssueStationCredential(ctx, operatorCaller, "piazza")
		if err != nil {
			t.Fatal(err)
		}
		if len(first.Secret) < 32 || first.Username != "piazza" || first.Generation != 1 || first.IssuedBy != "acc_op" {
			t.Fatalf("issued %+v", first)
		}
		if got, _ := book.secret("piazza"); got != first.Secret {
			t.Errorf("broker holds %q, want the issued secret", got)
		}
		if !authenticates(t, svc, "piazza", first.Secret) || authenticates(t, svc, "piazza", first.Secret+"x") ||
			authenticates(t, svc, "other", first.Secret) || authenticates(t, svc, "piazza", "") {
			t.Error("only the issued secret of its station may authenticate")
		}
		stored, err := svc.StationCredential(ctx, adminCaller, "piazza")
		if err != nil || stored.SecretHash == first.Secret || stored.SecretHash == "" || !stored.Active() {
			t.Fatalf("stored %+v, %v: want a hash, never the secret", stored, err)
		}
		if _, err := svc.IssueStationCredential(ctx, adminCaller, "piazza"); apperr.ReasonOf(err) != "credential_active" {
			t.Errorf("second issue: %v", err)
		}
		second, err := svc.RotateStationCredential(ctx, adminCaller, "piazza")
		if err != nil || second.Generation != 2 || second.Secret == first.Secret {
			t.Fatalf("rotate: %+v %v", second, err)
		}
		if authenticates(t, svc, "piazza", first.Secret) || !authenticates(t, svc, "piazza", second.Secret) {
			t.Error("after a rotation only the new secret may authenticate")
		}
		if _, err := svc.RevokeStationCredential(ctx, adminCaller, "piazza"); err != nil {
			t.Fatal(err)
		}
		if authenticates(t, svc, "piazza", second.Secret) {
			t.Error("a revoked credential still authenticates")
		}
		if _, ok := book.secret("piazza"); ok {
			t.Error("the broker still has the revoked account")
		}
		if _, err := svc.RotateStationCredential(ctx, adminCaller, "piazza"); !apperr.Has(err, apperr.NotFound) {
			t.Errorf("rotate a revoked credential: %v", err)
		}
		if _, err := svc.RevokeStationCredential(ctx, adminCaller, "piazza"); !apperr.Has(err, apperr.NotFound) {
			t.Errorf("revoke twice: %v", err)
		}
		third, err := svc.IssueStationCredential(ctx, adminCaller, "piazza")
		if err != nil || third.Generation != 3 || !authenticates(t, svc, "piazza", third.Secret) {
			t.Fatalf("issue after revoke: %+v %v", third, err)
		}
		// The broker refuses: nothing changes in the hub either.
		book.refuse = errors.New("broker down")
		if _, err := svc.RotateStationCredential(ctx, adminCaller, "piazza"); !apperr.Has(err, apperr.Unavailable) {
			t.Errorf("rotate with the broker refusing: %v", err)
		}
		if !authenticates(t, svc, "piazza", third.Secret) {
			t.Error("a failed rotation changed the secret")
		}
		// The broker holds an account of that name that is not a
		// station's: a conflict, which trying again cannot mend.
		book.refuse = apperr.R(apperr.Conflict, "broker_account_taken", "The broker has an account piazza that is not a station's.")
		for _, try := range []func() error{
			func() error { _, err := svc.RotateStationCredential(ctx, adminCaller, "piazza"); return err },
			func() error { _, err := svc.RevokeStationCredential(ctx, adminCaller, "piazza"); return err },
		} {
			if err := try(); apperr.ReasonOf(err) != "broker_account_taken" || !apperr.Has(err, apperr.Conflict) {
				t.Errorf("a broker account that is not the station's: %v, want 409 broker_account_taken", err)
			}
		}
		if !authenticates(t, svc, "piazza", third.Secret) {
			t.Error("a refused change changed the secret")
		}
		book.refuse = nil
		// The broker was told of each change once it had committed (the
		// embedded broker then drops a login checked against the old
		// credential), and of no refused one.
		book.mu.Lock()
		if got := fmt.Sprint(book.committed); got != "[g1 g2 revoked g3]" {
			t.Errorf("the broker was told of committed changes %s, want [g1 g2 revoked g3]", got)
		}
		book.mu.Unlock()
		var actions []string
		err = db.Mobility().View(ctx, func(tx mobility.Tx) error {
			es, err := tx.ListAudit(ctx, audit.Filter{ObjectType: "station", ObjectID: "piazza"})
			for _, e := range es {
				actions = append(actions, e.ActorID+":"+e.Action)
			}
			return err
		})
		if want := "[acc_op:station_credential.issue acc_admin:station_credential.rotate acc_admin:station_credential.revoke acc_admin:station_credential.issue]"; err != nil || fmt.Sprint(actions) != want {
			t.Errorf("audit %v %v, want %s (the refused rotation not recorded)", actions, err, want)
		}
		// Deleting the station takes its account with it, or, the broker
		// refusing, deletes nothing.
		book.refuse = errors.New("broker down")
		if err := svc.DeleteStation(ctx, identity.System(), "piazza"); !apperr.Has(err, apperr.Unavailable) {
			t.Errorf("delete with the broker refusing: %v", err)
		}
		if _, err := svc.StationDetail(ctx, "piazza"); err != nil || !authenticates(t, svc, "piazza", third.Secret) {
			t.Errorf("a refused deletion deleted the station or its credential: %v", err)
		}
		book.refuse = nil
		if err := svc.DeleteStation(ctx, identity.System(), "piazza"); err != nil {
			t.Fatal(err)
		}
		if _, ok := book.secret("piazza"); ok || authenticates(t, svc, "piazza", third.Secret) {
			t.Error("a deleted station's account survives")
		}
		// A station that never had a credential has no account to drop: it
		// is deleted whatever the broker says.
		if _, err := svc.CreateStation(ctx, identity.System(), mobility.Station{ID: "ponte", NameIT: "Ponte", NameEN: "Bridge", Lat: 41.1, Lon: 14.7, Capacity: 4, Open: true}); err != nil {
			t.Fatal(err)
		}
		book.refuse = errors.New("broker down")
		if err := svc.DeleteStation(ctx, identity.System(), "ponte"); err != nil {
			t.Errorf("a station without a credential, the broker down: %v", err)
		}
		book.refuse = nil
	})
}

func TestStationCredentialRoles(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc, _ := credentialService(t, db)
		ctx := context.Background()
		for _, tc := range []struct {
			name   string
			caller identity.Caller
			want   apperr.Code
		}{
			{"anonymous", identity.Caller{}, apperr.Unauthenticated},
			{"citizen", identity.Caller{AccountID: "c", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}, apperr.Forbidden},
			{"merchant", identity.Caller{AccountID: "m", Grants: []identity.Grant{{Role: identity.RoleMerchant, Scope: "shop"}}}, apperr.Forbidden},
			{"door", identity.Caller{AccountID: "d", Grants: []identity.Grant{{Role: identity.RoleDoor, Scope: "venue"}}}, apperr.Forbidden},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, e1 := svc.IssueStationCredential(ctx, tc.caller, "piazza")
				_, e2 := svc.RotateStationCredential(ctx, tc.caller, "piazza")
				_, e3 := svc.RevokeStationCredential(ctx, tc.caller, "piazza")
				_, e4 := svc.StationCredentials(ctx, tc.caller)
				_, e5 := svc.Incidents(ctx, tc.caller, true, "")
				for i, err := range []error{e1, e2, e3, e4, e5} {
					if !apperr.Has(err, tc.want) {
						t.Errorf("operation %d: %v, want %s", i+1, err, tc.want)
					}
				}
			})
		}
	})
}

// Racing first issues: exactly one wins. Racing rotations: each one that
// succeeds replaced the one before, and the last one's secret is the one
// both the hub and the broker hold.
func TestConcurrentCredentialWrites(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc, book := credentialService(t, db)
		ctx := context.Background()
		const n = 8
		run := func(op func() (mobility.IssuedCredential, error)) (wins []string) {
			start := make(chan struct{})
			var mu sync.Mutex
			var wg sync.WaitGroup
			for range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					c, err := op()
					mu.Lock()
					defer mu.Unlock()
					switch r := apperr.ReasonOf(err); {
					case err == nil:
						wins = append(wins, c.Secret)
					case r != "credential_active" && r != "credential_changed":
						t.Errorf("loser: %v", err)
					}
				}()
			}
			close(start)
			wg.Wait()
			return wins
		}
		issued := run(func() (mobility.IssuedCredential, error) {
			return svc.IssueStationCredential(ctx, adminCaller, "piazza")
		})
		if len(issued) != 1 {
			t.Fatalf("%d first issues succeeded, want 1", len(issued))
		}
		rotated := run(func() (mobility.IssuedCredential, error) {
			return svc.RotateStationCredential(ctx, adminCaller, "piazza")
		})
		if len(rotated) == 0 {
			t.Fatal("no rotation succeeded")
		}
		held, _ := book.secret("piazza")
		valid := 0
		for _, s := range append(issued, rotated...) {
			if authenticates(t, svc, "piazza", s) {
				valid++
				if s != held {
					t.Error("the hub and the broker hold different secrets")
				}
			}
		}
		if valid != 1 {
			t.Errorf("%d secrets valid, want exactly 1", valid)
		}
	})
}

// A late ok raises one incident per request, names the failed ride, and an
// operator resolves it; the ok of a ride that started raises none, nor does
// an ok for a request the hub never sent that station (a station flooding
// made-up request ids raised 12,247 incidents in seconds).
func TestLateUnlockRaisesOneIncident(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc, _ := credentialService(t, db)
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Microsecond)
		if _, err := svc.CreateStation(ctx, identity.System(), mobility.Station{ID: "duomo", NameIT: "Duomo", NameEN: "Cathedral", Lat: 41.2, Lon: 14.8, Capacity: 4, Open: true}); err != nil {
			t.Fatal(err)
		}
		plan := mobility.PricingPlan{ID: "base", NameIT: "Base", UnlockCents: 100, PerMin: []mobility.Segment{{StartMin: 0, RateCents: 10, IntervalMin: 1}}}
		failed := mobility.Ride{ID: "ride_late", CommandID: "cmd_late", RiderID: "acc_rider", BikeID: "b-1", StartStation: "piazza",
			StartDock: 2, Status: mobility.RideFailed, PricingPlanID: plan.ID, Plan: plan, Deadline: now, CreatedAt: now, FailureReason: "timeout"}
		if err := db.Mobility().InTx(ctx, func(tx mobility.Tx) error { return tx.InsertRide(ctx, failed) }); err != nil {
			t.Fatal(err)
		}
		for _, stray := range []struct{ station, request string }{{"piazza", "cmd_unknown"}, {"duomo", "cmd_late"}} {
			raised, err := svc.UnlockConfirmedLate(ctx, identity.System(), stray.station, stray.request, now)
			if raised || !apperr.Has(err, apperr.NotFound) || apperr.ReasonOf(err) != mobility.ReasonUnknownCommand {
				t.Errorf("ok of %s at %s, never sent there: raised %v, %v; want NotFound", stray.request, stray.station, raised, err)
			}
		}
		for i := range 3 {
			if raised, err := svc.UnlockConfirmedLate(ctx, identity.System(), "piazza", "cmd_late", now); err != nil || raised != (i == 0) {
				t.Fatalf("late ok %d: raised %v, %v", i, raised, err)
			}
		}
		open, err := svc.Incidents(ctx, operatorCaller, true, "")
		if err != nil || len(open) != 1 || open[0].Kind != mobility.IncidentReleasedWithoutRide || open[0].StationID != "piazza" || open[0].RequestID != "cmd_late" ||
			open[0].RideID != failed.ID || open[0].BikeID != "b-1" || open[0].Dock != 2 {
			t.Fatalf("incidents %+v %v", open, err)
		}
		if err := svc.ResolveIncident(ctx, operatorCaller, open[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := svc.ResolveIncident(ctx, operatorCaller, open[0].ID); !apperr.Has(err, apperr.NotFound) {
			t.Errorf("resolve twice: %v", err)
		}
		if open, _ := svc.Incidents(ctx, operatorCaller, true, ""); len(open) != 0 {
			t.Errorf("open after resolve: %+v", open)
		}
		all, _ := svc.Incidents(ctx, adminCaller, false, "")
		if len(all) != 1 || all[0].ResolvedAt == nil || all[0].ResolvedBy != "acc_op" {
			t.Errorf("all incidents %+v", all)
		}
	})
}
