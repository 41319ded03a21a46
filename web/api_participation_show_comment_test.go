package web

import (
	"encoding/json"
	"net/http"
	"testing"

	"cityhub/identity"
	"cityhub/participation"
	"cityhub/store/storetest"
)

// An administrator finds a hidden comment (GET .../admin/comments/hidden)
// and shows it again (POST .../admin/comments/{id}/show): the proposal's
// comments list it once more. A citizen or office staff are refused in
// problem+json; a retry under the same Idempotency-Key replays the answer;
// showing a comment that is not hidden answers its state and changes
// nothing; an unknown comment is 404 comment_not_found.
func TestParticipationHiddenCommentShownAgain(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withParticipation)
			cit, other, admin, staff := env.login(t, identity.RoleCitizen), env.login(t, identity.RoleCitizen), env.login(t, identity.RoleAdmin), env.login(t, identity.RoleCityStaff)
			var p participation.PublicProposal
			decodeInto(t, env.do(t, "POST", "/api/v1/proposals", cit, `{"title":"More benches","body":"Benches along the river walk, please."}`), &p)
			var cm participation.PublicComment
			decodeInto(t, env.do(t, "POST", "/api/v1/proposals/"+p.ID+"/comments", other, `{"body":"Sharp words, but fair"}`), &cm)
			if res := env.do(t, "POST", "/api/v1/comments/"+cm.ID+"/flag", cit, `{"reason":"rude"}`); res.Code != http.StatusNoContent {
				t.Fatalf("flag: %d %s", res.Code, res.Body)
			}
			wantOK(t, env.do(t, "PUT", "/api/v1/admin/comments/"+cm.ID+"/state", admin, `{"state":"hidden"}`))

			var hidden struct{ Comments []participation.Comment }
			decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/admin/comments/hidden", admin, "")), &hidden)
			if len(hidden.Comments) != 1 || hidden.Comments[0].ID != cm.ID || len(hidden.Comments[0].Flags) != 1 {
				t.Fatalf("hidden comments: %+v; want the comment with its flag", hidden.Comments)
			}
			for _, who := range []string{cit, other, staff} {
				if got := wantProblem(t, env.do(t, "POST", "/api/v1/admin/comments/"+cm.ID+"/show", who, ""), http.StatusForbidden); got.Reason != "not_admin" {
					t.Fatalf("show by a non-administrator: %+v; want not_admin", got)
				}
				wantProblem(t, env.do(t, "GET", "/api/v1/admin/comments/hidden", who, ""), http.StatusForbidden)
			}
			shownBy := func(res interface{ Result() *http.Response }) (state string, replayed string) {
				t.Helper()
				r := res.Result()
				var out struct{ ID, State string }
				if r.StatusCode != http.StatusOK {
					t.Fatalf("show: %d", r.StatusCode)
				}
				if err := json.NewDecoder(r.Body).Decode(&out); err != nil || out.ID != cm.ID {
					t.Fatalf("show answered %+v, %v", out, err)
				}
				return out.State, r.Header.Get("Idempotent-Replayed")
			}
			if state, replayed := shownBy(vreq(t, env, "POST", "/api/v1/admin/comments/"+cm.ID+"/show", admin, "", "Idempotency-Key: show-rude")); state != participation.CommentVisible || replayed != "" {
				t.Fatalf("show: state %q, replayed %q; want visible, not replayed", state, replayed)
			}
			var page struct{ Comments []participation.PublicComment }
			decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/proposals/"+p.ID+"/comments", "", "")), &page)
			if len(page.Comments) != 1 || page.Comments[0].ID != cm.ID {
				t.Fatalf("proposal's comments once shown: %+v", page.Comments)
			}
			if state, replayed := shownBy(vreq(t, env, "POST", "/api/v1/admin/comments/"+cm.ID+"/show", admin, "", "Idempotency-Key: show-rude")); state != participation.CommentVisible || replayed != "true" {
				t.Fatalf("show retried: state %q, replayed %q; want the first answer replayed", state, replayed)
			}
			// Shown already: answered as it is, nothing changed.
			if state, _ := shownBy(env.do(t, "POST", "/api/v1/admin/comments/"+cm.ID+"/show", admin, "")); state != participation.CommentVisible {
				t.Fatalf("show a visible comment: %q; want visible", state)
			}
			if got := wantProblem(t, env.do(t, "POST", "/api/v1/admin/comments/cmt_nope/show", admin, ""), http.StatusNotFound); got.Reason != "comment_not_found" {
				t.Fatalf("show an unknown comment: %+v", got)
			}
		})
	}
}
