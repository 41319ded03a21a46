package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// A whole number too large (or too negative) for its field is out of the
// field's range, as any number beyond the field's bounds is: a till that
// sends a purchase of 20 digits means an amount, of the wrong size, not a
// value of the wrong type. encoding/json refuses it as a type error, which
// answered wrong_type for 99999999999999999999 where 100000001 got the
// operation's own out-of-range reason (purchase_amount, topup_amount,
// budget, invalid_price...). So such a number is read as the bound of its
// field's type in its direction (math.MaxInt64 for an int64, math.MinInt64
// for a large negative one), and the operation's own check refuses it as it
// refuses every amount out of range; the pages do the same with an amount
// typed too large to hold in cents. The bound is a value a client could
// have written itself, so no field takes anything it did not take already.
//
// A whole number is one however JSON writes it: 1e3, 1E+3, 1000.0 and
// 10000e-1 are all 1000, which JSON Schema (the OpenAPI document's
// "integer") counts as an integer and many clients emit, while
// encoding/json refused them as a wrong type ("must be a whole number",
// which they are). Such a number is read as its digits, or as its field's
// bound when it is beyond the field's range (1e30, "dock":1e10 into a
// field of 32 bits). Only a number with a fraction (1.5, 1e-3) stays a
// wrong type for a whole-number field.
//
// A floating-point field is alike: a number beyond what it holds (1e400
// for a float64, 1e39 for a float32) is read as the largest value it
// holds on its side (math.MaxFloat64, -math.MaxFloat64), so that a
// latitude of 1e400 is refused as one of 91 is, out of range, where it
// was "must be a number".

// integerOverflow reports whether err is encoding/json's refusal of a
// number for a signed integer field (its size, or its being written with a
// fraction part or an exponent, whole or not; clampIntegers tells them
// apart) or for a floating-point field (its size).
func integerOverflow(err error) bool {
	var typ *json.UnmarshalTypeError
	if !errors.As(err, &typ) || !strings.HasPrefix(typ.Value, "number ") {
		return false
	}
	return isSignedInt(typ.Type) || isFloat(typ.Type)
}

func isFloat(t reflect.Type) bool {
	return t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64
}

func isSignedInt(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return true
	}
	return false
}

// clampIntegers is body with every whole number that encoding/json does not
// read into its signed integer field of t (the type body is decoded into)
// written as digits: its own, or the field's bound when it is beyond the
// field's range, and every number beyond a floating-point field's range
// written as that bound; nil when there is none. body is valid JSON, already decoded once.
// The numbers are found by the walk that checks the keys (keyWalk), so a
// key keysError refuses is refused here, where no field says a number's
// range.
func clampIntegers(body []byte, t reflect.Type) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var edits []rangeEdit
	if err := (keyWalk{dec: dec, edits: &edits}).value(t, ""); err != nil || len(edits) == 0 {
		return nil, err
	}
	out := make([]byte, 0, len(body))
	at := 0
	for _, e := range edits {
		out = append(append(out, body[at:e.start]...), e.bound...)
		at = e.end
	}
	return append(out, body[at:]...), nil
}

// rangeEdit writes bound over body[start:end].
type rangeEdit struct {
	start, end int
	bound      string
}

// noteRange notes lit, just read for a field of type t (nil: no field),
// when t is a signed integer type and lit a whole number that encoding/json
// does not read into it: one beyond its range, or one written with a
// fraction part of zeros or an exponent. The decoder's offset is the end of
// the literal, which json.Number holds as it was written.
func (w keyWalk) noteRange(lit string, t reflect.Type) {
	if t != nil && isFloat(t) {
		w.noteFloatRange(lit, t)
		return
	}
	if t == nil || !isSignedInt(t) {
		return
	}
	plain := !strings.ContainsAny(lit, ".eE")
	var n int64
	if plain {
		var err error
		n, err = strconv.ParseInt(lit, 10, t.Bits())
		if !errors.Is(err, strconv.ErrRange) {
			return // encoding/json reads it as it is
		}
		// ParseInt answers a number out of range with the bound on its side.
	} else {
		var whole bool
		if n, whole = wholeNumber(lit, t.Bits()); !whole {
			return // a fraction: a wrong type, as encoding/json has it
		}
	}
	end := int(w.dec.InputOffset())
	*w.edits = append(*w.edits, rangeEdit{start: end - len(lit), end: end, bound: strconv.FormatInt(n, 10)})
}

// noteFloatRange notes lit, just read for a floating-point field of type
// t, when it is beyond what t holds: encoding/json refuses it (ParseFloat
// answers ErrRange with an infinity), and it is written as t's largest
// value on its side. A number too small to tell from zero is read as zero
// by encoding/json already.
func (w keyWalk) noteFloatRange(lit string, t reflect.Type) {
	f, err := strconv.ParseFloat(lit, t.Bits())
	if !errors.Is(err, strconv.ErrRange) || !math.IsInf(f, 0) {
		return
	}
	bound := math.MaxFloat64
	if t.Bits() == 32 {
		bound = math.MaxFloat32
	}
	if f < 0 {
		bound = -bound
	}
	end := int(w.dec.InputOffset())
	*w.edits = append(*w.edits, rangeEdit{start: end - len(lit), end: end, bound: strconv.FormatFloat(bound, 'g', -1, t.Bits())})
}

// maxExponent bounds the exponents wholeNumber works out in full: a body
// holds at most MaxJSONBody digits, so beyond it a number's exponent alone
// decides whether it is whole and in range.
const maxExponent = 1 << 20

// wholeNumber reads lit, a valid JSON number written with a fraction part
// or an exponent, as a signed integer of bits bits: its value, or the bound
// on its side when it is beyond them; false when it is not a whole number.
func wholeNumber(lit string, bits int) (int64, bool) {
	neg := strings.HasPrefix(lit, "-")
	lit = strings.TrimPrefix(lit, "-")
	mant, expText, _ := strings.Cut(strings.ToLower(lit), "e")
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := strings.TrimRight(intPart+frac, "0")
	// The value is 0.d1d2... × 10^point, once the leading zeros are gone.
	point := len(intPart)
	for digits != "" && digits[0] == '0' {
		digits, point = digits[1:], point-1
	}
	if digits == "" {
		return 0, true // zero, whatever its exponent
	}
	if expText != "" {
		exp, err := strconv.ParseInt(expText, 10, 64)
		switch {
		case err != nil && strings.HasPrefix(expText, "-"), exp < -maxExponent:
			return 0, false // a fraction far below one
		case err != nil, exp > maxExponent:
			point = maxExponent // far beyond any field's range
		default:
			point += int(exp)
		}
	}
	if len(digits) > point {
		return 0, false // digits after the point
	}
	if point > 19 {
		// More digits than an int64 holds: beyond its range.
		digits, point = "99999999999999999999", 20
	}
	text := digits + strings.Repeat("0", point-len(digits))
	if neg {
		text = "-" + text
	}
	n, err := strconv.ParseInt(text, 10, bits)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return n, true // ParseInt gives the bound on its side when out of range
}
