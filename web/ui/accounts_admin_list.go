package ui

import (
	"net/http"
	"net/url"
	"strings"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/web/httpx"
)

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
		// A cursor the list never gave, or a parameter given twice, is a
		// link gone bad, which no choice on the form mends: the error
		// page, as the API's 400 bad_cursor or duplicate_field, with the
		// link to the search's first page (its filters given once).
		if reason := apperr.ReasonOf(err); reason == "bad_cursor" || reason == "bad_limit" || reason == "duplicate_field" {
			first := url.Values{}
			for _, k := range []string{"q", "role", "scope", "state"} {
				if vs := q[k]; len(vs) == 1 && vs[0] != "" {
					first.Set(k, vs[0])
				}
			}
			s.pagingRefused(w, r, err, strings.TrimSuffix("/admin/accounts?"+first.Encode(), "?"))
			return
		}
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
