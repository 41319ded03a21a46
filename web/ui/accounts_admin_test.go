package ui

import (
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"cityhub/identity"
)

// The account pages build keys from roles, states, languages and
// confirmations; every one is in both languages.
func TestAccountAdminKeysExist(t *testing.T) {
	locs, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, r := range identity.Roles {
		keys = append(keys, "accadmin.role."+string(r))
	}
	for _, st := range identity.AccountStates {
		keys = append(keys, "accadmin.state."+string(st))
	}
	for _, lang := range identity.Locales {
		keys = append(keys, "accadmin.locale."+lang)
	}
	for _, r := range scopedRoles {
		keys = append(keys, "accadmin.scope.none."+string(r), "accadmin.scope.ids."+string(r), "accadmin.err.scope."+string(r))
	}
	for _, k := range accountDone {
		keys = append(keys, k)
	}
	for reason := range newAccountFieldOf {
		keys = append(keys, "accadmin.reason."+reason)
	}
	for reason := range accountSearchFieldOf {
		keys = append(keys, "accadmin.reason."+reason)
	}
	keys = append(keys, "accadmin.reason.bad_grant", "accadmin.reason.own_admin", "accadmin.reason.bad_limit", "accadmin.scope.other",
		"accadmin.scope.other_hint", "accadmin.new.password_hint", "accadmin.new.password_again", "accadmin.limits.count", "accadmin.scope.selected")
	for _, lang := range pageLanguages {
		for _, k := range keys {
			if !locs[lang].Has(k) {
				t.Errorf("%s lacks %q", lang, k)
			}
		}
	}
}

// The roles form reads ticked roles and scopes and typed ids into grants;
// an id the area does not list is refused next to its field, unless the
// account already held it; the form comes back as sent.
func TestGrantsFromForm(t *testing.T) {
	l := New(Deps{}).site.pages.locales["en"]
	cat := scopeCatalogue{identity.RoleMerchant: {{ID: "shop_1", Name: "Forno"}, {ID: "shop_2", Name: "Bar"}}}
	held := []identity.Grant{{Role: identity.RoleMerchant, Scope: "shop_gone"}}
	read := func(form url.Values) ([]identity.Grant, *grantsForm) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if err := r.ParseForm(); err != nil {
			t.Fatal(err)
		}
		return grantsFromForm(r, l, cat, held)
	}
	gs, f := read(url.Values{"role": {"citizen", "city_admin"}, "scope_merchant_staff": {"shop_2", "shop_gone"},
		"other_door_staff": {"venue_9, venue_3;venue_9"}, "other_merchant_staff": {"shop_1"}})
	want := []identity.Grant{{Role: identity.RoleCitizen}, {Role: identity.RoleAdmin},
		{Role: identity.RoleMerchant, Scope: "shop_1"}, {Role: identity.RoleMerchant, Scope: "shop_2"}, {Role: identity.RoleMerchant, Scope: "shop_gone"},
		{Role: identity.RoleDoor, Scope: "venue_3"}, {Role: identity.RoleDoor, Scope: "venue_9"}}
	if f.Failed() || !slices.Equal(gs, want) {
		t.Fatalf("grants %+v, form failed %v", gs, f.Failed())
	}
	if f.Scoped[0].Selected != 3 || !f.Scoped[0].Listed || f.Scoped[1].Listed || f.Scoped[1].Other != "venue_9, venue_3;venue_9" {
		t.Fatalf("form as sent: %+v", f.Scoped)
	}
	// An unlisted shop id typed is refused; a role that does not exist too.
	_, f = read(url.Values{"role": {"mayor"}, "other_merchant_staff": {"shop_1, shop_nope"}})
	if !f.Failed() || f.Error == "" || !strings.Contains(f.Scoped[0].Error, "shop_nope") || strings.Contains(f.Scoped[0].Error, "shop_1") {
		t.Fatalf("refusals: %q, %+v", f.Error, f.Scoped[0])
	}
}
