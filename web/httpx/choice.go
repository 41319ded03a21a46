package httpx

import (
	"net/url"

	"cityhub/apperr"
)

// Choice is the value of the parameter name in q ("" when absent) for a
// parameter that chooses what a request does: where an erased account's
// credit goes, which shop a till redeems for. Given more than once, even
// twice alike, it is Invalid with reason, the parameter's own refusal of a
// bad choice, and the request must change nothing: url.Values.Get answers
// the first of them, and an erasure or a redemption that went the way of
// whichever came first, when the request named two, cannot be taken back.
func Choice(q url.Values, name, reason string) (string, error) {
	switch vs := q[name]; len(vs) {
	case 0:
		return "", nil
	case 1:
		return vs[0], nil
	default:
		return "", apperr.R(apperr.Invalid, reason, "%s is given %d times: give it once.", name, len(vs))
	}
}
