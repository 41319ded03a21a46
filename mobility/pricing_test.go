package mobility

import (
	"testing"
	"time"
)

func TestFare(t *testing.T) {
	t.Parallel()
	// 1.00 EUR to unlock; first 30 minutes 0.10 EUR a minute; then 2.00 EUR
	// every 30 minutes begun.
	plan := PricingPlan{ID: "std", NameIT: "Standard", UnlockCents: 100, PerMin: []Segment{
		{StartMin: 0, RateCents: 10, IntervalMin: 1, EndMin: 30},
		{StartMin: 30, RateCents: 200, IntervalMin: 30},
	}}
	if err := plan.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		d    time.Duration
		want int64
	}{
		{"zero", 0, 100},
		{"one second starts the first minute", time.Second, 110},
		{"exactly one minute", time.Minute, 110},
		{"one minute and a second", time.Minute + time.Second, 120},
		{"29m59s", 29*time.Minute + 59*time.Second, 400},
		{"exactly 30 minutes: second segment not begun", 30 * time.Minute, 400},
		{"30m01s begins the second segment", 30*time.Minute + time.Second, 600},
		{"one hour", time.Hour, 600},
		{"61 minutes", 61 * time.Minute, 800},
		{"negative counts as zero", -time.Minute, 100},
		{"a week is capped", 7 * 24 * time.Hour, MaxFare},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := plan.Fare(tc.d); got != tc.want {
				t.Errorf("Fare(%s) = %d, want %d", tc.d, got, tc.want)
			}
		})
	}
	if got := plan.RequiredCredit(); got != 110 {
		t.Errorf("RequiredCredit = %d, want 110", got)
	}
	free := PricingPlan{ID: "free", NameIT: "Gratis", PerMin: []Segment{{StartMin: 30, RateCents: 50, IntervalMin: 15}}}
	if got := free.Fare(29 * time.Minute); got != 0 {
		t.Errorf("free first half hour charged %d", got)
	}
	if got := free.RequiredCredit(); got != 1 {
		t.Errorf("RequiredCredit of a free start = %d, want 1", got)
	}
}

func TestPlanValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		p    PricingPlan
	}{
		{"bad id", PricingPlan{ID: "A/B", NameIT: "x"}},
		{"no name", PricingPlan{ID: "p"}},
		{"negative unlock", PricingPlan{ID: "p", NameIT: "x", UnlockCents: -1}},
		{"zero interval", PricingPlan{ID: "p", NameIT: "x", PerMin: []Segment{{IntervalMin: 0, RateCents: 1}}}},
		{"end before start", PricingPlan{ID: "p", NameIT: "x", PerMin: []Segment{{StartMin: 10, EndMin: 5, IntervalMin: 1}}}},
		{"control character in the name", PricingPlan{ID: "p", NameIT: "a\u0007b"}},
		{"two lines of name", PricingPlan{ID: "p", NameIT: "Base", NameEN: "Basic\nplan"}},
		{"escape in the description", PricingPlan{ID: "p", NameIT: "x", DescriptionEN: "a\x1b[2Jb"}},
		{"not UTF-8", PricingPlan{ID: "p", NameIT: "caf\xe9"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.p.Validate() == nil {
				t.Error("accepted")
			}
		})
	}
	// A description may have lines, as a form's text area sends them.
	if err := (PricingPlan{ID: "p", NameIT: "Base", DescriptionIT: "Sblocco 1 €.\r\nPoi 0,10 € al minuto."}).Validate(); err != nil {
		t.Errorf("a description of two lines: %v", err)
	}
	// Stations and vehicle types are published by name too.
	if (Station{ID: "st-1", NameIT: "Piazza\x00", Lat: 41.13, Lon: 14.78, Capacity: 4}).Validate() == nil {
		t.Error("a station name with NUL accepted")
	}
	if (VehicleType{ID: "classic", NameIT: "Bici\u2028classica", Propulsion: Human}).Validate() == nil {
		t.Error("a vehicle type name with a line separator accepted")
	}
}

// The fare counts the minutes begun of a ride's exact length, to the
// microsecond the stores keep, where it dropped the fraction of a second
// first: a ride of 120.89 s, in its third minute, paid two. The length
// shown (SecondsBegun) counts a second begun as whole, so the minutes the
// fare charges are the shown seconds over 60, rounded up.
func TestFareCountsMinutesBegunOfTheExactLength(t *testing.T) {
	t.Parallel()
	// As published: 1,00 € to unlock, 0,10 € a minute (start 0, interval 1).
	plan := PricingPlan{ID: "base", NameIT: "Base", UnlockCents: 100, PerMin: []Segment{{StartMin: 0, RateCents: 10, IntervalMin: 1}}}
	for _, tc := range []struct {
		name    string
		d       time.Duration
		fare    int64
		seconds int64
	}{
		{"exactly 120 s: two minutes", 120 * time.Second, 120, 120},
		{"120.000001 s begins the third minute", 120*time.Second + time.Microsecond, 130, 121},
		{"119.999999 s: two minutes", 120*time.Second - time.Microsecond, 120, 120},
		{"121.129488 s (09:31:55.236817 to 09:33:56.366305)", 121*time.Second + 129488*time.Microsecond, 130, 122},
		{"120.892693 s (09:34:57.809652 to 09:36:58.702345)", 120*time.Second + 892693*time.Microsecond, 130, 121},
		{"one microsecond", time.Microsecond, 110, 1},
		{"zero", 0, 100, 0},
		{"less than a microsecond is as the stores keep it", 120*time.Second + 999*time.Nanosecond, 120, 120},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := plan.Fare(tc.d); got != tc.fare {
				t.Errorf("Fare(%s) = %d, want %d", tc.d, got, tc.fare)
			}
			s := SecondsBegun(tc.d)
			if s != tc.seconds {
				t.Errorf("SecondsBegun(%s) = %d, want %d", tc.d, s, tc.seconds)
			}
			// What a rider checks: unlock plus the minutes begun of the
			// seconds shown, for this plan and the standard one with its
			// segments.
			if want := 100 + 10*((s+59)/60); plan.Fare(tc.d) != want {
				t.Errorf("fare %d for %d s shown, which say %d", plan.Fare(tc.d), s, want)
			}
		})
	}
	std := PricingPlan{ID: "std", NameIT: "Standard", UnlockCents: 100, PerMin: []Segment{
		{StartMin: 0, RateCents: 10, IntervalMin: 1, EndMin: 30},
		{StartMin: 30, RateCents: 200, IntervalMin: 30},
	}}
	for _, d := range []time.Duration{30 * time.Minute, 30*time.Minute + time.Microsecond, 60*time.Minute + time.Microsecond, 59*time.Minute + 999999*time.Microsecond} {
		if got, shown := std.Fare(d), std.Fare(time.Duration(SecondsBegun(d))*time.Second); got != shown {
			t.Errorf("Fare(%s) = %d, but the %d s shown give %d", d, got, SecondsBegun(d), shown)
		}
	}
	if got := std.Fare(30*time.Minute + time.Microsecond); got != 600 {
		t.Errorf("30 min and a microsecond = %d, want 600 (the second segment begun)", got)
	}
}
