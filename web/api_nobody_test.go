package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/vouchers"
	"cityhub/web/httpx"
)

// Every operation the document describes without a request body refuses a
// signed-in caller's body as an empty object's (a field is 400
// unknown_field, an array 400 wrong_type, as the document says), lets an
// anonymous one be refused for its missing caller (401) first, and takes an
// empty JSON object as no body.
func TestOperationsWithoutABodyRefuseOne(t *testing.T) {
	t.Parallel()
	_, env := fullServer(t, "sqlite")
	doc := loadOpenAPI(t)
	c := newContract(t, env, newContractValidator(t, doc))
	send := func(pattern, auth, body string) (*httptest.ResponseRecorder, httpx.Problem) {
		rec := c.probe(pattern, auth, body)
		var p httpx.Problem
		_ = json.Unmarshal(rec.Body.Bytes(), &p)
		return rec, p
	}
	var checked int
	for pattern, op := range doc.operations() {
		method, _, _ := strings.Cut(pattern, " ")
		if method == "GET" || !strings.Contains(pattern, " /api/v1/") || op["requestBody"] != nil {
			continue
		}
		if len(asSlice(op["security"])) == 0 {
			t.Errorf("%s takes no body and no caller: httpx.NoBody would let its body through", pattern)
			continue
		}
		// An account of its own for each operation: DELETE /api/v1/me
		// erases its caller when the body is none.
		role := identity.RoleCitizen
		if roles := asSlice(op["x-cityhub-roles"]); len(roles) > 0 {
			role = identity.Role(roles[0].(string))
		}
		auth := env.login(t, role)
		if rec, p := send(pattern, auth, `{"reason":"changed my mind"}`); rec.Code != http.StatusBadRequest || p.Reason != "unknown_field" {
			t.Errorf("%s with a field: %d %s, want 400 unknown_field", pattern, rec.Code, rec.Body)
		}
		if rec, p := send(pattern, auth, `["changed my mind"]`); rec.Code != http.StatusBadRequest || p.Reason != "wrong_type" {
			t.Errorf("%s with an array: %d %s, want 400 wrong_type", pattern, rec.Code, rec.Body)
		}
		if rec, p := send(pattern, "", `{"reason":"changed my mind"}`); rec.Code != http.StatusUnauthorized || p.Reason != "login_required" {
			t.Errorf("%s anonymous, with a body: %d %s, want 401 login_required", pattern, rec.Code, rec.Body)
		}
		for _, none := range []string{"", "{}", " { \n } "} {
			if rec, p := send(pattern, auth, none); bodyReasons[p.Reason] {
				t.Errorf("%s with the body %q: %d %s, taken as a body", pattern, none, rec.Code, rec.Body)
			}
		}
		checked++
	}
	if checked < 20 {
		t.Errorf("only %d operations without a body checked", checked)
	}
}

// bodyReasons are the refusals of a body (httpx.DecodeJSON's).
var bodyReasons = map[string]bool{"unknown_field": true, "wrong_type": true, "malformed_json": true, "empty_body": true, "unsupported_media_type": true}

// A claim sent with a body is refused and claims nothing; the same claim
// without it goes through.
func TestClaimWithABodyClaimsNothing(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", authzConfigure...)
	admin := env.login(t, identity.RoleAdmin)
	res := vreq(t, env, "POST", "/api/v1/admin/campaigns", admin, validCampaign)
	wantStatus(t, res, http.StatusCreated)
	var camp vouchers.Campaign
	decodeInto(t, res, &camp)
	wantStatus(t, vreq(t, env, "POST", "/api/v1/admin/campaigns/"+camp.ID+"/open", admin, ""), http.StatusOK)

	citizen := env.login(t, identity.RoleCitizen)
	res = vreq(t, env, "POST", "/api/v1/campaigns/"+camp.ID+"/claim", citizen, `{"count":5}`)
	wantProblem(t, res, http.StatusBadRequest)
	if !strings.Contains(res.Body.String(), `"unknown_field"`) || !strings.Contains(res.Body.String(), "count") {
		t.Fatalf("claim with a body: %s", res.Body)
	}
	res = vreq(t, env, "GET", "/api/v1/vouchers", citizen, "")
	if wantStatus(t, res, http.StatusOK); !strings.Contains(res.Body.String(), `"vouchers":[]`) {
		t.Fatalf("a refused claim claimed: %s", res.Body)
	}
	wantStatus(t, vreq(t, env, "POST", "/api/v1/campaigns/"+camp.ID+"/claim", citizen, "{}"), http.StatusCreated)
}
