package ui

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/participation"
	"cityhub/ticketing"
	"cityhub/vouchers"
	"cityhub/web/httpx"
)

// The city administrator's account pages: a search over every account,
// citizens' and staff's, by address, name, role and state, newest first a
// page at a time; one account's page, with its roles as a form, the failed
// logins holding it back and a button clearing them, and disabling or
// enabling it after a confirmation; and a form creating a staff account.
// The identity service decides who may do what and audits every change;
// these pages never show a password hash or a token.

// AccountAdmin is what the account pages ask of identity;
// identity.Service implements it.
type AccountAdmin interface {
	SearchAccounts(ctx context.Context, admin identity.Caller, q identity.AccountQuery) (identity.AccountPage, error)
	ReviewAccount(ctx context.Context, admin identity.Caller, id string) (identity.AccountReview, error)
	SetGrants(ctx context.Context, admin identity.Caller, id string, grants []identity.Grant) (identity.Account, error)
	SetDisabled(ctx context.Context, admin identity.Caller, id string, disabled bool) (identity.Account, error)
	ClearAccountLoginLimits(ctx context.Context, admin identity.Caller, id string) (int, error)
	CreateAccount(ctx context.Context, admin identity.Caller, n identity.NewAccount) (identity.Account, error)
}

// accountAdminPages are the city administrator's account pages.
type accountAdminPages struct {
	*site
	accounts AccountAdmin
	// The areas whose shops, venues and offices a grant names, so the
	// form offers them by name; nil or empty when the area is off, and
	// the ids are then typed.
	vouchers  *vouchers.Service
	ticketing *ticketing.Service
	offices   []participation.Office
}

func init() {
	pageViews = append(pageViews, "accounts_admin", "accounts_admin_account", "accounts_admin_new")
}

// The roles, in the order the pages show them: the city-wide ones are
// ticked, the scoped ones name their shops, venues or offices.
var (
	cityWideRoles = []identity.Role{identity.RoleCitizen, identity.RoleOperator, identity.RoleAdmin}
	scopedRoles   = []identity.Role{identity.RoleMerchant, identity.RoleDoor, identity.RoleCityStaff}
)

// scopeOption is a shop, venue or office a scoped grant may name.
type scopeOption struct {
	ID, Name, Memo string
	Checked        bool
	// Unknown marks a scope the account holds that the area does not
	// list (a shop since removed, an area switched off).
	Unknown bool
}

// scopeCatalogue is the shops, venues and offices of the areas that are
// on, by scoped role; a role missing from it has no list, and its ids are
// typed.
type scopeCatalogue map[identity.Role][]scopeOption

func (s *accountAdminPages) catalogue(ctx context.Context, l *locale) (scopeCatalogue, error) {
	cat := scopeCatalogue{}
	if s.vouchers != nil {
		shops, err := s.vouchers.Shops(ctx, vouchers.ShopFilter{})
		if err != nil {
			return nil, err
		}
		opts := []scopeOption{}
		for _, sh := range shops {
			opts = append(opts, scopeOption{ID: sh.ID, Name: sh.Name, Memo: sh.Address})
		}
		cat[identity.RoleMerchant] = opts
	}
	if s.ticketing != nil {
		venues, err := s.ticketing.Venues(ctx)
		if err != nil {
			return nil, err
		}
		opts := []scopeOption{}
		for _, v := range venues {
			opts = append(opts, scopeOption{ID: v.ID, Name: v.Name, Memo: v.Address})
		}
		cat[identity.RoleDoor] = opts
	}
	if len(s.offices) > 0 {
		opts := []scopeOption{}
		for _, o := range s.offices {
			name := o.NameIT
			if l.Lang == "en" && o.NameEN != "" {
				name = o.NameEN
			}
			opts = append(opts, scopeOption{ID: o.ID, Name: name})
		}
		cat[identity.RoleCityStaff] = opts
	}
	return cat, nil
}

// name is what a page calls scope of role: the shop's, venue's or
// office's name, or its id when the area does not know it.
func (cat scopeCatalogue) name(role identity.Role, scope string) string {
	for _, o := range cat[role] {
		if o.ID == scope {
			return o.Name
		}
	}
	return scope
}

// grantLabel is one grant in words: "Shop staff: Forno Traiano".
type grantLabel struct {
	Role, Scope string
}

func (cat scopeCatalogue) labels(gs []identity.Grant) []grantLabel {
	out := make([]grantLabel, 0, len(gs))
	for _, g := range gs {
		gl := grantLabel{Role: string(g.Role)}
		if g.Scope != "" {
			gl.Scope = cat.name(g.Role, g.Scope)
		}
		out = append(out, gl)
	}
	return out
}

// ---- The list ---------------------------------------------------------------

type accountsListPage struct {
	Form  *staffForm
	Roles []string
	// States are the filter's choices.
	States []string
	Rows   []accountListRow
	// Searched says a filter is set, so an empty list means no match.
	Searched bool
	// Next and First are the links to the following page and back to the
	// first; "" when there is none.
	Next, First string
}

type accountListRow struct {
	identity.AccountRow
	Grants []grantLabel
}

var accountSearchFieldOf = map[string]string{"bad_search": "q", "bad_role": "role", "bad_scope": "scope", "bad_state": "state"}

