package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/store/storetest"
	"cityhub/web/webtest"
)

// A ride of 120.892693 s is in its third minute: the ride page, the list
// of rides and the API all say 2 min 01 s (121 s, a second begun counted
// whole) and 1,30 € (1,00 € to unlock, three minutes begun at 0,10 €),
// where they said 2 min 00 s and 1,20 €, two minutes that no published
// plan charges for a ride that long.
func TestRidePagesShowTheLengthTheFareCharges(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			b := newBikePagesEnvOn(t, engine, nil)
			ctx := context.Background()
			acct, token := b.env.account(t, identity.RoleCitizen)
			b.topUp(t, acct.ID, 1000)
			st := b.m.Stations[0]
			started, err := b.m.Svc.Unlock(ctx, mobilitytest.Citizen(acct.ID), mobility.UnlockRequest{StationID: st.ID, Dock: st.Bikes[0].Dock})
			if err != nil {
				t.Fatal(err)
			}
			end := started.StartedAt.Add(120*time.Second + 892693*time.Microsecond)
			b.m.Svc.SetClock(func() time.Time { return end.Add(time.Hour) })
			ended, ok, err := b.m.Svc.EndRide(ctx, identity.System(), started.BikeID, b.m.Stations[1].ID, 6, end)
			if err != nil || !ok || ended.FareCents != 130 {
				t.Fatalf("ride ended %+v %v %v, want a fare of 130", ended, ok, err)
			}

			rider := webtest.SignedIn(t, b.srv.URL, acct.Email, testPassword)
			_, body := rider.Get("/bikes/rides/" + started.ID)
			if !strings.Contains(body, `data-testid="ride-time">2 min 01 s<`) || !strings.Contains(body, `data-testid="ride-fare" data-cents="130"><strong>1,30`+"\u00a0€") {
				t.Errorf("ride page without 2 min 01 s and 1,30 €:\n%s", body)
			}
			if _, body = rider.Get("/bikes/rides"); !strings.Contains(body, "<dd>2 min 01 s</dd>") || !strings.Contains(body, "1,30\u00a0€") {
				t.Errorf("list of rides without 2 min 01 s and 1,30 €:\n%s", body)
			}
			rec := b.env.do(t, "GET", "/api/v1/mobility/rides", token, "")
			wantStatus(t, rec, http.StatusOK)
			var got struct{ Rides []mobility.RideView }
			decodeInto(t, rec, &got)
			if len(got.Rides) != 1 || got.Rides[0].DurationSeconds != 121 || got.Rides[0].FareCents != 130 || got.Rides[0].CostCents != 130 ||
				got.Rides[0].EndedAt.Sub(got.Rides[0].StartedAt) != end.Sub(started.StartedAt) {
				t.Errorf("API rides %+v, want 121 s and 130 cents", got.Rides)
			}
		})
	}
}
