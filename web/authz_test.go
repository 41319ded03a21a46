package web

import (
	"net/http"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/store/storetest"
)

// authzCase is one row of the role × endpoint table: a request made as role
// (anonymous when role is "") and the status it must get. In path and body,
// {me} is the calling account's id and {other} the id of another citizen.
//
// Each area adds its rows from its own test file, in an init function:
//
//	func init() {
//		authzCases = append(authzCases,
//			authzCase{"GET", "/api/v1/wallet", identity.RoleCitizen, "", http.StatusOK},
//			authzCase{"GET", "/api/v1/wallet", "", "", http.StatusUnauthorized},
//		)
//	}
//
// and, when its routes need services, a configure function for the server:
//
//	func init() { authzConfigure = append(authzConfigure, func(env *testEnv, d *Deps) { ... }) }
type authzCase struct {
	method, path string
	role         identity.Role
	body         string
	want         int
}

var authzConfigure []func(env *testEnv, d *Deps)

const validSignup = `{"email":"new-{me}@example.org","password":"correct horse battery","name":"New"}`
const validStaff = `{"email":"staff-{me}@example.org","password":"correct horse battery","name":"Staff","grants":[{"role":"merchant_staff","scope":"shop_1"}]}`

var authzCases = []authzCase{
	{"GET", "/.well-known/jwks.json", "", "", http.StatusOK},
	{"GET", "/.well-known/jwks.json", identity.RoleCitizen, "", http.StatusOK},

	{"GET", "/api/v1/me", "", "", http.StatusUnauthorized},
	{"GET", "/api/v1/me", identity.RoleCitizen, "", http.StatusOK},
	{"GET", "/api/v1/me", identity.RoleMerchant, "", http.StatusOK},
	{"GET", "/api/v1/me", identity.RoleDoor, "", http.StatusOK},
	{"GET", "/api/v1/me", identity.RoleOperator, "", http.StatusOK},
	{"GET", "/api/v1/me", identity.RoleAdmin, "", http.StatusOK},
	{"GET", "/api/v1/me/data", "", "", http.StatusUnauthorized},
	{"GET", "/api/v1/me/data", identity.RoleCitizen, "", http.StatusOK},
	{"DELETE", "/api/v1/me", "", "", http.StatusUnauthorized},
	{"DELETE", "/api/v1/me", identity.RoleCitizen, "", http.StatusNoContent},

	// An account is shown to its owner and to administrators only; anyone
	// else gets 404, never the data.
	{"GET", "/api/v1/accounts/{me}", "", "", http.StatusUnauthorized},
	{"GET", "/api/v1/accounts/{me}", identity.RoleCitizen, "", http.StatusOK},
	{"GET", "/api/v1/accounts/{other}", identity.RoleCitizen, "", http.StatusNotFound},
	{"GET", "/api/v1/accounts/{other}", identity.RoleMerchant, "", http.StatusNotFound},
	{"GET", "/api/v1/accounts/{other}", identity.RoleDoor, "", http.StatusNotFound},
	{"GET", "/api/v1/accounts/{other}", identity.RoleOperator, "", http.StatusNotFound},
	{"GET", "/api/v1/accounts/{other}", identity.RoleAdmin, "", http.StatusOK},

	{"POST", "/api/v1/accounts", "", validSignup, http.StatusAccepted},
	{"POST", "/api/v1/admin/accounts", "", validStaff, http.StatusUnauthorized},
	{"POST", "/api/v1/admin/accounts", identity.RoleCitizen, validStaff, http.StatusForbidden},
	{"POST", "/api/v1/admin/accounts", identity.RoleMerchant, validStaff, http.StatusForbidden},
	{"POST", "/api/v1/admin/accounts", identity.RoleDoor, validStaff, http.StatusForbidden},
	{"POST", "/api/v1/admin/accounts", identity.RoleOperator, validStaff, http.StatusForbidden},
	{"POST", "/api/v1/admin/accounts", identity.RoleAdmin, validStaff, http.StatusCreated},
	{"PUT", "/api/v1/admin/accounts/{other}/disabled", "", `{"disabled":true}`, http.StatusUnauthorized},
	{"PUT", "/api/v1/admin/accounts/{other}/disabled", identity.RoleCitizen, `{"disabled":true}`, http.StatusForbidden},
	{"PUT", "/api/v1/admin/accounts/{other}/disabled", identity.RoleMerchant, `{"disabled":true}`, http.StatusForbidden},
	{"PUT", "/api/v1/admin/accounts/{other}/disabled", identity.RoleDoor, `{"disabled":true}`, http.StatusForbidden},
	{"PUT", "/api/v1/admin/accounts/{other}/disabled", identity.RoleOperator, `{"disabled":true}`, http.StatusForbidden},
	{"PUT", "/api/v1/admin/accounts/{other}/disabled", identity.RoleAdmin, `{"disabled":false}`, http.StatusOK},
	{"PUT", "/api/v1/admin/accounts/{me}/disabled", identity.RoleAdmin, `{"disabled":true}`, http.StatusForbidden},
	{"PUT", "/api/v1/admin/accounts/acc_nobody/disabled", identity.RoleAdmin, `{"disabled":true}`, http.StatusNotFound},
	{"GET", "/api/v1/admin/accounts", "", "", http.StatusUnauthorized},
	{"GET", "/api/v1/admin/accounts", identity.RoleCitizen, "", http.StatusForbidden},
	{"GET", "/api/v1/admin/accounts", identity.RoleMerchant, "", http.StatusForbidden},
	{"GET", "/api/v1/admin/accounts", identity.RoleDoor, "", http.StatusForbidden},
	{"GET", "/api/v1/admin/accounts", identity.RoleOperator, "", http.StatusForbidden},
	{"GET", "/api/v1/admin/accounts", identity.RoleCityStaff, "", http.StatusForbidden},
	{"GET", "/api/v1/admin/accounts", identity.RoleAdmin, "", http.StatusOK},
	{"GET", "/api/v1/admin/accounts?q={other}", identity.RoleAdmin, "", http.StatusOK},
	{"PUT", "/api/v1/admin/accounts/{other}/grants", "", `{"grants":[{"role":"citizen"}]}`, http.StatusUnauthorized},
	{"PUT", "/api/v1/admin/accounts/{other}/grants", identity.RoleCitizen, `{"grants":[{"role":"citizen"}]}`, http.StatusForbidden},
	{"PUT", "/api/v1/admin/accounts/{other}/grants", identity.RoleMerchant, `{"grants":[{"role":"citizen"}]}`, http.StatusForbidden},
	{"PUT", "/api/v1/admin/accounts/{other}/grants", identity.RoleDoor, `{"grants":[{"role":"citizen"}]}`, http.StatusForbidden},
	{"PUT", "/api/v1/admin/accounts/{other}/grants", identity.RoleOperator, `{"grants":[{"role":"citizen"}]}`, http.StatusForbidden},
	{"PUT", "/api/v1/admin/accounts/{other}/grants", identity.RoleCityStaff, `{"grants":[{"role":"citizen"}]}`, http.StatusForbidden},
	{"PUT", "/api/v1/admin/accounts/{other}/grants", identity.RoleAdmin, `{"grants":[{"role":"citizen"}]}`, http.StatusOK},
	// Nobody raises themself, and an administrator never lowers themself.
	{"PUT", "/api/v1/admin/accounts/{me}/grants", identity.RoleCitizen, `{"grants":[{"role":"city_admin"}]}`, http.StatusForbidden},
	{"PUT", "/api/v1/admin/accounts/{me}/grants", identity.RoleAdmin, `{"grants":[{"role":"citizen"}]}`, http.StatusForbidden},
	{"PUT", "/api/v1/admin/accounts/{me}/grants", identity.RoleAdmin, `{"grants":[{"role":"city_admin"},{"role":"mobility_operator"}]}`, http.StatusOK},
	{"PUT", "/api/v1/admin/accounts/acc_nobody/grants", identity.RoleAdmin, `{"grants":[{"role":"citizen"}]}`, http.StatusNotFound},

	{"POST", "/api/v1/auth/login", "", `{"email":"nobody@example.org","password":"wrong horse battery"}`, http.StatusUnauthorized},
	{"POST", "/api/v1/auth/refresh", "", `{"refresh_token":"rt_unknown"}`, http.StatusUnauthorized},
	{"POST", "/api/v1/auth/logout", "", `{"refresh_token":"rt_unknown"}`, http.StatusNoContent},
}

