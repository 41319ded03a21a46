package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"cityhub/identity"
	"cityhub/participation"
	"cityhub/store/postgres"
	"cityhub/store/storetest"
	"cityhub/web/webtest"
)

// The moderation page names the proposal of each comment it lists, in
// the queue and among the hidden comments, reading the titles of all of
// them in one query, where it read each proposal alone: a page of a
// thousand comments on as many proposals was a thousand queries more.
func TestModerationPageReadsProposalTitlesInOneQuery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var mu sync.Mutex
	var statements []string
	counting := false
	db, err := postgres.OpenTraced(ctx, storetest.MigratedPostgresURL(t), storetest.Logger(t), func(_ context.Context, rt postgres.RoundTrip) {
		mu.Lock()
		defer mu.Unlock()
		// A statement's preparation is no query of its own: the same
		// statement follows it.
		if counting && rt.Kind != "prepare" {
			statements = append(statements, rt.SQL...)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	_, env := newTestServerOn(t, "postgres", db, withParticipation)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	svc := env.Deps.Participation.Service
	annaAcc, _ := env.account(t, identity.RoleCitizen)
	brunoAcc, _ := env.account(t, identity.RoleCitizen)
	adminAcc, _ := env.account(t, identity.RoleAdmin)
	anna := identity.Caller{AccountID: annaAcc.ID, Name: annaAcc.Name, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	bruno := identity.Caller{AccountID: brunoAcc.ID, Name: brunoAcc.Name, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	admin := identity.Caller{AccountID: adminAcc.ID, Name: adminAcc.Name, Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	// Four proposals, each with a comment in the queue and one hidden.
	var titles []string
	for i := range 4 {
		title := fmt.Sprintf("Benches on street number %d", i)
		p, err := svc.CreateProposal(ctx, anna, participation.NewProposal{Title: title, Body: "Benches along the street, for those who walk slowly."})
		if err != nil {
			t.Fatal(err)
		}
		titles = append(titles, title)
		flagged, err := svc.AddComment(ctx, anna, p.ID, "A doubtful comment.")
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.FlagComment(ctx, bruno, flagged.ID, "rude"); err != nil {
			t.Fatal(err)
		}
		hidden, err := svc.AddComment(ctx, anna, p.ID, "A rude comment.")
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.ModerateComment(ctx, admin, hidden.ID, participation.CommentHidden); err != nil {
			t.Fatal(err)
		}
	}
	adm := webtest.SignedIn(t, srv.URL, adminAcc.Email, testPassword)

	mu.Lock()
	counting = true
	mu.Unlock()
	res, body := adm.Get("/staff/comments")
	mu.Lock()
	counting = false
	read := statements
	mu.Unlock()
	if res.StatusCode != http.StatusOK || strings.Count(body, "data-comment=") != 4 || strings.Count(body, "data-hidden-comment=") != 4 {
		t.Fatalf("the moderation page: %d, want four comments in each list\n%s", res.StatusCode, body)
	}
	for _, title := range titles {
		if n := strings.Count(body, ">"+title+"</a>"); n != 2 {
			t.Errorf("%q names %d comments' proposal, want 2 (one in each list)", title, n)
		}
	}
	var ofProposals []string
	for _, sql := range read {
		if strings.Contains(sql, "participation_proposals") {
			ofProposals = append(ofProposals, strings.Join(strings.Fields(sql), " "))
		}
	}
	if len(ofProposals) != 1 {
		t.Fatalf("the page read the proposals in %d queries, want 1:\n%s", len(ofProposals), strings.Join(ofProposals, "\n"))
	}
}
