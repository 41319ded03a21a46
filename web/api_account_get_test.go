package web

import (
	"net/http"
	"testing"

	"cityhub/identity"
)

// GET /api/v1/accounts/{id} answers another person's account as it
// answers one that does not exist, and both as every other 404 of the API
// does: a problem with its reason, account_not_found, so that a client
// tells "no such account" from "no such endpoint" (not_found).
func TestAccountNotFoundHasItsReason(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite")
	me, bearer := env.account(t, identity.RoleCitizen)
	other, _ := env.account(t, identity.RoleCitizen)
	admin := env.login(t, identity.RoleAdmin)

	wantStatus(t, env.do(t, "GET", "/api/v1/accounts/"+me.ID, bearer, ""), http.StatusOK)
	for name, tc := range map[string]struct{ auth, id string }{
		"another person's, to a citizen": {bearer, other.ID},
		"an unknown one, to a citizen":   {bearer, "acc_nobody"},
		"an unknown one, to an admin":    {admin, "acc_nobody"},
	} {
		res := env.do(t, "GET", "/api/v1/accounts/"+tc.id, tc.auth, "")
		if p := wantProblem(t, res, http.StatusNotFound); p.Reason != "account_not_found" {
			t.Errorf("%s: reason %q, want account_not_found: %s", name, p.Reason, res.Body.String())
		}
	}
}
