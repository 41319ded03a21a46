package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cityhub/participation"
	"cityhub/web/webtest"
)

// inLanguage sets the language switch's cookie on pc.
func inLanguage(t *testing.T, pc *webtest.PageClient, lang string) *webtest.PageClient {
	t.Helper()
	u, err := url.Parse(pc.URL)
	if err != nil {
		t.Fatal(err)
	}
	pc.Client.Jar.SetCookies(u, []*http.Cookie{{Name: langCookie, Value: lang}})
	return pc
}

// What a person wrote before erasing their account shows a placeholder
// where their name was, in the page's language: their comments on a
// proposal's page and in the moderators' queue, their report on its
// office's page. The API keeps its empty author_name.
func TestErasedAuthorShownAsDeletedAccount(t *testing.T) {
	env := newPartEnv(t)
	ctx := context.Background()
	gone, _ := env.account(t, "Gina Gone", citizenGrant)
	stays, _ := env.account(t, "Sara Stays", citizenGrant)
	pr, err := env.Svc.CreateProposal(ctx, stays.Caller(), participation.NewProposal{Title: "More benches", Body: "Benches along the river walk, please."})
	if err != nil {
		t.Fatal(err)
	}
	cm, err := env.Svc.AddComment(ctx, gone.Caller(), pr.ID, "Rude words here.")
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Svc.FlagComment(ctx, stays.Caller(), cm.ID, "rude"); err != nil {
		t.Fatal(err)
	}
	rep := env.report(t, gone, "pothole", "A deep hole in the road near the arch")
	if err := env.IDs.DeleteAccount(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	if cs, err := env.Svc.Comments(ctx, pr.ID, "", 0); err != nil || len(cs) != 1 || cs[0].AuthorName != "" {
		t.Fatalf("comments after the erasure: %+v, %v; want one without its author's name", cs, err)
	}

	for lang, want := range map[string]string{"it": "Account cancellato", "en": "Deleted account"} {
		anon := inLanguage(t, webtest.NewPageClient(t, env.URL), lang)
		_, admin := env.account(t, "Ada Admin", adminGrant)
		_, staff := env.account(t, "Rita Roads", roadsGrant)
		for _, page := range []struct {
			pc   *webtest.PageClient
			path string
		}{
			{anon, "/proposals/" + pr.ID},
			{inLanguage(t, admin, lang), "/staff/comments"},
			{inLanguage(t, staff, lang), "/staff/reports/" + rep.ID},
		} {
			res, body := page.pc.Get(page.path)
			wantStatus(t, page.path, res, body, http.StatusOK)
			if !strings.Contains(body, want) {
				t.Errorf("%s in %s: no %q for the erased author\n%s", page.path, lang, want, body)
			}
			for _, blank := range []string{`<p class="small mb-1"> · `, "Di  · ", "By  · ", `data-testid="reporter"> (`} {
				if strings.Contains(body, blank) {
					t.Errorf("%s in %s: a blank name (%q)", page.path, lang, blank)
				}
			}
		}
		// The confirmation of hiding the comment quotes it as the queue
		// shows it: the placeholder where its author's name was.
		adm := inLanguage(t, admin, lang)
		res, body := adm.Post("/staff/comments/"+cm.ID, url.Values{"csrf_token": {adm.CSRF("/staff/comments")}, "state": {"hidden"}})
		wantStatus(t, "hide "+cm.ID, res, body, http.StatusOK)
		quote, _, _ := strings.Cut(body[max(strings.Index(body, `data-testid="confirm-quote"`), 0):], "</figure>")
		if !strings.Contains(body, `data-testid="confirm-quote"`) || !strings.Contains(quote, want) {
			t.Errorf("the confirmation of hiding in %s: no %q for the erased author\n%s", lang, want, body)
		}
	}
}
