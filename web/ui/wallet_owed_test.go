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

// A credit below zero is explained beside it (a debt a ride left, which a
// top-up covers, and what waits until then), and a running ride whose cost
// so far is beyond the credit says the difference will be owed. The page
// showed "Credito disponibile −0,70 €", or 1,00 € beside a cost of 1,30 €,
// without a word.
func TestWalletSaysWhatIsOwed(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	m := mobilitytest.New(t, db, mqtttest.StartEmbedded(t).URL(), mobilitytest.Options{Stations: 1, Docks: 2})
	ctx := context.Background()
	st := m.Stations[0]
	plan := mobility.PricingPlan{ID: "base", NameIT: "Base", UnlockCents: 100, PerMin: []mobility.Segment{{StartMin: 0, RateCents: 10, IntervalMin: 1}}}
	now := time.Now().UTC().Truncate(time.Microsecond)

	riding := m.Rider(t, 100)
	r := mobility.Ride{ID: "ride_running", CommandID: "running", RiderID: riding, BikeID: st.Bikes[0].ID, StartStation: st.ID, StartDock: 1,
		Status: mobility.RideActive, PricingPlanID: plan.ID, Plan: plan, Deadline: now.Add(time.Hour), CreatedAt: now.Add(-150 * time.Second),
		StartedAt: now.Add(-150 * time.Second)}
	if err := db.Mobility().InTx(ctx, func(tx mobility.Tx) error {
		if err := tx.InsertRide(ctx, r); err != nil {
			return err
		}
		return tx.UpdateRide(ctx, r)
	}); err != nil {
		t.Fatal(err)
	}
	owing := m.Rider(t, 100)
	citizen := wallet.CitizenAccount(owing)
	if _, err := m.Wallet.Post(ctx, wallet.Transaction{Key: "ride:over:fare", Kind: "ride.fare", RefType: "ride", RefID: "ride_over",
		Entries:   []wallet.Entry{{Account: citizen, Amount: -170}, {Account: wallet.RevenueBikeshare, Amount: 170}},
		Overdraft: &wallet.RideOverrun, OverdraftAccount: citizen}); err != nil {
		t.Fatal(err)
	}
	m.Wallet.RegisterItems("ride", m.Svc)
	u := New(Deps{Mobility: m.Svc, Wallet: m.Wallet})
	page := func(lang, rider string) string {
		r := httptest.NewRequest("GET", "/wallet", nil)
		r.AddCookie(&http.Cookie{Name: langCookie, Value: lang})
		w := httptest.NewRecorder()
		u.home.handleWallet(w, r, mobilitytest.Citizen(rider))
		if w.Code != http.StatusOK {
			t.Fatalf("%s: %d\n%s", lang, w.Code, w.Body)
		}
		return strings.ReplaceAll(w.Body.String(), "\u00a0", " ")
	}
	for _, tc := range []struct{ lang, owed, over string }{
		{"it", "Il credito è sotto zero", "0,30 € oltre il credito"},
		{"en", "Your credit is below zero", "€0.30 beyond your credit"},
	} {
		if body := page(tc.lang, owing); !strings.Contains(body, tc.owed) || strings.Contains(body, `data-testid="ride-over"`) {
			t.Errorf("%s: the page of a credit below zero:\n%s", tc.lang, body)
		}
		if body := page(tc.lang, riding); !strings.Contains(body, tc.over) || strings.Contains(body, `data-testid="balance-owed"`) {
			t.Errorf("%s: the page of a ride beyond the credit:\n%s", tc.lang, body)
		}
	}
}