// authzCallers signs in the callers of the role table's cases. A case that
// only reads, or is refused, changes nothing of its caller (a refusal that
// changed something would fail the cases after it): those cases share one
// signed-in account per role. A case that may change its caller's account
// gets one of its own. Creating and signing in an account per case was most
// of the table's time.
type authzCallers struct {
	env    *testEnv
	shared map[identity.Role]authzCaller
}

type authzCaller struct{ id, auth string }

func (cs authzCallers) of(t testing.TB, c authzCase) authzCaller {
	t.Helper()
	harmless := c.method == http.MethodGet || c.want >= 400
	if got, ok := cs.shared[c.role]; ok && harmless {
		return got
	}
	a, auth := cs.env.account(t, c.role)
	if harmless {
		cs.shared[c.role] = authzCaller{a.ID, auth}
	}
	return authzCaller{a.ID, auth}
}

func TestRoleEndpointTable(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, authzConfigure...)
			other, _ := env.account(t, identity.RoleCitizen)
			callers := authzCallers{env: env, shared: map[identity.Role]authzCaller{}}
			refusals := roleRefusals{}
			for _, c := range authzCases {
				name := c.method + " " + c.path + " as " + string(c.role)
				if c.role == "" {
					name = c.method + " " + c.path + " anonymous"
				}
				t.Run(name, func(t *testing.T) {
					auth, me := "", "anon"
					if c.role != "" {
						who := callers.of(t, c)
						auth, me = who.auth, who.id
					}
					subst := strings.NewReplacer("{me}", me, "{other}", other.ID)
					res := env.do(t, c.method, subst.Replace(c.path), auth, subst.Replace(c.body))
					if res.Code != c.want {
						t.Fatalf("status %d, want %d: %s", res.Code, c.want, res.Body.String())
					}
					if res.Code >= 400 {
						p := wantProblem(t, res, c.want)
						// A refusal names why, so that an app can tell
						// "sign in as a citizen" from "not your shop".
						if res.Code == http.StatusForbidden && p.Reason == "" {
							t.Fatalf("a refusal without a reason: %s", res.Body.String())
						}
						if res.Code == http.StatusForbidden {
							refusals.add(t, c, p.Reason)
						}
						if strings.Contains(res.Body.String(), other.Email) {
							t.Fatal("a refusal shows the other account's data")
						}
					}
				})
			}
			refusals.check(t)
		})
	}
}

