package gbfs

import (
	"testing"
	"time"

	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/simulator"
)

// What system_pricing_plans publishes is what a ride is charged: an app
// that prices a ride from the feed, as the GBFS reference reads
// per_min_pricing (the rate at the start of each interval begun after the
// segment's start minute, up to its end minute), gets the fare the hub
// charges for the ride's exact length. The hub dropped the fraction of a
// second first, and charged a ride of 120.89 s two minutes where the feed
// says three.
func TestPublishedPlansPriceRidesAsCharged(t *testing.T) {
	base := mobility.PricingPlan{ID: "base", NameIT: "Base", DescriptionIT: "1,00 € di sblocco, 0,10 € al minuto",
		UnlockCents: 100, PerMin: []mobility.Segment{{StartMin: 0, RateCents: 10, IntervalMin: 1}}}
	plans := []mobility.PricingPlan{base, simulator.StandardPlan, simulator.EBikePlan}
	svc := mobilitytest.NewService(nil, nil)
	bodies := mustRender(t, FromMobility(mobility.Snapshot{At: t0, Plans: plans}, svc))
	published := map[string]pricingPlan{}
	for _, p := range decode[pricingPlansData](t, bodies[FeedSystemPricingPlans]).Data.Plans {
		published[p.PlanID] = p
	}
	lengths := []time.Duration{0, time.Microsecond, time.Second,
		120 * time.Second, 120*time.Second + time.Microsecond, 120*time.Second - time.Microsecond,
		121*time.Second + 129488*time.Microsecond, 120*time.Second + 892693*time.Microsecond,
		30 * time.Minute, 30*time.Minute + time.Microsecond, time.Hour + 17*time.Second}
	for _, p := range plans {
		pub, ok := published[p.ID]
		if !ok {
			t.Fatalf("plan %s not published", p.ID)
		}
		for _, d := range lengths {
			if want, got := gbfsPrice(pub, d), p.Fare(d); got != want {
				t.Errorf("plan %s, a ride of %s: charged %d cents, the feed says %d", p.ID, d, got, want)
			}
		}
	}
}

// gbfsPrice is a ride's price in cents as an app reads it from a published
// plan: price, plus each per_min_pricing segment's rate for every interval
// begun from its start minute on (the segment applying once the ride is
// longer than its start), until its end minute when it has one. Counted in
// microseconds, the stores' precision.
func gbfsPrice(p pricingPlan, d time.Duration) int64 {
	total := int64(p.Price)
	us := d.Microseconds()
	const minute = int64(time.Minute / time.Microsecond)
	for _, s := range p.PerMinPricing {
		start := int64(s.Start) * minute
		if us <= start {
			continue
		}
		until := us
		if s.End != nil {
			until = min(until, int64(*s.End)*minute)
		}
		interval := int64(s.Interval) * minute
		total += int64(s.Rate) * ((until - start + interval - 1) / interval)
	}
	return total
}
