package citizenflows

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"cityhub/identity"
	"cityhub/participation"
	"cityhub/web"
	"cityhub/web/browsertest/pagetest"
)

// An administrator moderates a reported comment in a real browser: the
// queue links to the reported comments, the comment is hidden after the
// confirmation page, and it leaves the proposal's page; shown again from
// the hidden comments, it is back. The moderation page (with a hidden
// comment too) and the confirmation page pass axe-core and fit a 390 px
// phone.
func TestCommentModerationFlow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := pagetest.NewHub(t)
	log, db, keys, ids, wal := h.Log, h.DB, h.Keys, h.IDs, h.Wallet
	parts, err := participation.NewService(db.Participation(), participation.Settings{APIKeyCost: identity.FastArgon2}, log)
	if err != nil {
		t.Fatal(err)
	}
	seed := identity.Caller{AccountID: "acc_seed", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	var callers []identity.Caller
	for _, a := range []identity.NewAccount{
		{Email: "anna@example.org", Password: password, Name: "Anna Esposito", Locale: "it", Grants: []identity.Grant{{Role: identity.RoleCitizen}}},
		{Email: "bruno@example.org", Password: password, Name: "Bruno Verdi", Locale: "it", Grants: []identity.Grant{{Role: identity.RoleCitizen}}},
		{Email: "sindaco@example.org", Password: password, Name: "Clelia Mastella", Locale: "it", Grants: []identity.Grant{{Role: identity.RoleAdmin}}},
	} {
		acc, err := ids.CreateAccount(ctx, seed, a)
		if err != nil {
			t.Fatal(err)
		}
		callers = append(callers, acc.Caller())
	}
	anna, bruno := callers[0], callers[1]
	p, err := parts.CreateProposal(ctx, anna, participation.NewProposal{Title: "Più panchine sul Corso Garibaldi",
		Body: "Chi aspetta l'autobus sul Corso non trova dove sedersi."})
	if err != nil {
		t.Fatal(err)
	}
	const rude = "Siete tutti degli incompetenti, vergognatevi"
	cm, err := parts.AddComment(ctx, bruno, p.ID, rude)
	if err != nil {
		t.Fatal(err)
	}
	if err := parts.FlagComment(ctx, anna, cm.ID, "offensivo"); err != nil {
		t.Fatal(err)
	}

	srv := httptest.NewServer(web.New(web.Deps{Log: log, PublicURL: "http://cityhub.test", Version: "test", Identity: ids, Keys: keys, Wallet: wal,
		Participation: web.Participation{Service: parts}}))
	defer srv.Close()
	f := pagetest.New(t, srv.URL, "", password)
	// Check also fails a page wider than the phone.
	check := func(name string) {
		t.Helper()
		f.Check("participation_" + name)
	}

	f.Login("sindaco@example.org")
	if st := f.Open("/staff/reports"); st != 200 {
		t.Fatalf("queue: %d", st)
	}
	if st := f.Submit(chromedp.Click(chromedp.CSS(`a[data-testid="flagged-comments"]`))); st != 200 || f.Path() != "/staff/comments" {
		t.Fatalf("link to reported comments: %d %s", st, f.Path())
	}
	if got := f.Text(`[data-comment="` + cm.ID + `"] blockquote`); got != rude {
		t.Fatalf("reported comment shown as %q", got)
	}
	check("comments")
	if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-comment="` + cm.ID + `"] button[data-action="hide"]`))); st != 200 {
		t.Fatalf("hide: %d", st)
	}
	if f.Text(`[data-testid="confirm-message"]`) == "" {
		t.Fatal("no confirmation page")
	}
	check("comment_confirm")
	if st := f.Submit(chromedp.Click(chromedp.CSS(`button[data-action="confirm"]`))); st != 200 {
		t.Fatalf("confirm: %d", st)
	}
	var left int
	f.Eval(`document.querySelectorAll("[data-comment]").length`, &left)
	if f.Text(`[data-testid="done"]`) == "" || left != 0 {
		t.Fatalf("after hiding: %s, %d comments left", f.Path(), left)
	}
	f.Open("/proposals/" + p.ID)
	if body := f.Text("main"); strings.Contains(body, rude) || body == "" {
		t.Fatalf("proposal page still shows the hidden comment:\n%s", body)
	}

	// Hidden by mistake: listed apart on the moderation page, and shown
	// again from there.
	f.Open("/staff/comments")
	if got := f.Text(`[data-hidden-comment="` + cm.ID + `"] blockquote`); got != rude {
		t.Fatalf("hidden comment listed as %q", got)
	}
	check("comments_hidden")
	if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-hidden-comment="` + cm.ID + `"] button[data-action="show"]`))); st != 200 || f.Text(`[data-testid="done"]`) == "" {
		t.Fatalf("show again: %d", st)
	}
	f.Open("/proposals/" + p.ID)
	if body := f.Text("main"); !strings.Contains(body, rude) {
		t.Fatalf("proposal page without the comment shown again:\n%s", body)
	}
}
