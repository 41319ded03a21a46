package web

import (
	"net/http"
	"testing"

	"cityhub/identity"
	"cityhub/store/storetest"
)

// Disabling (or enabling) an erased or unknown account is 404
// account_not_found, as replacing its grants is, where it was 404 "Not
// found." without a reason; nothing changes.
func TestAPIDisableErasedAccountNamesTheReason(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := fullServer(t, engine)
			admin := env.login(t, identity.RoleAdmin)
			gone, bearer := env.account(t, identity.RoleCitizen)
			mustStatus(t, env.do(t, "DELETE", "/api/v1/me", bearer, ""), http.StatusNoContent)
			for _, id := range []string{gone.ID, "acc_nobody"} {
				for _, body := range []string{`{"disabled":true}`, `{"disabled":false}`} {
					if p := wantProblem(t, env.do(t, "PUT", "/api/v1/admin/accounts/"+id+"/disabled", admin, body), http.StatusNotFound); p.Reason != "account_not_found" {
						t.Errorf("%s %s: reason %q, want account_not_found", id, body, p.Reason)
					}
				}
				if p := wantProblem(t, env.do(t, "PUT", "/api/v1/admin/accounts/"+id+"/grants", admin, `{"grants":[{"role":"citizen"}]}`), http.StatusNotFound); p.Reason != "account_not_found" {
					t.Errorf("%s grants: reason %q, want account_not_found", id, p.Reason)
				}
			}
		})
	}
}
