package web

import (
	"net/http"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/store/storetest"
)

// A single-valued query parameter of a participation list given twice
// (?contrada=a&contrada=b, two cursors or limits, two offices) is 400
// duplicate_field naming it, as Open311 refuses a repeated parameter,
// rather than answered for its first value; category and status, which a
// list takes repeated, still are. Whoever may not read the list is refused
// for that first.
func TestParticipationListsRefuseARepeatedParameter(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withParticipation)
			cit, admin := env.login(t, identity.RoleCitizen), env.login(t, identity.RoleAdmin)
			for _, tc := range []struct{ path, auth, param string }{
				{"/api/v1/reports?contrada=centro-storico&contrada=rione-liberta", "", "contrada"},
				{"/api/v1/reports?limit=5&limit=500", "", "limit"},
				{"/api/v1/reports?cursor=rep_a&cursor=rep_b", "", "cursor"},
				{"/api/v1/me/reports?limit=1&limit=2", cit, "limit"},
				{"/api/v1/proposals?cursor=prp_a&cursor=prp_b", "", "cursor"},
				{"/api/v1/admin/comments/flagged?limit=1&limit=1", admin, "limit"},
				{"/api/v1/staff/queue?office=roads&office=parks", admin, "office"},
				{"/api/v1/staff/photos?limit=1&limit=2", admin, "limit"},
			} {
				got := wantProblem(t, env.do(t, "GET", tc.path, tc.auth, ""), http.StatusBadRequest)
				if got.Reason != "duplicate_field" || !strings.Contains(got.Detail, `"`+tc.param+`"`) {
					t.Errorf("%s: %+v; want duplicate_field naming %q", tc.path, got, tc.param)
				}
			}
			wantOK(t, env.do(t, "GET", "/api/v1/reports?category=pothole&category=lighting&status=open&status=fixed&contrada=centro-storico", "", ""))
			wantOK(t, env.do(t, "GET", "/api/v1/staff/queue?office=roads", admin, ""))
			// A citizen is refused the queue for who they are, whatever
			// they sent.
			if got := wantProblem(t, env.do(t, "GET", "/api/v1/staff/queue?office=roads&office=parks", cit, ""), http.StatusForbidden); got.Reason != "not_office_staff" {
				t.Errorf("a citizen's queue: %+v; want not_office_staff", got)
			}
		})
	}
}
