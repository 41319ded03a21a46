package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	"cityhub/identity"
	"cityhub/participation"
	"cityhub/web/webtest"
)

// moderationQueue fills the moderation page's two lists on a hub of its
// own: one proposal's comments, flagged ones (reported by a second
// citizen) and hidden ones (by an administrator), written in turn, a
// flagged one then a hidden one while each list wants more, so that the
// lists' orders interleave as they do in a city. It gives the
// administrator signed in to the pages and each list's comments in the
// order they were written.
func moderationQueue(t *testing.T, engine string, flaggedN, hiddenN int) (adm *webtest.PageClient, flagged, hidden []string) {
	t.Helper()
	_, env := newTestServer(t, engine, withParticipation)
	srv := httptest.NewServer(env.Server)
	t.Cleanup(srv.Close)
	svc, ctx := env.Deps.Participation.Service, context.Background()
	citizen := func() identity.Caller {
		a, _ := env.account(t, identity.RoleCitizen)
		return identity.Caller{AccountID: a.ID, Name: a.Name, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	}
	anna, bruno := citizen(), citizen()
	adminAcc, _ := env.account(t, identity.RoleAdmin)
	admin := identity.Caller{AccountID: adminAcc.ID, Name: adminAcc.Name, Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	p, err := svc.CreateProposal(ctx, anna, participation.NewProposal{Title: "Benches by the river", Body: "Benches along the river walk, please."})
	if err != nil {
		t.Fatal(err)
	}
	for i := range max(flaggedN, hiddenN) {
		if i < flaggedN {
			c, err := svc.AddComment(ctx, anna, p.ID, fmt.Sprintf("Doubtful comment number %d", i))
			if err != nil {
				t.Fatal(err)
			}
			if err := svc.FlagComment(ctx, bruno, c.ID, "rude"); err != nil {
				t.Fatal(err)
			}
			flagged = append(flagged, c.ID)
		}
		if i < hiddenN {
			h, err := svc.AddComment(ctx, anna, p.ID, fmt.Sprintf("Rude comment number %d", i))
			if err != nil {
				t.Fatal(err)
			}
			if err := svc.ModerateComment(ctx, admin, h.ID, participation.CommentHidden); err != nil {
				t.Fatal(err)
			}
			hidden = append(hidden, h.ID)
		}
	}
	return webtest.SignedIn(t, srv.URL, adminAcc.Email, testPassword), flagged, hidden
}
