package web

import (
	"net/http"
	"strings"
	"testing"

	"cityhub/identity"
)

// The API refuses a category priced twice in prices_cents, naming it, as
// the theatre page refuses a category's second line: the later price
// would otherwise win silently.
func TestAPIPerformanceCategoryPricedTwice(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withTicketing)
	admin := env.login(t, identity.RoleAdmin)
	var v struct{ ID string }
	decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/admin/venues", admin, validVenue), http.StatusCreated), &v)
	mustStatus(t, env.do(t, "PUT", "/api/v1/admin/venues/"+v.ID+"/seats", admin, seatMapBody), http.StatusOK)
	body := `{"venue_id":"` + v.ID + `","title":"Due prezzi","starts_at":"2099-03-14T20:45","prices_cents":{"stalls":1250,"stalls":1300}}`
	p := wantProblem(t, env.do(t, "POST", "/api/v1/admin/performances", admin, body), http.StatusBadRequest)
	if p.Reason != "duplicate_field" || !strings.Contains(p.Detail, "prices_cents.stalls") {
		t.Errorf("reason %q, %q; want duplicate_field naming prices_cents.stalls", p.Reason, p.Detail)
	}
}
