package ui

import (
	"strings"
	"testing"
)

func TestItalianDatesForTheDomain(t *testing.T) {
	for in, want := range map[string]string{
		"31/12/2026": "2026-12-31", "1/2/2027": "2027-02-01", "01.02.2027": "2027-02-01", " 2026-12-31 ": "2026-12-31", "domani": "domani",
	} {
		if got := isoDay(in); got != want {
			t.Errorf("isoDay(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"24/12/2099 21:00": "2099-12-24T21:00", "24/12/2099 21.00": "2099-12-24T21:00", "2099-12-24T21:00": "2099-12-24T21:00", "1/1/2100, 9:30": "2100-01-01T09:30",
	} {
		if got := isoLocalTime(in); got != want {
			t.Errorf("isoLocalTime(%q) = %q, want %q", in, got, want)
		}
	}
}

// The bars stay inside the plot, stack by series, and a chart of nothing
// says it is empty.
func TestBarChartGeometry(t *testing.T) {
	c := buildBarChart("x", "t", "d", []string{"centro", "liberta"}, []chartGroup{{"01/12", []int{3, 1}}, {"02/12", []int{0, 0}}, {"03/12", []int{7, 2}}})
	if c.Empty || len(c.Bars) != 4 || len(c.XLabels) != 3 || len(c.YTicks) != 5 || c.YTicks[4].Label != "12" {
		t.Fatalf("chart %+v", c)
	}
	for _, b := range c.Bars {
		if b.X < c.Left || b.X+b.W > c.Right || b.Y < c.Top || b.Y+b.H > c.Bottom || b.H < 1 {
			t.Errorf("bar outside the plot: %+v", b)
		}
		if !strings.Contains(b.Label, ": ") {
			t.Errorf("bar without its value: %q", b.Label)
		}
	}
	if e := buildBarChart("y", "t", "d", []string{"a"}, nil); !e.Empty || len(e.Bars) != 0 {
		t.Errorf("empty chart %+v", e)
	}
	for v, want := range map[int]int{0: 4, 3: 4, 5: 8, 9: 12, 10: 12, 11: 12, 19: 20, 21: 24, 100: 120, 101: 120, 3999: 4000} {
		if got := niceTop(v); got < v || got%4 != 0 || got != want {
			t.Errorf("niceTop(%d) = %d, want %d", v, got, want)
		}
	}
}
