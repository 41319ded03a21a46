package participation_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/identity"
	"cityhub/mail"
	"cityhub/outbox"
	"cityhub/participation"
	"cityhub/store"
)

// Points in Benevento: the Arch of Trajan, a spot 50 m from it, the
// station (Rione Ferrovia), and Naples (outside the city).
const (
	archLat, archLon         = 41.13160, 14.78020
	nearArchLat, nearArchLon = 41.13200, 14.78050
	stationLat, stationLon   = 41.13930, 14.78700
	naplesLat, naplesLon     = 40.85180, 14.26810
)

var (
	admin = identity.Caller{AccountID: "acc_admin", Name: "Admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	// secondAdmin moderates beside admin.
	secondAdmin = identity.Caller{AccountID: "acc_admin_two", Name: "Second admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	roads       = identity.Caller{AccountID: "acc_roads", Name: "Roads staff", Grants: []identity.Grant{{Role: identity.RoleCityStaff, Scope: "roads"}}}
	parks       = identity.Caller{AccountID: "acc_parks", Name: "Parks staff", Grants: []identity.Grant{{Role: identity.RoleCityStaff, Scope: "parks"}}}
	anna        = identity.Caller{AccountID: "acc_anna", Email: "anna@example.org", Name: "Anna Rossi", Locale: "it", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	bruno       = identity.Caller{AccountID: "acc_bruno", Email: "bruno@example.org", Name: "Bruno Verdi", Locale: "en", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	carla       = identity.Caller{AccountID: "acc_carla", Email: "carla@example.org", Name: "Carla Neri", Locale: "it", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	nobody      = identity.Caller{}
	callers     = []identity.Caller{anna, bruno, carla}
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

type fixture struct {
	db    store.DB
	svc   *participation.Service
	clock *clock
}

func newFixture(t *testing.T, db store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	svc, err := participation.NewService(db.Participation(), participation.Settings{
		APIKeyCost: identity.FastArgon2,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := mail.NewComposer("https://hub.example.org")
	if err != nil {
		t.Fatal(err)
	}
	svc.SendMail(c)
	clk := &clock{now: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	svc.SetClock(clk.Now)
	if err := db.Identity().InTx(ctx, func(tx identity.Tx) error {
		for _, p := range callers {
			if err := tx.InsertAccount(ctx, identity.Account{ID: p.AccountID, Email: p.Email, Name: p.Name, Locale: p.Locale,
				PasswordHash: "x", Grants: p.Grants, CreatedAt: clk.Now()}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return &fixture{db: db, svc: svc, clock: clk}
}

// outbox lists every e-mail enqueued, newest first.
func (f *fixture) outbox(t *testing.T) []mail.Message {
	t.Helper()
	page, err := outbox.NewService(f.db.Outbox()).List(context.Background(), admin, "", "", outbox.MaxPage)
	if err != nil {
		t.Fatal(err)
	}
	return page.Messages
}

// audited lists the audit entries of action, of the object objectID
// (any when ""), oldest first.
func (f *fixture) audited(t *testing.T, action, objectID string) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	must(t, f.db.Participation().View(context.Background(), func(tx participation.Tx) error {
		var err error
		out, err = tx.ListAudit(context.Background(), audit.Filter{Action: action, ObjectID: objectID})
		return err
	}))
	return out
}

func (f *fixture) report(t *testing.T, c identity.Caller, n participation.NewReport) participation.Report {
	t.Helper()
	r, err := f.svc.SubmitReport(context.Background(), c, n)
	if err != nil {
		t.Fatalf("SubmitReport: %v", err)
	}
	return r
}

func pothole(lat, lon float64) participation.NewReport {
	return participation.NewReport{Category: "pothole", Located: true, Lat: lat, Lon: lon, Description: "A deep pothole in the right lane."}
}

func wantCode(t *testing.T, what string, err error, code apperr.Code, reason string) {
	t.Helper()
	if apperr.CodeOf(err) != code || (reason != "" && apperr.ReasonOf(err) != reason) {
		t.Fatalf("%s: error %v, want %s/%s", what, err, code, reason)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
