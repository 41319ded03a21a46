package ui

import (
	"math"
	"strconv"
	"strings"

	"cityhub/mobility"
)

// ---- numbers as people type them ----

// parseFareEuros reads an amount in euros as an Italian or an English reader
// types it ("1,50", "1.50", "2", "€ 0,20") into cents. It refuses
// negatives, fractions of a cent and thousands separators, returning the
// catalogue key of the message to show.
func parseFareEuros(s string) (int64, string) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "€"), "€"))
	if s == "" {
		return 0, "madmin.err.amount_missing"
	}
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "−") {
		return 0, "madmin.err.amount_negative"
	}
	s = strings.TrimPrefix(s, "+")
	whole, frac, hasSep := s, "", false
	if i := strings.IndexAny(s, ".,"); i >= 0 {
		whole, frac, hasSep = s[:i], s[i+1:], true
		if strings.ContainsAny(frac, ".,") {
			return 0, "madmin.err.amount_format"
		}
	}
	if whole == "" {
		whole = "0"
	}
	if !allDigits(whole) || (hasSep && (frac == "" || !allDigits(frac))) || len(whole) > 9 {
		return 0, "madmin.err.amount_format"
	}
	if len(frac) > 2 {
		return 0, "madmin.err.amount_fraction"
	}
	for len(frac) < 2 {
		frac += "0"
	}
	e, _ := strconv.ParseInt(whole, 10, 64)
	c, _ := strconv.ParseInt(frac, 10, 64)
	return e*100 + c, ""
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// formatFareEuros is cents as the reader types them back in the form: "1,50"
// in Italian, "1.50" in English, without a currency sign.
func formatFareEuros(l *locale, cents int64) string {
	s := strconv.FormatInt(cents/100, 10) + "." + strconv.FormatInt(cents%100+100, 10)[1:]
	if l.Lang == "it" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

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
	if !ok || v <= 0 || v > 1000 {
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
		return n, err == nil && n >= min0 && n <= 7*24*60
	}
	var good bool
	if sg.StartMin, good = minutes(row.Start, 0); !good {
		row.StartErr, ok = l.T("madmin.err.segment_start"), false
	}
	if sg.IntervalMin, good = minutes(row.Interval, 1); !good || sg.IntervalMin > 24*60 {
		row.IntervalErr, ok = l.T("madmin.err.segment_interval"), false
	}
	if cents, key := parseFareEuros(row.Rate); key != "" {
		row.RateErr, ok = l.T(key), false
	} else if cents > mobility.MaxFare {
		row.RateErr, ok = l.T("madmin.err.amount_too_big", l.Money(mobility.MaxFare)), false
	} else {
		sg.RateCents = cents
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
	f := formInput{Name: name, Label: l.T("madmin.f." + name), Value: p.Values[name], Error: p.Errors[name], InputMode: inputmode, Required: required, MaxLen: 200}
	if l.Has("madmin.h." + name) {
		f.Hint = l.T("madmin.h." + name)
	}
	switch name {
	case "description_it", "description_en":
		f.MaxLen = 1000
	case "address":
		f.MaxLen = 300
	case "id":
		f.MaxLen = 64
	}
	return f
}
