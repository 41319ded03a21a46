package vouchers

import (
	"slices"
	"strings"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/config"
)

func TestNormalizeIBAN(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"IT60 X054 2811 1010 0000 0123 456", "IT60X0542811101000000123456", true},
		{"it60x0542811101000000123456", "IT60X0542811101000000123456", true},
		{"DE89 3704 0044 0532 0130 00", "DE89370400440532013000", true},
		{"IT61X0542811101000000123456", "", false}, // check digits off by one
		{"IT60X054281110100000012345", "", false},  // Italian IBANs have 27 characters
		{"GB82-WEST-1234-5698-7654-32", "", false}, // dashes are not spaces
		{"", "", false},
		{"1T60X0542811101000000123456", "", false},
	}
	for _, tc := range cases {
		got, err := NormalizeIBAN(tc.in)
		if tc.ok && (err != nil || got != tc.want) {
			t.Errorf("NormalizeIBAN(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
		if !tc.ok && !apperr.Has(err, apperr.Invalid) {
			t.Errorf("NormalizeIBAN(%q) accepted: %q", tc.in, got)
		}
	}
}

func TestEligible(t *testing.T) {
	t.Parallel()
	a := Shop{ID: "a", District: "centro", Category: "food", Active: true}
	b := Shop{ID: "b", District: "rione-trescene", Category: "books", Active: true}
	closed := Shop{ID: "c", District: "centro", Category: "food", Active: false}
	cases := []struct {
		name string
		c    Campaign
		want map[string]bool
	}{
		{"everyone", Campaign{}, map[string]bool{"a": true, "b": true, "c": false}},
		{"district", Campaign{Districts: []string{"centro"}}, map[string]bool{"a": true, "b": false}},
		{"category", Campaign{Categories: []string{"books"}}, map[string]bool{"a": false, "b": true}},
		{"district and category", Campaign{Districts: []string{"centro"}, Categories: []string{"books"}}, map[string]bool{"a": false, "b": false}},
		{"explicit list", Campaign{ShopIDs: []string{"b"}}, map[string]bool{"a": false, "b": true}},
		{"list or district", Campaign{ShopIDs: []string{"b"}, Districts: []string{"centro"}}, map[string]bool{"a": true, "b": true}},
	}
	for _, tc := range cases {
		for _, s := range []Shop{a, b, closed} {
			want, ok := tc.want[s.ID]
			if !ok {
				continue
			}
			if got := tc.c.Eligible(s); got != want {
				t.Errorf("%s: Eligible(%s) = %v, want %v", tc.name, s.ID, got, want)
			}
		}
	}
}

func TestDiscount(t *testing.T) {
	t.Parallel()
	fixed := Campaign{FaceValueCents: 1000}
	pct := Campaign{FaceValueCents: 1500, PercentOff: 20}
	cases := []struct {
		c                        Campaign
		purchase, remaining, out int64
	}{
		{fixed, 2500, 1000, 1000},
		{fixed, 700, 1000, 700},
		{fixed, 2500, 300, 300},
		{pct, 5000, 1500, 1000},
		{pct, 10000, 1500, 1500}, // capped
		{pct, 999, 1500, 199},    // rounds down: the city never pays a fraction
	}
	for _, tc := range cases {
		if got := tc.c.Discount(tc.purchase, tc.remaining); got != tc.out {
			t.Errorf("Discount(%d, %d) with %+v = %d, want %d", tc.purchase, tc.remaining, tc.c, got, tc.out)
		}
	}
}

func TestCampaignValidate(t *testing.T) {
	t.Parallel()
	from, _ := parseDay("2026-12-01", false, config.DefaultZone())
	until, _ := parseDay("2026-12-31", true, config.DefaultZone())
	good := func() Campaign {
		return Campaign{Name: "Natale in contrada", BudgetCents: 100000, FaceValueCents: 1000, PerCitizenLimit: 1, ValidFrom: from, ValidUntil: until}
	}
	c := good()
	if err := c.Validate(); err != nil {
		t.Fatalf("good campaign: %v", err)
	}
	if c.Mode != ModeSingleUse {
		t.Errorf("default mode %q", c.Mode)
	}
	for name, mut := range map[string]func(*Campaign){
		"negative budget":         func(c *Campaign) { c.BudgetCents = -1 },
		"face over budget":        func(c *Campaign) { c.FaceValueCents = c.BudgetCents + 1 },
		"dates the wrong way":     func(c *Campaign) { c.ValidFrom, c.ValidUntil = c.ValidUntil, c.ValidFrom },
		"no name":                 func(c *Campaign) { c.Name = "  " },
		"limit zero":              func(c *Campaign) { c.PerCitizenLimit = 0 },
		"percent over 100":        func(c *Campaign) { c.PercentOff = 101 },
		"negative min spend":      func(c *Campaign) { c.MinSpendCents = -5 },
		"unknown mode":            func(c *Campaign) { c.Mode = "forever" },
		"bad district":            func(c *Campaign) { c.Districts = []string{"¿?"} },
		"budget over the max":     func(c *Campaign) { c.BudgetCents = MaxCents + 1 },
		"control character":       func(c *Campaign) { c.Name = "abc\x01def" },
		"two lines of name":       func(c *Campaign) { c.Name = "Natale\nin contrada" },
		"paragraph separator":     func(c *Campaign) { c.Name = "Natale\u2029in contrada" },
		"escape in description":   func(c *Campaign) { c.Description = "Buoni\x1b[31m per tutti" },
		"501 districts, one name": func(c *Campaign) { c.Districts = slices.Repeat([]string{"centro"}, 501) },
		"501 entries in all": func(c *Campaign) {
			c.Districts, c.Categories, c.ShopIDs = []string{"centro"}, []string{"books"}, slices.Repeat([]string{"shop_a"}, 499)
		},
	} {
		c := good()
		mut(&c)
		if err := c.Validate(); !apperr.Has(err, apperr.Invalid) {
			t.Errorf("%s: Validate = %v, want invalid", name, err)
		}
	}
	// The bounds are the city's years: from 1 January 2000 (in Rome, 23:00
	// UTC the day before) to 31 December 2999; a day either side is refused.
	day := func(s string, end bool) time.Time {
		t.Helper()
		d, err := parseDay(s, end, config.DefaultZone())
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, w := range []struct {
		from, until string
		ok          bool
	}{
		{"2000-01-01", "2000-01-31", true},
		{"2999-12-01", "2999-12-31", true},
		{"1999-12-31", "2000-01-31", false},
		{"2999-12-01", "3000-01-01", false},
	} {
		c := good()
		c.ValidFrom, c.ValidUntil = day(w.from, false), day(w.until, true)
		if err := c.Validate(); (err == nil) != w.ok {
			t.Errorf("validity %s to %s: %v, want accepted %v", w.from, w.until, err, w.ok)
		}
	}
	// The window is Rome's calendar: 1 December starts at 23:00 UTC the day before.
	if want := time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC); !from.Equal(want) {
		t.Errorf("ParseDay = %v, want %v", from, want)
	}
	if want := time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC); !until.Equal(want) {
		t.Errorf("ParseDay end of day = %v, want %v", until, want)
	}
	if _, err := parseDay("31/12/2026", false, config.DefaultZone()); !apperr.Has(err, apperr.Invalid) {
		t.Errorf("ParseDay accepted a non-ISO date")
	}
}

