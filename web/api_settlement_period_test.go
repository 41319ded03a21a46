package web

import (
	"net/http"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/vouchers"
)

// A period_end given as the zero time, or any time before the hub's
// earliest, is refused 400 period_end, not read as an absent one ("up to
// now", settling everything); so is one in the future.
func TestSettlementPeriodEndGivenZeroRefused(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", authzConfigure...)
	admin := env.login(t, identity.RoleAdmin)
	res := vreq(t, env, "POST", "/api/v1/admin/shops", admin, `{"name":"Forno Epoca","address":"Via Traiano 3","district":"centro","category":"food","iban":"IT60 X054 2811 1010 0000 0123 456"}`)
	wantStatus(t, res, http.StatusCreated)
	var shop vouchers.Shop
	decodeInto(t, res, &shop)
	for i, end := range []string{"0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "1999-12-31T23:59:59Z", "2000-01-01T00:30:00+01:00", "2999-01-01T00:00:00Z"} {
		p := wantProblem(t, vreq(t, env, "POST", "/api/v1/admin/settlements", admin, `{"shop_id":"`+shop.ID+`","period_end":"`+end+`"}`, "Idempotency-Key: end-"+string(rune('a'+i))), http.StatusBadRequest)
		if p.Reason != "period_end" {
			t.Fatalf("%s: %+v", end, p)
		}
	}
	// Absent, it is now: nothing to settle for a shop without redemptions.
	if p := wantProblem(t, vreq(t, env, "POST", "/api/v1/admin/settlements", admin, `{"shop_id":"`+shop.ID+`"}`, "Idempotency-Key: end-now"), http.StatusConflict); p.Reason != "nothing_to_settle" {
		t.Fatalf("absent: %+v", p)
	}
}

// CloseSettlementRequest requires shop_id: a body without it, or with it
// empty, is 400 missing_field naming it, not a 404 for a shop of no id; a
// citizen is still refused 403 before the body is judged.
func TestSettlementWithoutShopIsMissingField(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", authzConfigure...)
	admin := env.login(t, identity.RoleAdmin)
	for i, body := range []string{`{}`, `{"shop_id":""}`, `{"period_end":"2020-01-01T00:00:00Z"}`} {
		p := wantProblem(t, vreq(t, env, "POST", "/api/v1/admin/settlements", admin, body, "Idempotency-Key: no-shop-"+string(rune('a'+i))), http.StatusBadRequest)
		if p.Reason != "missing_field" || !strings.Contains(p.Detail, "shop_id") {
			t.Errorf("%s: %+v, want missing_field naming shop_id", body, p)
		}
	}
	citizen := env.login(t, identity.RoleCitizen)
	wantProblem(t, vreq(t, env, "POST", "/api/v1/admin/settlements", citizen, `{}`, "Idempotency-Key: no-shop-citizen"), http.StatusForbidden)
}
