package web

import (
	"net/http"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/participation"
	"cityhub/store/storetest"
)

// PUT .../admin/comments/{id}/state with "visible" keeps a visible or
// flagged comment; on a hidden one it is 409 comment_hidden, its detail
// naming POST .../show, and the comment stays hidden: showing it again is
// that call's alone, audited as comment.show, where the PUT showed it
// answering 200.
func TestParticipationKeepingAHiddenCommentPointsToShow(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withParticipation)
			cit, other, admin := env.login(t, identity.RoleCitizen), env.login(t, identity.RoleCitizen), env.login(t, identity.RoleAdmin)
			var p participation.PublicProposal
			decodeInto(t, env.do(t, "POST", "/api/v1/proposals", cit, `{"title":"More benches","body":"Benches along the river walk, please."}`), &p)
			var cm participation.PublicComment
			decodeInto(t, env.do(t, "POST", "/api/v1/proposals/"+p.ID+"/comments", other, `{"body":"Words that cross the line"}`), &cm)
			wantOK(t, env.do(t, "PUT", "/api/v1/admin/comments/"+cm.ID+"/state", admin, `{"state":"hidden"}`))

			got := wantProblem(t, env.do(t, "PUT", "/api/v1/admin/comments/"+cm.ID+"/state", admin, `{"state":"visible"}`), http.StatusConflict)
			if got.Reason != "comment_hidden" || !strings.Contains(got.Detail, "POST /api/v1/admin/comments/"+cm.ID+"/show") {
				t.Fatalf("keep a hidden comment: %+v; want comment_hidden naming the show call", got)
			}
			var hidden struct{ Comments []participation.Comment }
			decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/admin/comments/hidden", admin, "")), &hidden)
			if len(hidden.Comments) != 1 || hidden.Comments[0].ID != cm.ID {
				t.Fatalf("hidden comments after the refused keep: %+v; want the comment", hidden.Comments)
			}
			wantOK(t, env.do(t, "POST", "/api/v1/admin/comments/"+cm.ID+"/show", admin, ""))
			wantOK(t, env.do(t, "PUT", "/api/v1/admin/comments/"+cm.ID+"/state", admin, `{"state":"visible"}`))
		})
	}
}
