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

// Hiding a hidden comment again, or keeping a visible one again, on the
// API or the moderation page, is answered as the first hiding or keep was
// (200 with the comment's state; back to the page saying it is hidden or
// kept) and records nothing more: one comment.moderate entry, the first
// moderator's, where each one added one. The comment stays where the
// first left it: among the hidden ones, or on its proposal.
func TestModeratingACommentAgainRecordsNothing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, state, body string
		flagged           bool
		form              url.Values // the page's fields beside the state
		done              string
		// listed is the list the comment is in after it, as who reads it.
		listed func(t *testing.T, env *testEnv, proposalID, who string) []string
	}{
		{name: "hide", state: participation.CommentHidden, body: "Words that cross the line",
			form: url.Values{"confirm": {"yes"}}, done: "hidden",
			listed: func(t *testing.T, env *testEnv, _, who string) []string {
				var hidden struct{ Comments []participation.Comment }
				decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/admin/comments/hidden", who, "")), &hidden)
				var ids []string
				for _, cm := range hidden.Comments {
					ids = append(ids, cm.ID)
				}
				return ids
			}},
		{name: "keep", state: participation.CommentVisible, body: "Sharp words, but fair", flagged: true,
			form: url.Values{}, done: "kept",
			listed: func(t *testing.T, env *testEnv, proposalID, _ string) []string {
				var comments struct{ Comments []participation.PublicComment }
				decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/proposals/"+proposalID+"/comments", "", "")), &comments)
				var ids []string
				for _, cm := range comments.Comments {
					ids = append(ids, cm.ID)
				}
				return ids
			}},
	} {
		for _, engine := range storetest.Engines {
			t.Run(tc.name+"/"+engine, func(t *testing.T) {
				t.Parallel()
				_, env := newTestServer(t, engine, withParticipation)
				cit, other := env.login(t, identity.RoleCitizen), env.login(t, identity.RoleCitizen)
				firstAcc, first := env.account(t, identity.RoleAdmin)
				secondAcc, second := env.account(t, identity.RoleAdmin)
				var p participation.PublicProposal
				decodeInto(t, env.do(t, "POST", "/api/v1/proposals", cit, `{"title":"More benches","body":"Benches along the river walk, please."}`), &p)
				var cm participation.PublicComment
				decodeInto(t, env.do(t, "POST", "/api/v1/proposals/"+p.ID+"/comments", other, `{"body":"`+tc.body+`"}`), &cm)
				if tc.flagged {
					mustStatus(t, env.do(t, "POST", "/api/v1/comments/"+cm.ID+"/flag", cit, `{"reason":"rude"}`), http.StatusNoContent)
				}

				path := "/api/v1/admin/comments/" + cm.ID + "/state"
				want := `{"id":"` + cm.ID + `","state":"` + tc.state + `"}`
				for _, admin := range []string{first, second, first} {
					if rec := wantOK(t, env.do(t, "PUT", path, admin, `{"state":"`+tc.state+`"}`)); rec.Body.String() != want+"\n" && rec.Body.String() != want {
						t.Fatalf("%s: %s; want %s", tc.name, rec.Body.String(), want)
					}
				}
				srv := httptest.NewServer(env.Server)
				defer srv.Close()
				adm := webtest.SignedIn(t, srv.URL, secondAcc.Email, testPassword)
				form := url.Values{"csrf_token": {adm.CSRF("/staff/comments")}, "state": {tc.state}}
				for k, v := range tc.form {
					form[k] = v
				}
				res, body := adm.Post("/staff/comments/"+cm.ID, form)
				if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/staff/comments?done="+tc.done {
					t.Fatalf("the page's %s once done: %d %s\n%s", tc.name, res.StatusCode, res.Header.Get("Location"), body)
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
					t.Fatalf("audit of four of them (%s): %+v; want the first alone, by %s", tc.name, moderated, firstAcc.ID)
				}
				if ids := tc.listed(t, env, p.ID, second); len(ids) != 1 || ids[0] != cm.ID {
					t.Fatalf("after the %s: %v; want the comment", tc.name, ids)
				}
			})
		}
	}
}
