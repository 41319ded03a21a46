package ui

import (
	"math"
	"strconv"
	"strings"

	"cityhub/apperr"
	"cityhub/mobility"
	"cityhub/money"
)

// ---- numbers as people type them ----

// fareError is the catalogue key of the message for an amount money.Parse
// refused: madmin.err. and its reason.
func fareError(err error) string { return "madmin.err." + apperr.ReasonOf(err) }

// parseCoord reads a latitude or longitude with a decimal comma or point.
func parseCoord(s string) (float64, bool) {
	if s == "" || strings.Count(s, ",")+strings.Count(s, ".") > 1 {
		return 0, false
	}
	v, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// formatCoord writes a number with the language's decimal mark, as a
// form shows it to be typed again (parseCoord reads either mark).
func formatCoord(l *locale, v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if l.Lang == "it" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// parseKm reads a range in kilometres (decimals allowed) into meters.
func parseKm(s string) (int, bool) {
	v, ok := parseCoord(s)
	if !ok || v <= 0 || v > mobility.MaxRange/1000 {
		return 0, false
	}
	return int(math.Round(v * 1000)), true
}

func formatKm(l *locale, meters int) string { return formatCoord(l, float64(meters)/1000) }

// parseSegment reads one per-minute row, marking its wrong cells.
func parseSegment(l *locale, row *segmentRow) (mobility.Segment, bool) {
	var sg mobility.Segment
	ok := true
	minutes := func(s string, min0 int) (int, bool) {
		n, err := strconv.Atoi(s)
		return n, err == nil && n >= min0 && n <= mobility.MaxSegmentMinute
	}
	var good bool
	if sg.StartMin, good = minutes(row.Start, 0); !good {
		row.StartErr, ok = l.T("madmin.err.segment_start"), false
	}
	if sg.IntervalMin, good = minutes(row.Interval, 1); !good || sg.IntervalMin > mobility.MaxSegmentInterval {
		row.IntervalErr, ok = l.T("madmin.err.segment_interval", madminLimits(l, "madmin.err.segment_interval")...), false
	}
	if cents, err := money.Parse(row.Rate); err != nil {
		row.RateErr, ok = l.T(fareError(err)), false
	} else if cents > mobility.MaxFare {
		row.RateErr, ok = l.T("madmin.err.amount_too_big", money.Cents(mobility.MaxFare).Format(l.Lang)), false
	} else {
		sg.RateCents = int64(cents)
	}
	if row.End != "" {
		if sg.EndMin, good = minutes(row.End, 1); !good || (row.StartErr == "" && sg.EndMin <= sg.StartMin) {
			row.EndErr, ok = l.T("madmin.err.segment_end"), false
		}
	}
	return sg, ok
}

// formInput is one text field of a form, for the madmin_input partial.
type formInput struct {
	Name, Label, Value, Error, Hint string
	InputMode                       string
	Required                        bool
	MaxLen                          int
}

// Describe is the field's aria-describedby: its hint and its message.
func (f formInput) Describe() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, "h-"+f.Name)
	}
	if f.Error != "" {
		ids = append(ids, "e-"+f.Name)
	}
	return strings.Join(ids, " ")
}

// Input is the text field name of the form, labelled with the catalogue's
// madmin.f.<name> (and its hint madmin.h.<name> when the catalogue has one).
// inputmode is "" for text, or "decimal"/"numeric" for the phone's keypad.
func (p bikeAdminFormPage) Input(l *locale, name, inputmode string, required bool) formInput {
	f := formInput{Name: name, Label: l.T("madmin.f." + name), Value: p.Values[name], Error: p.Errors[name], InputMode: inputmode, Required: required, MaxLen: mobility.MaxName}
	if l.Has("madmin.h." + name) {
		f.Hint = l.T("madmin.h."+name, madminLimits(l, "madmin.h."+name)...)
	}
	switch name {
	case "description_it", "description_en":
		f.MaxLen = mobility.MaxDescription
	case "address":
		f.MaxLen = mobility.MaxAddress
	case "id":
		f.MaxLen = mobility.MaxID
	}
	return f
}

// madminLimits are the bounds the words of key name, from the mobility
// domain's constants and as the page's language writes numbers and
// money, so that they say what the checks enforce ("1.000 km",
// "500,00 €"); none for words that name no bound.
func madminLimits(l *locale, key string) []any {
	fare := money.Cents(mobility.MaxFare).Format(l.Lang)
	switch key {
	case "madmin.err.station_capacity", "madmin.h.capacity":
		return []any{l.Units(mobility.MaxCapacity)}
	case "madmin.err.invalid_id", "madmin.h.id":
		return []any{l.Units(mobility.MaxID)}
	case "madmin.err.station_address":
		return []any{l.Units(mobility.MaxAddress)}
	case "madmin.err.name_en", "madmin.err.station_name", "madmin.err.vehicle_type_name", "madmin.err.pricing_plan_name":
		return []any{l.Units(mobility.MaxName)}
	case "madmin.err.vehicle_type_range":
		return []any{l.Units(mobility.MaxRange / 1000)}
	case "madmin.err.segment_interval":
		return []any{l.Units(mobility.MaxSegmentInterval)}
	case "madmin.err.pricing_plan_description":
		return []any{l.Units(mobility.MaxDescription)}
	case "madmin.err.pricing_plan_unlock":
		return []any{fare}
	case "madmin.err.pricing_plan_segments":
		return []any{l.Units(mobility.MaxSegments), l.Units(mobility.MaxSegmentInterval), fare}
	}
	return nil
}
