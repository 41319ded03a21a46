package ui

import (
	"net/http"
	"net/url"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/mobility"
)

// A station's broker credential on the admin pages: its state, and buttons
// to issue, rotate or revoke it (the last two after a confirmation page). A new secret appears once, in the answer
// to the form post that made it (every page is Cache-Control: no-store), and
// is never shown again. Registering a station on these pages issues its
// first credential at once.

type credentialPage struct {
	StationID string
	Name      string
	Cred      *mobility.StationCredential
	// Secret is the new secret, on the answer that made it only.
	Secret string
	Saved  string
	// Admin: the reader is a city administrator, whose way back is the
	// catalogue's station form; an operator's is their own station page,
	// as the catalogue's pages are the administrator's alone.
	Admin bool
	// StationPage is the reader's page of the station.
	StationPage string
}

// credentialPage reads the credential first: the mobility service decides
// who may see it (operators and city admins).
func (s *bikePages) credentialPage(r *http.Request, c identity.Caller, id string) (credentialPage, error) {
	cred, err := s.mobility.StationCredential(r.Context(), c, id)
	if err != nil && !apperr.Has(err, apperr.NotFound) {
		return credentialPage{}, err
	}
	st, serr := s.mobility.StationDetail(r.Context(), id)
	if serr != nil {
		return credentialPage{}, serr
	}
	p := credentialPage{StationID: st.ID, Name: st.Name(s.locale(r).Lang), Admin: c.Has(identity.RoleAdmin),
		StationPage: "/operator/bikes/stations/" + url.PathEscape(st.ID)}
	if p.Admin {
		p.StationPage = "/admin/bikes/stations/" + url.PathEscape(st.ID)
	}
	if err == nil {
		p.Cred = &cred
	}
	return p, nil
}

// nav is the header's section of the page: the administrator's or the
// operator's.
func (p credentialPage) nav() string {
	if p.Admin {
		return "admin"
	}
	return "operator"
}

// handleCredentialPage shows a station's credential, never its secret.
func (s *bikePages) handleCredentialPage(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	p, err := s.credentialPage(r, c, r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Saved = r.URL.Query().Get("saved")
	s.render(w, r, http.StatusOK, "mobility_admin_credential", p.nav(), p)
}

// handleCredentialAction issues (do=issue), rotates (do=rotate) or revokes
// (do=revoke) a station's credential.
func (s *bikePages) handleCredentialAction(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	if s.refused(w, r, mobility.MayOperate(c)) {
		return
	}
	id := r.PathValue("id")
	do := r.PostFormValue("do")
	if (do == "rotate" || do == "revoke") && !confirmed(r) {
		// Both cut the station off the broker until it is given the new
		// secret (rotate) or a new credential (revoke): they ask first.
		s.confirmCredential(w, r, c, id, do)
		return
	}
	var secret string
	var err error
	switch do {
	case "issue":
		var ic mobility.IssuedCredential
		ic, err = s.mobility.IssueStationCredential(r.Context(), c, id)
		secret = ic.Secret
	case "rotate":
		var ic mobility.IssuedCredential
		ic, err = s.mobility.RotateStationCredential(r.Context(), c, id)
		secret = ic.Secret
	case "revoke":
		if _, err = s.mobility.RevokeStationCredential(r.Context(), c, id); err == nil {
			http.Redirect(w, r, "/admin/bikes/stations/"+url.PathEscape(id)+"/credential?saved=revoked", http.StatusSeeOther)
			return
		}
	default:
		err = apperr.R(apperr.Invalid, "do", "Choose issue, rotate or revoke.")
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.showSecret(w, r, c, id, secret)
}

// confirmCredential says what rotating or revoking the station's
// credential does, and posts the same action again with the confirmation.
func (s *bikePages) confirmCredential(w http.ResponseWriter, r *http.Request, c identity.Caller, id, do string) {
	p, err := s.credentialPage(r, c, id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if p.Cred == nil || !p.Cred.Active() {
		// As the domain refuses the action itself, so the page says the same.
		s.pageError(w, r, apperr.R(apperr.NotFound, "no_credential", "This station has no active credential to %s.", do))
		return
	}
	l := s.locale(r)
	back := "/admin/bikes/stations/" + url.PathEscape(id) + "/credential"
	s.renderConfirm(w, r, p.nav(), confirmPage{
		Heading: l.T("madmin.cred.confirm."+do+".heading", p.Name),
		Lead:    l.T("madmin.cred.confirm." + do + ".lead"),
		Facts: []confirmFact{
			{l.T("madmin.cred.username"), p.Cred.Username},
			{l.T("madmin.cred.issued"), l.DateTime(p.Cred.IssuedAt) + " (" + l.T("madmin.cred.generation", p.Cred.Generation) + ")"},
		},
		Action: back, Hidden: map[string]string{"do": do},
		Button: l.T("madmin.cred." + do), Danger: do == "revoke", Back: back,
	})
}

// showSecret answers the post that made a secret with the page that shows
// it, the only time it is ever shown.
func (s *bikePages) showSecret(w http.ResponseWriter, r *http.Request, c identity.Caller, id, secret string) {
	p, err := s.credentialPage(r, c, id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Secret = secret
	s.render(w, r, http.StatusOK, "mobility_admin_credential", p.nav(), p)
}

// issueOnRegistration gives a station created on the admin pages its first
// credential and shows it; if that fails, the station exists and its page
// says so, with the button to try again.
func (s *bikePages) issueOnRegistration(w http.ResponseWriter, r *http.Request, c identity.Caller, id string) {
	ic, err := s.mobility.IssueStationCredential(r.Context(), c, id)
	if err != nil {
		if apperr.IsServerFault(err) {
			s.pageError(w, r, err)
			return
		}
		http.Redirect(w, r, "/admin/bikes/stations/"+url.PathEscape(id)+"/credential?saved=not_issued", http.StatusSeeOther)
		return
	}
	s.showSecret(w, r, c, id, ic.Secret)
}

// handleResolveIncident closes an incident from the operator's page.
func (s *bikePages) handleResolveIncident(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	s.resolveIncident(w, r, c, "/operator/bikes#incidents-heading", "/operator/bikes?closed=1#incidents-heading")
}

// resolveIncident resolves the incident r names and goes to done; to
// closed when it was no longer open. A second press, a stale tab, or
// another operator first: the page says it is no longer open, where an
// error page said the page was not found. An id that names no incident at
// all was never resolved, and stays not found.
func (s *bikePages) resolveIncident(w http.ResponseWriter, r *http.Request, c identity.Caller, done, closed string) {
	id := r.PathValue("id")
	err := s.mobility.ResolveIncident(r.Context(), c, id)
	if apperr.ReasonOf(err) == "no_incident" {
		known, kerr := s.mobility.IncidentKnown(r.Context(), c, id)
		if kerr != nil {
			err = kerr
		} else if known {
			http.Redirect(w, r, closed, http.StatusSeeOther)
			return
		}
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, done, http.StatusSeeOther)
}
