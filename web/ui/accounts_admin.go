package ui

import (
	"context"
	"net/url"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/participation"
	"cityhub/ticketing"
	"cityhub/vouchers"
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

// grantsRefusal puts the identity service's refusal of grants on the form;
// false for an error that is not about them.
func grantsRefusal(l *locale, f *grantsForm, err error) bool {
	switch apperr.ReasonOf(err) {
	case "bad_grant", "own_admin", "unknown_scope", "last_admin":
		f.Error = reasonText(l, err)
		return true
	}
	return false
}

// accountRefusal puts a refusal of the identity service next to the field
// it is about (or at the top of the form); false for an error that is no
// refusal of what was typed (forbidden, internal).
func accountRefusal(l *locale, f *staffForm, err error, fieldOf map[string]string) bool {
	return refusalOnForm(l, f, err, fieldOf, accountWords)
}

// accountWords are the catalogue's words of these pages, which speak to an
// administrator about someone else's account.
const accountWords = "accadmin.reason."

// reasonText is a refusal in these pages' words.
func reasonText(l *locale, err error) string { return refusalText(l, err, accountWords) }

// accountURL is the page of account id, with a confirmation to show.
func accountURL(id, done string) string {
	u := "/admin/accounts/" + url.PathEscape(id)
	if done != "" {
		u += "?done=" + done
	}
	return u
}
