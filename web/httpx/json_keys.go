package httpx

import (
	"bytes"
	"cmp"
	"encoding"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unicode"

	"cityhub/apperr"
)

// encoding/json lets two things through that the API refuses. It matches a
// key to a field whatever its case ({"AMOUNT_CENTS":1} fills amount_cents),
// and a key given twice in one object takes its last value. Both let a body
// mean one thing to the hub and another to whatever read it on the way (a
// proxy, a validator, a log reading the first key): the OpenAPI schemas
// allow no other properties, so every key must be a field's JSON name
// exactly, once per object. keysError checks both on a body encoding/json
// has already decoded, walking its tokens alongside the type it was decoded
// into.

var (
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// keysError is the first key of body, a valid JSON value that encoding/json
// decoded into a value of type t, that is not a field's JSON name exactly
// (unknown_field) or that its object already had (duplicate_field); and
// errNotObject for a body of null where an object is needed.
func keysError(body []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	w := keyWalk{dec: dec}
	if k := checkedKind(t); k == reflect.Struct || k == reflect.Map {
		if bytes.Equal(bytes.TrimSpace(body), []byte("null")) {
			return errNotObject
		}
	}
	return w.value(t, "")
}

// keyWalk reads one JSON value after another from dec, alongside the types
// they decode into.
type keyWalk struct {
	dec *json.Decoder
	// edits, when not nil, gathers the whole numbers beyond the range of
	// their signed integer field (clampIntegers).
	edits *[]rangeEdit
}

// errKeyWalk is what a walk that could not read the body answers; the body
// was decoded first, so only a bug of the walk leads here.
var errKeyWalk = apperr.R(apperr.Invalid, "malformed_json", "The body could not be read as JSON.")

// value walks the next value, of type t (nil: any value, whose keys are
// only checked for duplicates), found at path (dotted field names).
func (w keyWalk) value(t reflect.Type, path string) error {
	tok, err := w.dec.Token()
	if err != nil {
		return errKeyWalk
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		if n, ok := tok.(json.Number); ok && w.edits != nil {
			w.noteRange(string(n), checkedType(t))
		}
		return nil // a scalar has no keys
	}
	t = checkedType(t)
	switch delim {
	case '[':
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for w.dec.More() {
			if err := w.value(elem, path); err != nil {
				return err
			}
		}
	case '{':
		if err := w.object(t, path); err != nil {
			return err
		}
	}
	if _, err := w.dec.Token(); err != nil { // the closing ] or }
		return errKeyWalk
	}
	return nil
}

// object walks the members of an object decoded into t: a struct's keys
// must be its fields' JSON names; a map's, or those of an object of no
// known type, may be anything. No key may come twice.
func (w keyWalk) object(t reflect.Type, path string) error {
	var fields map[string]reflect.Type
	var elem reflect.Type
	switch {
	case t != nil && t.Kind() == reflect.Struct:
		fields = jsonFields(t)
	case t != nil && t.Kind() == reflect.Map:
		elem = t.Elem()
	}
	seen := map[string]bool{}
	for w.dec.More() {
		tok, err := w.dec.Token()
		key, ok := tok.(string)
		if err != nil || !ok {
			return errKeyWalk
		}
		at := key
		if path != "" {
			at = path + "." + key
		}
		if seen[key] {
			return apperr.R(apperr.Invalid, "duplicate_field", "The body has the field %q more than once.", at)
		}
		seen[key] = true
		vt := elem
		if fields != nil {
			if vt, ok = fields[key]; !ok {
				return apperr.R(apperr.Invalid, "unknown_field", "The body has an unknown field %q.", at)
			}
		}
		if err := w.value(vt, at); err != nil {
			return err
		}
	}
	return nil
}

// checkedType is t with its pointers followed, or nil when the value's keys
// have no names to check: an interface (any), or a type that decodes
// itself (json.RawMessage, time.Time), whose objects are still checked for
// duplicate keys.
func checkedType(t reflect.Type) reflect.Type {
	for t != nil {
		if t.Implements(jsonUnmarshalerType) || t.Implements(textUnmarshalerType) ||
			t.Kind() != reflect.Pointer && (reflect.PointerTo(t).Implements(jsonUnmarshalerType) || reflect.PointerTo(t).Implements(textUnmarshalerType)) {
			return nil
		}
		if t.Kind() != reflect.Pointer {
			break
		}
		t = t.Elem()
	}
	if t != nil && t.Kind() == reflect.Interface {
		return nil
	}
	return t
}

// checkedKind is the kind of checkedType(t); Invalid for nil.
func checkedKind(t reflect.Type) reflect.Kind {
	if t = checkedType(t); t == nil {
		return reflect.Invalid
	}
	return t.Kind()
}

// fieldCache holds jsonFields' answers by struct type.
var fieldCache sync.Map // reflect.Type → map[string]reflect.Type

// jsonFields maps the JSON names encoding/json decodes into a struct of
// type t to the fields' types, by its rules: the name a json tag gives, or
// the Go name; "-" ignores a field; unexported fields are ignored; an
// embedded struct without a tag name lends its fields, and of fields of one
// name the shallowest wins, a tagged one before an untagged one, none when
// that leaves two.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if f, ok := fieldCache.Load(t); ok {
		return f.(map[string]reflect.Type)
	}
	var all []jsonField
	collectFields(t, 0, map[reflect.Type]bool{t: true}, &all)
	slices.SortStableFunc(all, func(a, b jsonField) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		if c := cmp.Compare(a.depth, b.depth); c != 0 {
			return c
		}
		switch {
		case a.tagged && !b.tagged:
			return -1
		case b.tagged && !a.tagged:
			return 1
		}
		return 0
	})
	out := map[string]reflect.Type{}
	for i := 0; i < len(all); {
		j := i + 1
		for j < len(all) && all[j].name == all[i].name {
			j++
		}
		if first := all[i]; j == i+1 || all[i+1].depth != first.depth || all[i+1].tagged != first.tagged {
			out[first.name] = first.typ
		}
		i = j
	}
	fieldCache.Store(t, out)
	return out
}

// jsonField is a field encoding/json may decode into, depth embeddings
// down.
type jsonField struct {
	name   string
	typ    reflect.Type
	depth  int
	tagged bool
}

// collectFields appends the fields of struct type t at depth to out,
// following embedded structs; expanding holds the structs being followed,
// so that a struct embedding itself through a pointer ends.
func collectFields(t reflect.Type, depth int, expanding map[reflect.Type]bool, out *[]jsonField) {
	for i := range t.NumField() {
		sf := t.Field(i)
		ft := sf.Type
		if ft.Name() == "" && ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if sf.Anonymous && !sf.IsExported() && ft.Kind() != reflect.Struct || !sf.Anonymous && !sf.IsExported() {
			continue
		}
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if !validTagName(name) {
			name = ""
		}
		if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
			if !expanding[ft] {
				expanding[ft] = true
				collectFields(ft, depth+1, expanding, out)
				delete(expanding, ft)
			}
			continue
		}
		f := jsonField{name: name, typ: sf.Type, depth: depth, tagged: name != ""}
		if name == "" {
			f.name = sf.Name
		}
		*out = append(*out, f)
	}
}

// validTagName reports whether encoding/json takes name from a tag as the
// field's JSON name (it ignores a name with other characters).
func validTagName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		if !strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c) && !unicode.IsLetter(c) && !unicode.IsDigit(c) {
			return false
		}
	}
	return true
}
