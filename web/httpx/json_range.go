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
// bound; false when there is none. body is valid JSON, already decoded
// once.
func clampIntegers(body []byte, t reflect.Type) ([]byte, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	w := rangeWalk{dec: dec}
	if !w.value(t) || len(w.edits) == 0 {
		return nil, false
	}
	out := make([]byte, 0, len(body))
	at := 0
	for _, e := range w.edits {
		out = append(append(out, body[at:e.start]...), e.bound...)
		at = e.end
	}
	return append(out, body[at:]...), true
}

// rangeWalk reads one JSON value after another from dec, alongside the
// types they decode into (as keyWalk does), noting the numbers out of
// their field's range.
type rangeWalk struct {
	dec   *json.Decoder
	edits []rangeEdit
}

// rangeEdit writes bound over body[start:end].
type rangeEdit struct {
	start, end int
	bound      string
}

// value walks the next value, of type t (nil: a value whose numbers no
// signed integer field holds); false when the body could not be walked.
func (w *rangeWalk) value(t reflect.Type) bool {
	tok, err := w.dec.Token()
	if err != nil {
		return false
	}
	t = checkedType(t)
	switch tok := tok.(type) {
	case json.Number:
		if t != nil && isSignedInt(t) {
			w.number(string(tok), t)
		}
		return true
	case json.Delim:
		switch tok {
		case '[':
			var elem reflect.Type
			if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
				elem = t.Elem()
			}
			for w.dec.More() {
				if !w.value(elem) {
					return false
				}
			}
		case '{':
			if !w.object(t) {
				return false
			}
		}
		_, err := w.dec.Token() // the closing ] or }
		return err == nil
	}
	return true // a string, true, false or null
}

// object walks the members of an object decoded into t. A key that is not
// a field's exact name leads to no field: keysError refuses it.
func (w *rangeWalk) object(t reflect.Type) bool {
	var fields map[string]reflect.Type
	var elem reflect.Type
	switch {
	case t != nil && t.Kind() == reflect.Struct:
		fields = jsonFields(t)
	case t != nil && t.Kind() == reflect.Map:
		elem = t.Elem()
	}
	for w.dec.More() {
		tok, err := w.dec.Token()
		key, ok := tok.(string)
		if err != nil || !ok {
			return false
		}
		vt := elem
		if fields != nil {
			vt = fields[key]
		}
		if !w.value(vt) {
			return false
		}
	}
	return true
}

// number notes lit, just read, when it is a whole number beyond the range
// of t, a signed integer type. The decoder's offset is the end of the
// literal, which json.Number holds as it was written.
func (w *rangeWalk) number(lit string, t reflect.Type) {
	if strings.ContainsAny(lit, ".eE") {
		return
	}
	n, err := strconv.ParseInt(lit, 10, t.Bits())
	if !errors.Is(err, strconv.ErrRange) {
		return
	}
	// ParseInt answers a number out of range with the bound on its side.
	end := int(w.dec.InputOffset())
	w.edits = append(w.edits, rangeEdit{start: end - len(lit), end: end, bound: strconv.FormatInt(n, 10)})
}