// roleRefusals holds, for each route of the table, the reasons its
// refusals gave for a missing role, and which roles got them. A refusal
// for a missing role names the role the route wants (identity.RefusalReason),
// so it never names the caller's own role, and one route names the same
// role to every caller it refuses: a handler that told a shopkeeper
// "not_admin" and a door steward "not_citizen" would be wrong for one.
type roleRefusals map[string]map[string][]identity.Role

func (r roleRefusals) add(t *testing.T, c authzCase, reason string) {
	t.Helper()
	if !roleReason(reason) {
		return
	}
	if reason == identity.RefusalReason(c.role) {
		t.Fatalf("refused as %s for lacking its own role (%s)", c.role, reason)
	}
	route := c.method + " " + c.path
	if r[route] == nil {
		r[route] = map[string][]identity.Role{}
	}
	r[route][reason] = append(r[route][reason], c.role)
}

func (r roleRefusals) check(t *testing.T) {
	t.Helper()
	for route, reasons := range r {
		if len(reasons) > 1 {
			t.Errorf("%s refuses missing roles with different reasons: %v", route, reasons)
		}
	}
}

// roleReason tells the reasons identity.RefusalReason gives.
func roleReason(reason string) bool {
	for _, role := range []identity.Role{identity.RoleCitizen, identity.RoleMerchant, identity.RoleDoor,
		identity.RoleOperator, identity.RoleAdmin, identity.RoleCityStaff, ""} {
		if reason == identity.RefusalReason(role) {
			return true
		}
	}
	return false
}