// handleAccountsPage lists the accounts matching the search form (a GET
// form: the URL keeps the search and can be shared), newest first.
func (s *accountAdminPages) handleAccountsPage(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	l := s.locale(r)
	q := r.URL.Query()
	f := newStaffForm()
	for _, k := range []string{"q", "role", "scope", "state"} {
		f.Values[k] = strings.TrimSpace(q.Get(k))
	}
	page := accountsListPage{Form: f, Roles: roleNames(identity.Roles), States: stateNames(), Searched: f.Values["q"] != "" || f.Values["role"] != "" || f.Values["state"] != ""}
	aq, err := httpx.AccountQuery(q)
	var p identity.AccountPage
	if err == nil {
		p, err = s.accounts.SearchAccounts(r.Context(), c, aq)
	}
	if err != nil {
		if !accountRefusal(l, f, err, accountSearchFieldOf) {
			s.pageError(w, r, err)
			return
		}
		s.render(w, r, httpx.StatusFor(err), "accounts_admin", "admin", page)
		return
	}
	cat, err := s.catalogue(r.Context(), l)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, a := range p.Accounts {
		page.Rows = append(page.Rows, accountListRow{AccountRow: a, Grants: cat.labels(a.Grants)})
	}
	if p.Next != "" || aq.Cursor != "" {
		keep := url.Values{}
		for _, k := range []string{"q", "role", "scope", "state", "limit"} {
			if v := q.Get(k); v != "" {
				keep.Set(k, v)
			}
		}
		if aq.Cursor != "" {
			page.First = "/admin/accounts?" + keep.Encode()
		}
		if p.Next != "" {
			keep.Set("cursor", p.Next)
			page.Next = "/admin/accounts?" + keep.Encode()
		}
	}
	s.render(w, r, http.StatusOK, "accounts_admin", "admin", page)
}

func roleNames(rs []identity.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

func stateNames() []string {
	out := make([]string, len(identity.AccountStates))
	for i, st := range identity.AccountStates {
		out[i] = string(st)
	}
	return out
}

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

// grantsRefusal puts the identity service's refusal of grants on the form;
// false for an error that is not about them.
func grantsRefusal(l *locale, f *grantsForm, err error) bool {
	switch apperr.ReasonOf(err) {
	case "bad_grant", "own_admin":
		f.Error = reasonText(l, err)
		return true
	}
	return false
}

// accountRefusal puts a refusal of the identity service next to the field
// it is about (or at the top of the form); false for an error that is no
// refusal of what was typed (forbidden, internal).
func accountRefusal(l *locale, f *staffForm, err error, fieldOf map[string]string) bool {
	if code := apperr.CodeOf(err); code != apperr.Invalid && code != apperr.Conflict {
		return false
	}
	if field, ok := fieldOf[apperr.ReasonOf(err)]; ok {
		f.fail(field, reasonText(l, err))
	} else {
		f.Problem = reasonText(l, err)
	}
	return true
}

// reasonText is a refusal in the words of these pages, which speak to an
// administrator about someone else's account.
func reasonText(l *locale, err error) string {
	if r := apperr.ReasonOf(err); r != "" && l.Has("accadmin.reason."+r) {
		return l.T("accadmin.reason." + r)
	}
	return l.ErrorText(err)
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
	page := adminAccountPage{AccountReview: a, Grants: cat.labels(a.Grants), Own: form.Own, RolesForm: form, Done: accountDone[r.URL.Query().Get("done")]}
	s.render(w, r, status, "accounts_admin_account", "admin", page)
}

// accountURL is the page of account id, with a confirmation to show.
func accountURL(id, done string) string {
	u := "/admin/accounts/" + url.PathEscape(id)
	if done != "" {
		u += "?done=" + done
	}
	return u
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
		s.pageError(w, r, apperr.R(apperr.NotFound, "account_not_found", "No such account."))
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

// ---- A new staff account ----------------------------------------------------

type newAccountPage struct {
	Form      *staffForm
	RolesForm *grantsForm
	Locales   []string
}

var newAccountFields = []string{"name", "email", "password", "locale"}

var newAccountFieldOf = map[string]string{
	"bad_email": "email", "email_taken": "email", "bad_name": "name", "weak_password": "password", "bad_password": "password", "bad_locale": "locale",
}

// handleNewAccountPage is the form creating a staff account (or any
// account an administrator vouches for: its address counts as proved).
func (s *accountAdminPages) handleNewAccountPage(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	l := s.locale(r)
	cat, err := s.catalogue(r.Context(), l)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f := newStaffForm()
	f.Values["locale"] = l.Lang
	s.render(w, r, http.StatusOK, "accounts_admin_new", "admin", newAccountPage{Form: f, RolesForm: newGrantsForm(cat, nil), Locales: identity.Locales})
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
	// The identity service names the first mistake only; these checks,
	// the same as its own, name every one at once.
	if utf8.RuneCountInString(f.Values["name"]) > identity.MaxNameLen {
		f.fail("name", l.T("accadmin.reason.bad_name"))
	}
	if f.Values["email"] != "" {
		if err := identity.ValidateEmail(f.Values["email"]); err != nil {
			f.fail("email", reasonText(l, err))
		}
	}
	if password != "" && utf8.RuneCountInString(password) < identity.MinPasswordLen {
		f.fail("password", l.T("accadmin.reason.weak_password"))
	}
	if len(grants) == 0 && !gf.Failed() {
		gf.Error = l.T("accadmin.reason.bad_grant")
	}
	status := http.StatusBadRequest
	if !f.Failed() && !gf.Failed() {
		a, err := s.accounts.CreateAccount(r.Context(), c, identity.NewAccount{Email: f.Values["email"], Name: f.Values["name"], Password: password,
			Locale: f.Values["locale"], Grants: grants})
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
