package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
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
// Only a whole number written as one (digits, with a minus sign or not) is
// read so: 1.5 and 1e3 stay a wrong type for a whole-number field, as
// encoding/json has them.

// integerOverflow reports whether err is encoding/json's refusal of a whole
// number for a signed integer field, which only its size can be; a number
// written with a fraction or an exponent may be the cause too, and
// clampIntegers tells them apart.
func integerOverflow(err error) bool {
	var typ *json.UnmarshalTypeError
	if !errors.As(err, &typ) || !strings.HasPrefix(typ.Value, "number ") {
		return false
	}
	return isSignedInt(typ.Type)
}

func isSignedInt(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return true
	}
	return false
}

// clampIntegers is body with every whole number that a signed integer field
// of t (the type it is decoded into) cannot hold written as that field's
// bound; nil when there is none. body is valid JSON, already decoded once.
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
// when t is a signed integer type and lit a whole number beyond its range.
// The decoder's offset is the end of the literal, which json.Number holds
// as it was written.
func (w keyWalk) noteRange(lit string, t reflect.Type) {
	if t == nil || !isSignedInt(t) || strings.ContainsAny(lit, ".eE") {
		return
	}
	n, err := strconv.ParseInt(lit, 10, t.Bits())
	if !errors.Is(err, strconv.ErrRange) {
		return
	}
	// ParseInt answers a number out of range with the bound on its side.
	end := int(w.dec.InputOffset())
	*w.edits = append(*w.edits, rangeEdit{start: end - len(lit), end: end, bound: strconv.FormatInt(n, 10)})
}
