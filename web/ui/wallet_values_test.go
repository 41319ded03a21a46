package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/mqtt/mqtttest"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

// fixedItems is an item source that lists the same items for everyone.
type fixedItems []wallet.Item

func (f fixedItems) WalletItems(context.Context, string) ([]wallet.Item, error) { return f, nil }

// The wallet's cards name each item's value for what it is: a ride in
// progress its cost so far, an ended ride its fare, an active voucher the
// value left on it. A voucher that can no longer be used (expired, with a
// remainder a reversal after its campaign's close put back) presents no
// value as left: the page says it can no longer be used. Before, every
// value read "Valore residuo", a ride's fare too.
func TestWalletCardsNameWhatTheirValueIs(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	m := mobilitytest.New(t, db, mqtttest.StartEmbedded(t).URL(), mobilitytest.Options{Stations: 1, Docks: 2})
	ctx := context.Background()
	rider := m.Rider(t, 1850)
	st := m.Stations[0]
	plan := mobility.PricingPlan{ID: "base", NameIT: "Base", UnlockCents: 100, PerMin: []mobility.Segment{{StartMin: 0, RateCents: 10, IntervalMin: 1}}}
	now := time.Now().UTC().Truncate(time.Microsecond)
	ended := now.Add(-48 * time.Hour)
	// Ended after 7 minutes (1,70 €); the one running started 150 s ago,
	// in its third minute (1,30 € so far). Italian writes a no-break
	// space before the euro sign.
	rides := []mobility.Ride{
		{ID: "ride_ended", CommandID: "ended", RiderID: rider, BikeID: st.Bikes[0].ID, StartStation: st.ID, StartDock: 1,
			Status: mobility.RideEnded, PricingPlanID: plan.ID, Plan: plan, Deadline: ended, CreatedAt: ended.Add(-7 * time.Minute),
			StartedAt: ended.Add(-7 * time.Minute), EndedAt: ended, EndStation: st.ID, EndDock: 2, FareCents: 170, LedgerTxID: "ride:ride_ended:fare"},
		{ID: "ride_running", CommandID: "running", RiderID: rider, BikeID: st.Bikes[0].ID, StartStation: st.ID, StartDock: 1,
			Status: mobility.RideActive, PricingPlanID: plan.ID, Plan: plan, Deadline: now.Add(time.Hour), CreatedAt: now.Add(-150 * time.Second),
			StartedAt: now.Add(-150 * time.Second)},
	}
	for _, r := range rides {
		// Inserted as a ride is unlocked, then started (and ended) as it is.
		if err := db.Mobility().InTx(ctx, func(tx mobility.Tx) error {
			if err := tx.InsertRide(ctx, r); err != nil {
				return err
			}
			return tx.UpdateRide(ctx, r)
		}); err != nil {
			t.Fatal(err)
		}
	}
	m.Wallet.RegisterItems("ride", m.Svc)
	two, five := int64(200), int64(500)
	until := now.Add(30 * 24 * time.Hour)
	m.Wallet.RegisterItems("voucher", fixedItems{
		{Kind: "voucher", ID: "v_expired", Title: "Buono scaduto", Status: "expired", Value: &two, Expires: &ended, At: ended.Add(-time.Hour)},
		{Kind: "voucher", ID: "v_active", Title: "Buono attivo", Status: "active", Value: &five, Expires: &until, At: ended.Add(-2 * time.Hour)},
	})
	u := New(Deps{Mobility: m.Svc, Wallet: m.Wallet})

	card := func(body, id string) string {
		re := regexp.MustCompile(`(?s)<li class="card item item-\w+" id="[^"]*` + id + `" .*?</li>`)
		return re.FindString(body)
	}
	type want struct{ has, hasNot []string }
	for _, tc := range []struct {
		lang  string
		cards map[string]want
	}{
		{"it", map[string]want{
			"ride_running": {has: []string{"<dt>Costo finora</dt><dd>1,30\u00a0€</dd>"}, hasNot: []string{"Valore residuo"}},
			"ride_ended":   {has: []string{"<dt>Tariffa</dt><dd>1,70\u00a0€</dd>"}, hasNot: []string{"Valore residuo"}},
			"v_active":     {has: []string{"<dt>Valore residuo</dt><dd>5,00\u00a0€</dd>"}},
			"v_expired":    {has: []string{"<dt>Non speso</dt><dd>2,00\u00a0€ · il buono non si può più usare</dd>"}, hasNot: []string{"Valore residuo"}},
		}},
		{"en", map[string]want{
			"ride_running": {has: []string{`<dt>Cost so far</dt><dd>€1.30</dd>`}, hasNot: []string{"Value left"}},
			"ride_ended":   {has: []string{`<dt>Fare</dt><dd>€1.70</dd>`}, hasNot: []string{"Value left"}},
			"v_active":     {has: []string{`<dt>Value left</dt><dd>€5.00</dd>`}},
			"v_expired":    {has: []string{`<dt>Unspent</dt><dd>€2.00 · the voucher can no longer be used</dd>`}, hasNot: []string{"Value left"}},
		}},
	} {
		r := httptest.NewRequest("GET", "/wallet", nil)
		r.AddCookie(&http.Cookie{Name: langCookie, Value: tc.lang})
		w := httptest.NewRecorder()
		u.home.handleWallet(w, r, mobilitytest.Citizen(rider))
		body := w.Body.String()
		if w.Code != http.StatusOK {
			t.Fatalf("%s: %d\n%s", tc.lang, w.Code, body)
		}
		for id, wt := range tc.cards {
			c := card(body, id)
			if c == "" {
				t.Errorf("%s: no card %s in\n%s", tc.lang, id, body)
				continue
			}
			for _, s := range wt.has {
				if !strings.Contains(c, s) {
					t.Errorf("%s: card %s lacks %q:\n%s", tc.lang, id, s, c)
				}
			}
			for _, s := range wt.hasNot {
				if strings.Contains(c, s) {
					t.Errorf("%s: card %s says %q:\n%s", tc.lang, id, s, c)
				}
			}
		}
	}
}
