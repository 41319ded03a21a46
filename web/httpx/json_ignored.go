package httpx

import (
	"bytes"
	"encoding/json"
	"reflect"
)

// Ignored is a member of a request body that the hub reads past: a value
// it sets itself, such as the created_at and updated_at an input schema
// marks readOnly. A client may send an object back as it read it, or send
// anything there: any JSON value is taken (a time, a word, a number too
// large for a float, null, an object) and dropped, never refused as a
// wrong type. The rules every body keeps still hold inside it: it is JSON,
// an object in it holds no key twice (keysError walks it as a value of no
// known type), and its text holds no NUL (DecodedTextError).
type Ignored struct {
	// nul is set when a string inside holds NUL.
	nul bool
}

var ignoredType = reflect.TypeFor[Ignored]()

// UnmarshalJSON takes any JSON value. Numbers are kept as their digits, so
// that none is refused for its size.
func (v *Ignored) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		// b is one valid JSON value: encoding/json checked it before
		// handing it over.
		return err
	}
	_, ok := badString(reflect.ValueOf(x), "")
	*v = Ignored{nul: !ok}
	return nil
}
