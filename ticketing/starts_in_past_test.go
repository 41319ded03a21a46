package ticketing_test

import (
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/ticketing"
)

// A start in the past is refused for that (starts_in_past), whether or not
// the opening of sales was given, where the refusal blamed the sales
// window; an edit may keep a start that has passed, not move one there.
func TestPerformanceStartInThePast(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Romano", 4)
		prices := map[string]int64{"stalls": 2500}
		for name, p := range map[string]ticketing.Performance{
			"sales open now":   {VenueID: v.ID, Title: "Ieri", StartsAt: start.Add(-time.Hour), Prices: prices},
			"sales open given": {VenueID: v.ID, Title: "Ieri", StartsAt: start.Add(-time.Hour), Prices: prices, SalesOpen: start.Add(-48 * time.Hour)},
			"starting now":     {VenueID: v.ID, Title: "Adesso", StartsAt: start, Prices: prices},
		} {
			_, err := f.svc.CreatePerformance(f.ctx, admin, p)
			if apperr.ReasonOf(err) != "starts_in_past" || !apperr.Has(err, apperr.Invalid) {
				t.Errorf("%s: %v, want 400 starts_in_past", name, err)
			}
		}
		p := f.performance(v.ID)
		moved := p
		moved.StartsAt = start.Add(-time.Minute)
		moved.SalesClose, moved.DoorsOpen, moved.EndsAt = time.Time{}, time.Time{}, time.Time{}
		if _, err := f.svc.UpdatePerformance(f.ctx, admin, moved); apperr.ReasonOf(err) != "starts_in_past" {
			t.Errorf("an edit moving the start into the past: %v, want starts_in_past", err)
		}
		// Begun, it may still be renamed.
		f.clock.Set(p.StartsAt.Add(time.Hour))
		renamed := p
		renamed.Title = "La locandiera (replica)"
		if got, err := f.svc.UpdatePerformance(f.ctx, admin, renamed); err != nil || got.Title != renamed.Title {
			t.Errorf("renaming a performance begun: %+v, %v", got, err)
		}
	})
}
