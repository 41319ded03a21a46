package ui

import (
	"time"

	"cityhub/apperr"
	"cityhub/money"
	"cityhub/ticketing"
	"cityhub/vouchers"
)

// reasonBounds are the bounds of the domains' checks that the words for a
// reason name where not every refusal of that reason carries them: a time
// that does not read is refused under the reason of one out of bounds
// (invalid_doors_open, invalid_ends_at), a purchase not above zero or too
// small for its voucher's discount under that of one over the most
// (purchase_amount), and a settlement with nothing to settle names no
// window (nothing_to_settle). The words take them from the domains'
// constants, so that they say what the checks enforce and change with
// them; a reason whose refusals all carry their values (ReasonWords) is
// not here.
var reasonBounds = map[string][]any{
	"invalid_doors_open": {int(ticketing.MaxDoorsOpenBefore / time.Hour)},
	"invalid_ends_at":    {int(ticketing.MaxDuration / time.Hour)},
	"purchase_amount":    {money.Cents(vouchers.MaxCents)},
	"nothing_to_settle":  {int(vouchers.ReversalWindow / time.Minute)},
}

// reasonArgs is what the words for err's reason name: the reason's bounds
// (reasonBounds) when it has some, else the values err carries.
func reasonArgs(err error) []any {
	if b, ok := reasonBounds[apperr.ReasonOf(err)]; ok {
		return b
	}
	return apperr.ArgsOf(err)
}

// BoundWords is the site's words for reason with its bounds named
// (reasonBounds), for a page's script that makes the refusal itself (the
// till's amount too large to hold, which the hub would refuse under
// purchase_amount).
func (l *locale) BoundWords(reason string) string {
	key := "error.reason." + reason
	if msg, ok := l.ReasonWords(key, reasonBounds[reason]); ok {
		return msg
	}
	return l.T(key)
}
