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

// Hiding a hidden comment again, on the API or the moderation page, is
// answered as the first hiding was (200 with the comment hidden; back to
// the page saying it is hidden) and records nothing more: one
// comment.moderate entry, the first moderator's, where each hiding added
// one.
func TestHidingAHiddenCommentAgainRecordsNothing(t *testing.T) {
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
			decodeInto(t, env.do(t, "POST", "/api/v1/proposals/"+p.ID+"/comments", other, `{"body":"Words that cross the line"}`), &cm)

			path := "/api/v1/admin/comments/" + cm.ID + "/state"
			want := `{"id":"` + cm.ID + `","state":"hidden"}`
			for _, admin := range []string{first, second, first} {
				if rec := wantOK(t, env.do(t, "PUT", path, admin, `{"state":"hidden"}`)); rec.Body.String() != want+"\n" && rec.Body.String() != want {
					t.Fatalf("hide: %s; want %s", rec.Body.String(), want)
				}
			}
			srv := httptest.NewServer(env.Server)
			defer srv.Close()
			adm := webtest.SignedIn(t, srv.URL, secondAcc.Email, testPassword)
			res, body := adm.Post("/staff/comments/"+cm.ID, url.Values{"csrf_token": {adm.CSRF("/staff/comments")}, "state": {"hidden"}, "confirm": {"yes"}})
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/staff/comments?done=hidden" {
				t.Fatalf("the page's hiding of a hidden comment: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), body)
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
				t.Fatalf("audit of four hidings: %+v; want the first alone, by %s", moderated, firstAcc.ID)
			}
			var hidden struct{ Comments []participation.Comment }
			decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/admin/comments/hidden", second, "")), &hidden)
			if len(hidden.Comments) != 1 || hidden.Comments[0].ID != cm.ID {
				t.Fatalf("hidden comments: %+v; want the comment", hidden.Comments)
			}
		})
	}
}
