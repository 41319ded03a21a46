package ui

import (
	"net/http"
	"slices"
	"strings"

	"cityhub/identity"
	"cityhub/web/httpx"
)

// ---- The roles form ---------------------------------------------------------

// grantsForm is the roles of an account as check boxes: one per city-wide
// role, and for each scoped role one per shop, venue or office the area
// lists, with a field for ids it does not list.
type grantsForm struct {
	CityWide []roleChoice
	Scoped   []scopedChoice
	// Error is about the roles as a whole (none chosen, one's own
	// administrator role).
	Error string
	// Own says the form is the administrator's own account.
	Own bool
}

type roleChoice struct {
	Role    string
	Checked bool
}

type scopedChoice struct {
	Role    string
	Options []scopeOption
	// Listed says the area lists its shops, venues or offices.
	Listed bool
	// Other is the ids typed in the free field, as typed.
	Other string
	Error string
	// Selected counts the ticked options, for the summary.
	Selected int
}

// OtherField is the field for ids the area does not list (every id, when
// it lists none).
func (sc scopedChoice) OtherField(l *locale) staffField {
	label, hint := "accadmin.scope.other", "accadmin.scope.other_hint"
	if !sc.Listed {
		label = "accadmin.scope.ids." + sc.Role
	}
	return staffField{ID: "other-" + sc.Role, Name: "other_" + sc.Role, Label: l.T(label), Type: "text", Hint: l.T(hint),
		Value: sc.Other, Error: sc.Error, Autocomplete: "off"}
}

// Open says whether the role's group starts unfolded.
func (sc scopedChoice) Open() bool { return sc.Selected > 0 || sc.Other != "" || sc.Error != "" }

// newGrantsForm draws the form for grants (an account's, or none).
func newGrantsForm(cat scopeCatalogue, grants []identity.Grant) *grantsForm {
	f := &grantsForm{}
	for _, r := range cityWideRoles {
		f.CityWide = append(f.CityWide, roleChoice{Role: string(r), Checked: slices.ContainsFunc(grants, func(g identity.Grant) bool { return g.Role == r })})
	}
	for _, r := range scopedRoles {
		held := map[string]bool{}
		for _, g := range grants {
			if g.Role == r {
				held[g.Scope] = true
			}
		}
		f.Scoped = append(f.Scoped, scopedChoice{Role: string(r), Listed: cat[r] != nil, Options: scopeOptions(cat[r], held)})
	}
	f.count()
	return f
}

// scopeOptions lists the known scopes, ticked when held, followed by the
// held ones the area does not list (Unknown when the area lists others:
// a shop since removed).
func scopeOptions(known []scopeOption, held map[string]bool) []scopeOption {
	out := make([]scopeOption, 0, len(known))
	for _, o := range known {
		o.Checked = held[o.ID]
		out = append(out, o)
	}
	var unknown []string
	for id := range held {
		if !slices.ContainsFunc(known, func(o scopeOption) bool { return o.ID == id }) {
			unknown = append(unknown, id)
		}
	}
	slices.Sort(unknown)
	for _, id := range unknown {
		out = append(out, scopeOption{ID: id, Name: id, Checked: true, Unknown: known != nil})
	}
	return out
}

func (f *grantsForm) count() {
	for i := range f.Scoped {
		f.Scoped[i].Selected = 0
		for _, o := range f.Scoped[i].Options {
			if o.Checked {
				f.Scoped[i].Selected++
			}
		}
	}
}

// Failed says whether any part of the roles form has a message.
func (f *grantsForm) Failed() bool {
	if f.Error != "" {
		return true
	}
	return slices.ContainsFunc(f.Scoped, func(sc scopedChoice) bool { return sc.Error != "" })
}