// The service reads days, bounds "today" and writes statements in the zone
// the city configures; a service not told one keeps Rome, the
// configuration's default.
func TestServiceZone(t *testing.T) {
	s := NewService(nil, nil, nil)
	if s.Zone() != config.DefaultZone() || config.DefaultZone().String() != "Europe/Rome" {
		t.Fatalf("default zone %v, want Rome", s.Zone())
	}
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	s.SetZone(tokyo)
	s.SetZone(nil)
	if s.Zone() != tokyo {
		t.Fatalf("zone %v after SetZone(nil), want Asia/Tokyo", s.Zone())
	}
	from, err := s.ParseDay("2026-12-01", false)
	if want := time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC); err != nil || !from.Equal(want) {
		t.Errorf("ParseDay in Tokyo = %v, %v; want %v", from, err, want)
	}
	// 16:00 UTC on 30 November is already 1 December in Tokyo.
	start, end := dayBounds(time.Date(2026, 11, 30, 16, 0, 0, 0, time.UTC), s.zone)
	if !start.Equal(from) || !end.Equal(from.Add(24*time.Hour)) {
		t.Errorf("day bounds %v–%v, want the Tokyo day from %v", start, end, from)
	}
	var csv strings.Builder
	st := Statement{Settlement: Settlement{PeriodEnd: from}, Lines: []Redemption{{At: from}}, zone: s.zone}
	if err := WriteStatementCSV(&csv, st); err != nil || !strings.Contains(csv.String(), "2026-12-01T00:00:00+09:00") {
		t.Errorf("statement times not in the city's zone (%v):\n%s", err, csv.String())
	}
}

// A redemption is reversible up to its window's last instant, as Reverse
// judges it, and never once reversed or on a statement.
func TestRedemptionReversible(t *testing.T) {
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	r := Redemption{At: at}
	for _, tc := range []struct {
		name string
		r    Redemption
		now  time.Time
		want bool
	}{
		{"at once", r, at, true},
		{"at the window's end", r, at.Add(ReversalWindow), true},
		{"after it", r, at.Add(ReversalWindow + time.Nanosecond), false},
		{"reversed", Redemption{At: at, ReversedAt: &at}, at, false},
		{"on a statement", Redemption{At: at, SettlementID: "stl_1"}, at, false},
	} {
		if got := tc.r.Reversible(tc.now); got != tc.want {
			t.Errorf("%s: reversible %v, want %v", tc.name, got, tc.want)
		}
	}
}

// A shop's name and address are one line without control characters, as
// every citizen's page and every statement shows them.
func TestShopNameIsOneLine(t *testing.T) {
	t.Parallel()
	const iban = "IT60 X054 2811 1010 0000 0123 456"
	for _, tc := range []struct {
		reason string
		shop   Shop
	}{
		{"shop_name", Shop{Name: "B\x07ell", Address: "Via Roma 1", District: "centro", Category: "food", IBAN: iban}},
		{"shop_address", Shop{Name: "Bar Roma", Address: "Via Roma 1\nBenevento", District: "centro", Category: "food", IBAN: iban}},
		// Two shops whose names look the same must differ visibly.
		{"shop_name", Shop{Name: "Bar\u200bRoma", Address: "Via Roma 1", District: "centro", Category: "food", IBAN: iban}},
	} {
		if err := tc.shop.Validate(); !apperr.Has(err, apperr.Invalid) || apperr.ReasonOf(err) != tc.reason {
			t.Errorf("shop %q at %q: %v, want invalid, %s", tc.shop.Name, tc.shop.Address, err, tc.reason)
		}
	}
	if err := (&Shop{Name: "Bar Roma", Address: "Via Roma 1", District: "centro", Category: "food", IBAN: iban}).Validate(); err != nil {
		t.Errorf("a plain shop: %v", err)
	}
}
