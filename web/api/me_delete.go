package api

import (
	"net/http"

	"cityhub/apperr"
	"cityhub/cardpay"
	"cityhub/web/httpx"
)

// creditChoices are the values of DELETE /api/v1/me's credit parameter.
var creditChoices = map[string]string{"cards": cardpay.CreditToCards, "city": cardpay.CreditToCity}

// handleAPIDeleteMe erases the caller's personal data (GDPR erasure): the
// account is anonymised and every token and session revoked. The wallet's
// ledger entries stay, pointing at no one, because accounting law keeps them.
// Credit left on the account goes where the query's credit says: "cards"
// (back to the cards of the top-ups, what they can take; the rest to the
// city; refused when none of it can go back) or "city". With credit and no
// choice,
// or with credit given twice, the answer is 400 credit_choice and nothing
// changes.
func (h *accountHandler) handleAPIDeleteMe(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.Caller(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	if h.erasure == nil {
		httpx.WriteError(h.log, w, r, apperr.E(apperr.Unavailable, "Account erasure is not configured."))
		return
	}
	given, err := httpx.Choice(r.URL.Query(), "credit", "credit_choice")
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	choice, ok := creditChoices[given]
	if given != "" && !ok {
		httpx.WriteError(h.log, w, r, apperr.R(apperr.Invalid, "credit_choice", "credit is cards or city, not %q.", given))
		return
	}
	if _, err := h.erasure.EraseAccount(r.Context(), c, choice); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}
