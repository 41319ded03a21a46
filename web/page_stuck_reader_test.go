package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
)

// A station whose reader sticks on the tag of a bike it released goes on
// listing that bike in its dock; the ride goes on (docs/mqtt.md), and the
// operator's station page says the bike listed there is out on a ride,
// where it showed the dock holding it like any other.
func TestOperatorSeesABikeListedWhileOnARide(t *testing.T) {
	t.Parallel()
	b := newBikePagesEnv(t)
	ctx := context.Background()
	st := b.m.Stations[0]
	dock, bike := st.Bikes[0].Dock, st.Bikes[0].ID
	_, acct := b.signIn(t, identity.RoleCitizen)
	b.topUp(t, acct.ID, 1000)
	if _, err := b.m.Svc.Unlock(ctx, mobilitytest.Citizen(acct.ID), mobility.UnlockRequest{StationID: st.ID, Dock: dock}); err != nil {
		t.Fatal(err)
	}
	op, _ := b.signIn(t, identity.RoleOperator)
	page := "/operator/bikes/stations/" + st.ID
	// The simulated station shows the dock empty after the unlock, as
	// docs/mqtt.md asks; until then the page has nothing to say.
	testutil.Eventually(t, 10*time.Second, "the station's status without the bike", func() bool {
		s, err := b.m.Svc.StationDetail(ctx, st.ID)
		if err != nil {
			return false
		}
		for _, x := range s.Bikes {
			if x.BikeID == bike {
				return false
			}
		}
		_, body := op.Get(page)
		return !strings.Contains(body, "<code>"+bike+"</code>")
	})
	// Its reader, stuck, lists the bike again in a fresh status.
	report := &mobility.StatusReport{TS: time.Now(), Online: true}
	for _, x := range st.Bikes {
		report.Docks = append(report.Docks, mobility.DockState{Dock: x.Dock, BikeID: x.ID, Locked: true})
	}
	if err := b.m.Svc.Ingest(ctx, identity.System(), []mobility.Telemetry{{StationID: st.ID, Kind: mobility.KindStatus, Status: report, Received: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.m.Svc.CurrentRide(ctx, mobilitytest.Citizen(acct.ID)); err != nil {
		t.Fatalf("the stuck listing ended the ride: %v", err)
	}
	_, body := op.Get(page)
	want := "<code>" + bike + "</code>"
	i := strings.Index(body, want)
	if i < 0 || !strings.Contains(body[i:], `<span class="status status-warn" data-testid="dock-on-ride">In corsa: la stazione la elenca ancora qui (lettore bloccato?)</span>`) ||
		strings.Count(body, `data-testid="dock-on-ride"`) != 1 {
		t.Fatalf("the dock listing %s, out on a ride, is not marked (once):\n%s", bike, body)
	}
}
