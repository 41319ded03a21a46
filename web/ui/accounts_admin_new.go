package ui

import (
	"net/http"
	"slices"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/web/httpx"
)

// ---- A new staff account ----------------------------------------------------

type newAccountPage struct {
	Form      *staffForm
	RolesForm *grantsForm
	Locales   []string
}

var newAccountFields = []string{"name", "email", "password", "locale"}

var newAccountFieldOf = map[string]string{
	"bad_email": "email", "email_taken": "email", "bad_name": "name", "weak_password": "password", "guessable_password": "password", "bad_password": "password", "bad_locale": "locale",
}

// Password is a password input of the form: never filled with what was
// typed, and marked as a new password for the browser's manager.
func (f *staffForm) Password(l *locale, prefix, name, labelKey string) staffField {
	hint := "accadmin.new.password_hint"
	if f.Failed() {
		hint = "accadmin.new.password_again" // it comes back empty: say why
	}
	return staffField{ID: prefix + "-" + name, Name: name, Label: l.T(labelKey), Type: "password", Required: true, Autocomplete: "new-password",
		Hint: l.T(hint, identity.MinPasswordLen), Error: f.E(name)}
}

// handleNewAccountPage is the form creating a staff account (or any
// account an administrator vouches for: its address counts as proved).
// ?role= and &scope= tick one role on it, as a shop's "add staff" link on
// the vouchers page does (role=merchant_staff&scope=<shop>); a role or
// scope the form does not offer ticks nothing.
func (s *accountAdminPages) handleNewAccountPage(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	l := s.locale(r)
	cat, err := s.catalogue(r.Context(), l)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f := newStaffForm()
	f.Values["locale"] = l.Lang
	s.render(w, r, http.StatusOK, "accounts_admin_new", "admin", newAccountPage{Form: f, RolesForm: newGrantsForm(cat, cat.preset(r)), Locales: identity.Locales})
}

// preset is the grant the new account form's query asks to tick: a
// city-wide role without a scope, or a scoped role with a scope the area
// lists; none otherwise.
func (cat scopeCatalogue) preset(r *http.Request) []identity.Grant {
	role, scope := identity.Role(r.URL.Query().Get("role")), r.URL.Query().Get("scope")
	if slices.Contains(cityWideRoles, role) && scope == "" {
		return []identity.Grant{{Role: role}}
	}
	if slices.Contains(scopedRoles, role) && slices.ContainsFunc(cat[role], func(o scopeOption) bool { return o.ID == scope }) {
		return []identity.Grant{{Role: role, Scope: scope}}
	}
	return nil
}

// handleNewAccount creates the account and opens its page, or draws the
// form again with each mistake next to its field, as typed (the password
// excepted: it is never sent back to the browser).
func (s *accountAdminPages) handleNewAccount(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	l := s.locale(r)
	cat, err := s.catalogue(r.Context(), l)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f := formFrom(r, newAccountFields...)
	password := r.PostFormValue("password") // as typed: spaces may be part of it
	grants, gf := grantsFromForm(r, l, cat, nil)
	for _, name := range []string{"name", "email", "password"} {
		if f.Values[name] == "" {
			f.fail(name, l.T("staff.err.required"))
		}
	}
	// The identity service refuses with the first mistake; its Problems
	// names every one, each next to its field (after "required", which
	// says more about an empty one). The roles are the roles' form's.
	n := identity.NewAccount{Email: f.Values["email"], Name: f.Values["name"], Password: password, Locale: f.Values["locale"], Grants: grants}
	for _, err := range n.Problems() {
		if apperr.ReasonOf(err) != "bad_grant" {
			accountRefusal(l, f, err, newAccountFieldOf)
		}
	}
	if len(grants) == 0 && !gf.Failed() {
		gf.Error = l.T("accadmin.reason.bad_grant")
	}
	status := http.StatusBadRequest
	if !f.Failed() && !gf.Failed() && f.Problem == "" {
		a, err := s.accounts.CreateAccount(r.Context(), c, n)
		if err == nil {
			http.Redirect(w, r, accountURL(a.ID, "created"), http.StatusSeeOther)
			return
		}
		if !grantsRefusal(l, gf, err) && !accountRefusal(l, f, err, newAccountFieldOf) {
			s.pageError(w, r, err)
			return
		}
		status = httpx.StatusFor(err)
	}
	f.Values["password"] = ""
	s.render(w, r, status, "accounts_admin_new", "admin", newAccountPage{Form: f, RolesForm: gf, Locales: identity.Locales})
}
