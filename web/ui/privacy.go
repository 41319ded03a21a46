package ui

import (
	"context"
	"net/http"
	"strings"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/web/httpx"
)

// PrivacyExport gives everything identity holds about an account, as a value
// that marshals to JSON. cmd/cityhub wires it to identity.Service.Export.
type PrivacyExport func(ctx context.Context, accountID string) (any, error)

// handlePrivacy explains what the hub keeps and offers the download and the
// deletion.
func (s *homePages) handlePrivacy(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	s.render(w, r, http.StatusOK, "privacy", "privacy", nil)
}

// handleDeleteAccount erases the caller's account after they confirm it by
// typing their email. Accounting records stay (see the privacy page), tied to
// an account id that no longer leads to a person.
func (s *homePages) handleDeleteAccount(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	if !strings.EqualFold(strings.TrimSpace(r.PostFormValue("confirm_email")), c.Email) {
		l := s.locale(r)
		s.render(w, r, http.StatusBadRequest, "privacy", "privacy", map[string]string{"Error": l.T("privacy.delete.mismatch")})
		return
	}
	if s.accounts == nil {
		s.pageError(w, r, apperr.E(apperr.Unavailable, "account deletion is not configured"))
		return
	}
	if err := s.accounts.DeleteAccount(r.Context(), c.AccountID); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.setCookie(w, r, httpx.SessionCookie, "", -1)
	// The goodbye page must not look signed in any more.
	r = r.WithContext(context.WithValue(r.Context(), signedOutKey{}, true))
	s.render(w, r, http.StatusOK, "goodbye", "", nil)
}