// grantsFromForm reads the roles form as posted into grants, and the form
// as ticked and typed for drawing it again. held are the account's grants
// before (their unlisted scopes stay offered). An id typed for an area that
// lists its shops, venues or offices must be one of them.
func grantsFromForm(r *http.Request, l *locale, cat scopeCatalogue, held []identity.Grant) ([]identity.Grant, *grantsForm) {
	posted := r.PostForm
	var grants []identity.Grant
	f := &grantsForm{}
	roles := posted["role"]
	for _, role := range cityWideRoles {
		on := slices.Contains(roles, string(role))
		f.CityWide = append(f.CityWide, roleChoice{Role: string(role), Checked: on})
		if on {
			grants = append(grants, identity.Grant{Role: role})
		}
	}
	for _, v := range roles {
		if !slices.Contains(cityWideRoles, identity.Role(v)) {
			f.Error = l.T("accadmin.err.role")
		}
	}
	for _, role := range scopedRoles {
		known := cat[role]
		was := map[string]bool{}
		for _, g := range held {
			if g.Role == role {
				was[g.Scope] = true
			}
		}
		sc := scopedChoice{Role: string(role), Listed: known != nil, Other: strings.TrimSpace(posted.Get("other_" + string(role)))}
		ticked := map[string]bool{}
		for _, id := range posted["scope_"+string(role)] {
			if id = strings.TrimSpace(id); id != "" {
				ticked[id] = true
			}
		}
		var bad []string
		for _, id := range strings.FieldsFunc(sc.Other, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' }) {
			if len(id) > identity.MaxScopeLen || known != nil && !was[id] && !slices.ContainsFunc(known, func(o scopeOption) bool { return o.ID == id }) {
				bad = append(bad, id)
				continue
			}
			ticked[id] = true
		}
		if len(bad) > 0 {
			sc.Error = l.T("accadmin.err.scope."+string(role), strings.Join(bad, ", "))
		}
		// What was held and what was ticked stays on offer, so the
		// form comes back as it was sent.
		offer := map[string]bool{}
		for id := range was {
			offer[id] = true
		}
		for id := range ticked {
			offer[id] = true
		}
		sc.Options = scopeOptions(known, offer)
		for i := range sc.Options {
			sc.Options[i].Checked = ticked[sc.Options[i].ID]
		}
		ids := make([]string, 0, len(ticked))
		for id := range ticked {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			grants = append(grants, identity.Grant{Role: role, Scope: id})
		}
		f.Scoped = append(f.Scoped, sc)
	}
	f.count()
	return grants, f
}

// ---- One account ------------------------------------------------------------

type adminAccountPage struct {
	identity.AccountReview
	Grants []grantLabel
	// Own: the administrator's own account, which they can neither
	// disable nor take their administrator role from.
	Own       bool
	RolesForm *grantsForm
	// Done is the catalogue key of what was just done, or "".
	Done string
	// OIDC: people sign in with SPID/CIE on this hub, so the page says
	// whether the account is connected to an identity, as it does for an
	// account that is (a provider since removed).
	OIDC bool
}

// accountDone are the confirmations a redirect may ask the page to show.
var accountDone = map[string]string{
	"created": "accadmin.done.created", "grants": "accadmin.done.grants", "disabled": "accadmin.done.disabled",
	"enabled": "accadmin.done.enabled", "cleared": "accadmin.done.cleared",
}

func (s *accountAdminPages) handleAccountPage(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	s.renderAccount(w, r, c, http.StatusOK, nil)
}

// renderAccount draws an account's page; form, when set, is the roles form
// as posted, with its messages.
func (s *accountAdminPages) renderAccount(w http.ResponseWriter, r *http.Request, c identity.Caller, status int, form *grantsForm) {
	l := s.locale(r)
	a, err := s.accounts.ReviewAccount(r.Context(), c, r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	cat, err := s.catalogue(r.Context(), l)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if form == nil {
		form = newGrantsForm(cat, a.Grants)
	}
	form.Own = a.ID == c.AccountID
	page := adminAccountPage{AccountReview: a, Grants: cat.labels(a.Grants), Own: form.Own, RolesForm: form, Done: accountDone[r.URL.Query().Get("done")],
		OIDC: s.oidcLabel != ""}
	s.render(w, r, status, "accounts_admin_account", "admin", page)
}

// handleAccountGrants replaces the account's roles with those of the form,
// or draws the page again with the form as sent and the reason it was
// refused.
func (s *accountAdminPages) handleAccountGrants(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	l := s.locale(r)
	id := r.PathValue("id")
	before, err := s.accounts.ReviewAccount(r.Context(), c, id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	cat, err := s.catalogue(r.Context(), l)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	grants, form := grantsFromForm(r, l, cat, before.Grants)
	status := http.StatusBadRequest
	if !form.Failed() {
		if _, err := s.accounts.SetGrants(r.Context(), c, id, grants); err == nil {
			http.Redirect(w, r, accountURL(id, "grants"), http.StatusSeeOther)
			return
		} else if !grantsRefusal(l, form, err) {
			s.pageError(w, r, err)
			return
		} else {
			status = httpx.StatusFor(err)
		}
	}
	s.renderAccount(w, r, c, status, form)
}

// handleAccountClearLimits forgets the failed logins held against the
// account's address, so the person can log in at once.
func (s *accountAdminPages) handleAccountClearLimits(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	id := r.PathValue("id")
	if _, err := s.accounts.ClearAccountLoginLimits(r.Context(), c, id); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, accountURL(id, "cleared"), http.StatusSeeOther)
}
