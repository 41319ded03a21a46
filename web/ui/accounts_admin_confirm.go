package ui

import (
	"net/http"
	"strings"

	"cityhub/apperr"
	"cityhub/identity"
)

// ---- Disabling and enabling an account, each after a confirmation -----------

// handleAccountDisableConfirm says what disabling does, and asks.
func (s *accountAdminPages) handleAccountDisableConfirm(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	s.confirmDisabled(w, r, c, true)
}

// handleAccountEnableConfirm says what enabling does, and asks.
func (s *accountAdminPages) handleAccountEnableConfirm(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	s.confirmDisabled(w, r, c, false)
}

func (s *accountAdminPages) confirmDisabled(w http.ResponseWriter, r *http.Request, c identity.Caller, disable bool) {
	l := s.locale(r)
	a, err := s.accounts.ReviewAccount(r.Context(), c, r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	switch {
	case a.State == identity.StateErased:
		s.pageError(w, r, identity.ErrNoAccount)
		return
	case a.ID == c.AccountID:
		s.pageError(w, r, apperr.R(apperr.Forbidden, "own_account", "You cannot disable your own account."))
		return
	case a.Disabled == disable:
		// Already so: the account's page says where it stands.
		http.Redirect(w, r, accountURL(a.ID, ""), http.StatusSeeOther)
		return
	}
	cat, err := s.catalogue(r.Context(), l)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	var roles []string
	for _, g := range cat.labels(a.Grants) {
		label := l.T("accadmin.role." + g.Role)
		if g.Scope != "" {
			label += ": " + g.Scope
		}
		roles = append(roles, label)
	}
	p := confirmPage{
		Facts: []confirmFact{{l.T("accadmin.name"), a.Name}, {l.T("accadmin.email"), a.Email}, {l.T("accadmin.roles"), strings.Join(roles, ", ")}},
		Back:  accountURL(a.ID, ""),
	}
	if disable {
		p.Heading, p.Lead, p.Button, p.Danger = l.T("accadmin.disable.heading", a.Name), l.T("accadmin.disable.lead"), l.T("accadmin.disable.button"), true
		p.Action = accountURL(a.ID, "") + "/disable"
	} else {
		p.Heading, p.Lead, p.Button = l.T("accadmin.enable.heading", a.Name), l.T("accadmin.enable.lead"), l.T("accadmin.enable.button")
		if s.oidcLabel != "" {
			p.Lead = l.T("accadmin.enable.lead_oidc", s.oidcLabel)
		}
		p.Action = accountURL(a.ID, "") + "/enable"
	}
	s.renderConfirm(w, r, "admin", p)
}

// handleAccountDisable disables the account, from its confirmation page
// only: a post without the confirmation goes to that page.
func (s *accountAdminPages) handleAccountDisable(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	s.setDisabled(w, r, c, true)
}

// handleAccountEnable enables it again, likewise.
func (s *accountAdminPages) handleAccountEnable(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	s.setDisabled(w, r, c, false)
}

func (s *accountAdminPages) setDisabled(w http.ResponseWriter, r *http.Request, c identity.Caller, disable bool) {
	id := r.PathValue("id")
	if !confirmed(r) {
		http.Redirect(w, r, r.URL.Path, http.StatusSeeOther)
		return
	}
	if _, err := s.accounts.SetDisabled(r.Context(), c, id, disable); err != nil {
		s.pageError(w, r, err)
		return
	}
	done := "enabled"
	if disable {
		done = "disabled"
	}
	http.Redirect(w, r, accountURL(id, done), http.StatusSeeOther)
}
