// Package acceptlang picks the language of an answer from a request's
// Accept-Language header (RFC 9110, section 12.5.4) among the few a
// service speaks. The pages and Open311 share it, so both read a header
// alike: by the weights, each entry by its primary language alone, an entry
// that does not read skipped rather than the whole header refused.
package acceptlang

import (
	"slices"
	"strconv"
	"strings"
)

// Pick returns the language of supported (primary subtags in lower case,
// such as "it") that header weighs most, the earlier entry on a tie, or
// def when it names none of them with a weight above 0. A language outside
// supported is never picked for being close to one of them.
func Pick(header string, supported []string, def string) string {
	best, bestQ := def, 0.0
	for part := range strings.SplitSeq(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q, ok := weight(params)
		if !ok {
			continue
		}
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if q > bestQ && slices.Contains(supported, primary) {
			best, bestQ = primary, q
		}
	}
	return best
}

// weight is an entry's q among its parameters (1 without one); false when
// it does not read or is out of 0 to 1.
func weight(params string) (float64, bool) {
	for p := range strings.SplitSeq(params, ";") {
		v, ok := strings.CutPrefix(strings.TrimSpace(p), "q=")
		if !ok {
			continue
		}
		w, err := strconv.ParseFloat(v, 64)
		if err != nil || w < 0 || w > 1 {
			return 0, false
		}
		return w, true
	}
	return 1, true
}
