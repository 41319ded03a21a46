package mobility

import (
	"time"

	"cityhub/apperr"
)

// PricingPlan is an unlock fee plus per-minute segments, with the semantics
// of GBFS system_pricing_plans per_min_pricing, in integer cents.
type PricingPlan struct {
	ID            string    `json:"id"`
	NameIT        string    `json:"name_it"`
	NameEN        string    `json:"name_en"`
	DescriptionIT string    `json:"description_it,omitempty"`
	DescriptionEN string    `json:"description_en,omitempty"`
	UnlockCents   int64     `json:"unlock_cents"`
	PerMin        []Segment `json:"per_min_pricing"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Segment charges RateCents at the start of every IntervalMin minutes of
// ride time from StartMin on, up to (not including) EndMin when EndMin > 0.
// As in GBFS, a segment applies only once the ride is longer than StartMin,
// and each interval begun is charged in full.
type Segment struct {
	StartMin    int   `json:"start"`
	RateCents   int64 `json:"rate_cents"`
	IntervalMin int   `json:"interval"`
	EndMin      int   `json:"end,omitempty"`
}

// withSegmentList is p with no segments written as an empty list, not as
// nothing: what a write of the plan answers is then what reading it gives
// back (the stores keep an empty list).
func (p PricingPlan) withSegmentList() PricingPlan {
	if p.PerMin == nil {
		p.PerMin = []Segment{}
	}
	return p
}

// MaxFare bounds one ride's fare (500 EUR), whatever the plan says.
const MaxFare = 50_000

// Bounds of a plan's per-minute segments: at most MaxSegments of them, each
// charging by an interval of at most MaxSegmentInterval minutes (a day),
// starting and ending within MaxSegmentMinute minutes of the ride (a week).
const (
	MaxSegments        = 20
	MaxSegmentInterval = 24 * 60
	MaxSegmentMinute   = 7 * 24 * 60
)

// Validate checks a plan's fields.
func (p PricingPlan) Validate() error { return first(p.Problems()) }

// Problems is every mistake in a pricing plan's fields, in the order
// Validate reports them (of the segments, the first wrong one).
func (p PricingPlan) Problems() []error {
	var out []error
	if err := checkID("pricing plan", p.ID); err != nil {
		out = append(out, err)
	}
	if !ValidNames(p.NameIT, p.NameEN) {
		out = append(out, apperr.R(apperr.Invalid, "pricing_plan_name", "A pricing plan needs an Italian name: one line of at most %d characters.", MaxName))
	}
	if !ValidDescription(p.DescriptionIT) || !ValidDescription(p.DescriptionEN) {
		out = append(out, apperr.R(apperr.Invalid, "pricing_plan_description", "A description has at most %d characters, without control characters.", MaxDescription))
	}
	if p.UnlockCents < 0 || p.UnlockCents > MaxFare {
		out = append(out, apperr.R(apperr.Invalid, "pricing_plan_unlock", "The unlock fee must be between 0 and %d cents.", MaxFare))
	}
	if len(p.PerMin) > MaxSegments {
		return append(out, apperr.R(apperr.Invalid, "pricing_plan_segments", "A plan has at most %d per-minute segments.", MaxSegments))
	}
	for i, s := range p.PerMin {
		if s.StartMin < 0 || s.IntervalMin < 1 || s.IntervalMin > MaxSegmentInterval || s.RateCents < 0 || s.RateCents > MaxFare ||
			(s.EndMin != 0 && s.EndMin <= s.StartMin) || s.StartMin > MaxSegmentMinute || s.EndMin > MaxSegmentMinute {
			return append(out, apperr.R(apperr.Invalid, "pricing_plan_segments", "Segment %d: start >= 0, interval 1 to %d minutes, rate 0 to %d cents, end after start.", i+1, MaxSegmentInterval, MaxFare))
		}
	}
	return out
}

// Fare is the price of a ride that lasted d, in cents, capped at MaxFare.
// Every interval begun is counted from the ride's exact length: a ride of
// 120.000001 s is in its third minute and pays it, one of exactly 120 s
// does not. Where the fare dropped the fraction of a second first, a ride
// of 120.89 s paid two minutes, which no published plan says.
func (p PricingPlan) Fare(d time.Duration) int64 {
	// The stores keep times to the microsecond, and the service reads its
	// clock to the microsecond (Service.now): a length measured finer, from
	// a clock that reads nanoseconds, is read as the stored times would
	// give it, so the fare charged is the one a ride's stored times say.
	d = max(d, 0).Truncate(time.Microsecond)
	fare := p.UnlockCents
	for _, s := range p.PerMin {
		start := time.Duration(s.StartMin) * time.Minute
		if d <= start {
			continue
		}
		until := d
		if s.EndMin > 0 {
			until = min(d, time.Duration(s.EndMin)*time.Minute)
		}
		interval := time.Duration(s.IntervalMin) * time.Minute
		n := int64((until - start + interval - 1) / interval)
		fare += n * s.RateCents
		if fare >= MaxFare {
			return MaxFare
		}
	}
	return min(fare, MaxFare)
}

// SecondsBegun is d in whole seconds, a second begun counted whole, as a
// ride's length is shown (RideView.DurationSeconds): the minutes begun of
// the fare are then the shown seconds divided by 60, rounded up, so a rider
// checks the fare from what the pages and the API say. Dropping the fraction
// instead showed 120 s for a ride of 120.89 s, which pays a third minute.
func SecondsBegun(d time.Duration) int64 {
	d = max(d, 0).Truncate(time.Microsecond)
	return int64((d + time.Second - 1) / time.Second)
}

// RequiredCredit is what a rider must hold to unlock a bike on this plan: the
// fare of a one-minute ride, and at least one cent, so a rider whose credit
// fell below zero under the ride-overrun rule tops up before riding again.
func (p PricingPlan) RequiredCredit() int64 {
	return max(p.Fare(time.Minute), 1)
}
