package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/mqtt/mqtttest"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

// A ride's page shows the rider's credit as it is now, and says so
// (Credito attuale, Current credit): the ledger keeps no balance as of a
// transaction, and an older ride's page, read after later rides and
// top-ups, showed today's credit as what was left after that ride.
func TestRidePageNamesTheCreditAsCurrent(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	m := mobilitytest.New(t, db, mqtttest.StartEmbedded(t).URL(), mobilitytest.Options{Stations: 1, Docks: 2})
	u := New(Deps{Mobility: m.Svc, Wallet: m.Wallet})
	ctx := context.Background()
	rider := m.Rider(t, 1850)
	st := m.Stations[0]
	end := time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Microsecond)
	plan := mobility.PricingPlan{ID: "base", NameIT: "Base", UnlockCents: 100, PerMin: []mobility.Segment{{StartMin: 0, RateCents: 10, IntervalMin: 1}}}
	ride := mobility.Ride{ID: "ride_old_one", CommandID: "old_one", RiderID: rider, BikeID: st.Bikes[0].ID, StartStation: st.ID, StartDock: 1,
		Status: mobility.RideEnded, PricingPlanID: plan.ID, Plan: plan, Deadline: end, CreatedAt: end.Add(-5 * time.Minute),
		StartedAt: end.Add(-5 * time.Minute), EndedAt: end, EndStation: st.ID, EndDock: 2, FareCents: 150, LedgerTxID: "ride:ride_old_one:fare"}
	if err := db.Mobility().InTx(ctx, func(tx mobility.Tx) error { return tx.InsertRide(ctx, ride) }); err != nil {
		t.Fatal(err)
	}
	// The fare, then a later ride's: the credit after this ride was 17.00,
	// now it is 15.50.
	for key, cents := range map[string]int64{"ride:ride_old_one:fare": 150, "ride:ride_later:fare": 150} {
		if _, err := m.Wallet.Post(ctx, wallet.Transaction{Key: key, Kind: "ride.fare", RefType: "ride", RefID: strings.Split(key, ":")[1],
			Entries: []wallet.Entry{{Account: wallet.CitizenAccount(rider), Amount: -cents}, {Account: wallet.RevenueBikeshare, Amount: cents}}}); err != nil {
			t.Fatal(err)
		}
	}
	for lang, want := range map[string]string{
		"it": `<dt>Credito attuale</dt><dd data-testid="credit-now">15,50`,
		"en": `<dt>Current credit</dt><dd data-testid="credit-now">€15.50`,
	} {
		r := httptest.NewRequest("GET", "/bikes/rides/"+ride.ID, nil)
		r.SetPathValue("id", ride.ID)
		r.AddCookie(&http.Cookie{Name: langCookie, Value: lang})
		w := httptest.NewRecorder()
		u.bikes.handleBikeRide(w, r, mobilitytest.Citizen(rider))
		if body := w.Body.String(); w.Code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("%s: %d, want %q in\n%s", lang, w.Code, want, body)
		}
	}
}
