package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/participation"
	"cityhub/store/storetest"
	"cityhub/web/webtest"
)

// The moderators' lists refuse a cursor they never gave, on the API (400
// bad_cursor, as a cursor naming nothing) and on the moderation page (the
// 400 page linking the list's first page), where any comment paged them
// from where it stood: the queue a comment no one flagged, the hidden
// comments one never hidden. A cursor a list gave still pages once its
// comment is moderated: a comment kept, in the queue; one shown again, in
// the hidden comments.
func TestModerationListsRefuseACursorTheyNeverGaveOverHTTP(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			_, env := newTestServer(t, engine, withParticipation)
			srv := httptest.NewServer(env.Server)
			defer srv.Close()
			svc, ctx := env.Deps.Participation.Service, context.Background()
			citizen := func() identity.Caller {
				a, _ := env.account(t, identity.RoleCitizen)
				return identity.Caller{AccountID: a.ID, Name: a.Name, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
			}
			anna, bruno := citizen(), citizen()
			adminAcc, bearer := env.account(t, identity.RoleAdmin)
			admin := identity.Caller{AccountID: adminAcc.ID, Name: adminAcc.Name, Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
			p, err := svc.CreateProposal(ctx, anna, participation.NewProposal{Title: "Benches by the river", Body: "Benches along the river walk, please."})
			if err != nil {
				t.Fatal(err)
			}
			comment := func(body string) string {
				t.Helper()
				cm, err := svc.AddComment(ctx, anna, p.ID, body)
				if err != nil {
					t.Fatal(err)
				}
				return cm.ID
			}
			// Written in this order: plain and flagged, then kept (flagged
			// and kept visible), shown (hidden and shown again), and last
			// one comment still flagged and one still hidden.
			plain, flagged, kept, shown := comment("A fair remark"), comment("A rude remark"), comment("Sharp but fair"), comment("Hidden by mistake")
			stillFlagged, stillHidden := comment("Another rude remark"), comment("Words that cross the line")
			for _, id := range []string{flagged, kept, stillFlagged} {
				if err := svc.FlagComment(ctx, bruno, id, "rude"); err != nil {
					t.Fatal(err)
				}
			}
			for _, m := range []struct{ id, state string }{{kept, participation.CommentVisible}, {shown, participation.CommentHidden}, {stillHidden, participation.CommentHidden}} {
				if err := svc.ModerateComment(ctx, admin, m.id, m.state); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := svc.ShowComment(ctx, admin, shown); err != nil {
				t.Fatal(err)
			}

			var page struct{ Comments []participation.Comment }
			for path, want := range map[string]string{
				"/api/v1/admin/comments/flagged?cursor=" + kept:   stillFlagged,
				"/api/v1/admin/comments/hidden?cursor=" + shown:   stillHidden,
				"/api/v1/admin/comments/flagged?cursor=" + plain:  "",
				"/api/v1/admin/comments/flagged?cursor=" + shown:  "",
				"/api/v1/admin/comments/hidden?cursor=" + plain:   "",
				"/api/v1/admin/comments/hidden?cursor=" + flagged: "",
				"/api/v1/admin/comments/hidden?cursor=" + kept:    "",
			} {
				rec := env.do(t, "GET", path, bearer, "")
				if want == "" {
					if rec.Code != http.StatusBadRequest {
						t.Errorf("%s: %d, want 400 bad_cursor: %s", path, rec.Code, rec.Body)
					} else if p := wantProblem(t, rec, http.StatusBadRequest); p.Reason != "bad_cursor" {
						t.Errorf("%s: reason %q, want bad_cursor", path, p.Reason)
					}
					continue
				}
				decodeInto(t, wantOK(t, rec), &page)
				if len(page.Comments) != 1 || page.Comments[0].ID != want {
					t.Errorf("%s: %+v, want %s alone", path, page.Comments, want)
				}
			}

			adm := webtest.SignedIn(t, srv.URL, adminAcc.Email, testPassword)
			for path, listed := range map[string]string{
				"/staff/comments?flagged_cursor=" + kept: `data-comment="` + stillFlagged + `"`,
				"/staff/comments?cursor=" + shown:        `data-hidden-comment="` + stillHidden + `"`,
			} {
				if res, body := adm.Get(path); res.StatusCode != http.StatusOK || !strings.Contains(body, listed) {
					t.Errorf("%s: %d, want the page listing %s:\n%s", path, res.StatusCode, listed, body)
				}
			}
			for path, first := range map[string]string{
				"/staff/comments?flagged_cursor=" + plain: "/staff/comments",
				"/staff/comments?flagged_cursor=" + shown: "/staff/comments",
				"/staff/comments?cursor=" + flagged:       "/staff/comments#hidden",
				"/staff/comments?cursor=" + kept:          "/staff/comments#hidden",
			} {
				res, body := adm.Get(path)
				if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `href="`+first+`" data-testid="first-page"`) {
					t.Errorf("%s: %d, want a 400 page linking %s:\n%s", path, res.StatusCode, first, body)
				}
			}
		})
	}
}
