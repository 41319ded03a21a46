package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"cityhub/audit"
	"cityhub/identity"
	"cityhub/participation"
	"cityhub/store/storetest"
	"cityhub/web/webtest"
)

// Keeping a comment that is visible already, on the API or the moderation
// page, is answered as the first keep was (200 with the comment visible;
// back to the page saying it is kept), as hiding a hidden one is, and
// records nothing more: one comment.moderate entry, the first moderator's,
// where each keep added one.
func TestKeepingAVisibleCommentAgainRecordsNothing(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			_, env := newTestServer(t, engine, withParticipation)
			cit, other := env.login(t, identity.RoleCitizen), env.login(t, identity.RoleCitizen)
			firstAcc, first := env.account(t, identity.RoleAdmin)
			secondAcc, second := env.account(t, identity.RoleAdmin)
			var p participation.PublicProposal
			decodeInto(t, env.do(t, "POST", "/api/v1/proposals", cit, `{"title":"More benches","body":"Benches along the river walk, please."}`), &p)
			var cm participation.PublicComment
			decodeInto(t, env.do(t, "POST", "/api/v1/proposals/"+p.ID+"/comments", other, `{"body":"Sharp words, but fair"}`), &cm)
			mustStatus(t, env.do(t, "POST", "/api/v1/comments/"+cm.ID+"/flag", cit, `{"reason":"rude"}`), http.StatusNoContent)

			path := "/api/v1/admin/comments/" + cm.ID + "/state"
			want := `{"id":"` + cm.ID + `","state":"visible"}`
			for _, admin := range []string{first, second, first} {
				if rec := wantOK(t, env.do(t, "PUT", path, admin, `{"state":"visible"}`)); rec.Body.String() != want+"\n" && rec.Body.String() != want {
					t.Fatalf("keep: %s; want %s", rec.Body.String(), want)
				}
			}
			srv := httptest.NewServer(env.Server)
			defer srv.Close()
			adm := webtest.SignedIn(t, srv.URL, secondAcc.Email, testPassword)
			res, body := adm.Post("/staff/comments/"+cm.ID, url.Values{"csrf_token": {adm.CSRF("/staff/comments")}, "state": {"visible"}})
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/staff/comments?done=kept" {
				t.Fatalf("the page's keep of a visible comment: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), body)
			}

			var moderated []audit.Entry
			if err := env.DB.Participation().View(context.Background(), func(tx participation.Tx) error {
				var err error
				moderated, err = tx.ListAudit(context.Background(), audit.Filter{Action: "comment.moderate", ObjectID: cm.ID})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if len(moderated) != 1 || moderated[0].ActorID != firstAcc.ID {
				t.Fatalf("audit of four keeps: %+v; want the first alone, by %s", moderated, firstAcc.ID)
			}
			var comments struct{ Comments []participation.PublicComment }
			decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/proposals/"+p.ID+"/comments", "", "")), &comments)
			if len(comments.Comments) != 1 || comments.Comments[0].ID != cm.ID {
				t.Fatalf("the proposal's comments: %+v; want the comment", comments.Comments)
			}
		})
	}
}
