package httpx

import (
	"net/http"
	"net/url"
	"strconv"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/paging"
)

// Once refuses (Invalid, duplicate_field) any of the parameters names that
// q gives more than once (?contrada=a&contrada=b): the first would be
// taken silently, and a client that sent two meant something the answer
// would not say. Lists that take a parameter repeated (category=a&
// category=b) leave it out of names.
func Once(q url.Values, names ...string) error {
	for _, name := range names {
		if len(q[name]) > 1 {
			return apperr.R(apperr.Invalid, "duplicate_field", "The parameter %q is given more than once.", name)
		}
	}
	return nil
}

// PageQuery reads ?cursor=&limit= of a request for one page of a list:
// limit def when absent, else a whole number from 1 to most (Invalid,
// bad_limit, otherwise). Each is given once (Invalid, duplicate_field,
// otherwise): every paged list of the API and the pages reads its place
// here, so none takes the first of two cursors or sizes.
func PageQuery(r *http.Request, def, most int) (cursor string, limit int, err error) {
	q := r.URL.Query()
	if err := Once(q, "cursor"); err != nil {
		return "", 0, err
	}
	limit, err = Limit(q, def, most)
	if err != nil {
		return "", 0, err
	}
	return q.Get("cursor"), limit, nil
}

// Limit is ?limit= of q: def when absent, else a whole number from 1 to
// most (Invalid, bad_limit, otherwise), given once (Invalid,
// duplicate_field, otherwise): every list of the API and the pages reads
// its page size with it.
func Limit(q url.Values, def, most int) (int, error) {
	if err := Once(q, "limit"); err != nil {
		return 0, err
	}
	l := q.Get("limit")
	if l == "" {
		return def, nil
	}
	n, err := strconv.Atoi(l)
	if err != nil {
		n = 0 // not a number: refused as any other limit outside the bounds
	}
	if err := paging.CheckLimit(n, most); err != nil {
		return 0, err
	}
	return n, nil
}

// AccountQuery reads an administrator's account search from a query
// string, the JSON API's and the accounts page's alike: ?q= (part of an
// e-mail address or a name, a whole account id or fiscal code), role=,
// scope=, state=, cursor=, limit= (1 to identity.MaxAccountPage; absent,
// the identity service's default), each given once (Invalid,
// duplicate_field, otherwise). The identity service checks the rest.
func AccountQuery(q url.Values) (identity.AccountQuery, error) {
	if err := Once(q, "q", "role", "scope", "state", "cursor"); err != nil {
		return identity.AccountQuery{}, err
	}
	aq := identity.AccountQuery{Text: q.Get("q"), Role: identity.Role(q.Get("role")), Scope: q.Get("scope"),
		State: identity.AccountState(q.Get("state")), Cursor: q.Get("cursor")}
	var err error
	aq.Limit, err = Limit(q, 0, identity.MaxAccountPage)
	return aq, err
}
