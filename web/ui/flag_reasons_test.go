package ui

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"cityhub/participation"
)

// The moderators' queue shows why each comment was reported, in the
// page's language when a citizen gave no reason, and never who reported
// it: the administrator decides on the reasons.
func TestFlaggedCommentsPageShowsReasons(t *testing.T) {
	env := newPartEnv(t)
	ctx := context.Background()
	author, _ := env.account(t, "Carla Comments", citizenGrant)
	first, _ := env.account(t, "Fabio Flagger", citizenGrant)
	second, _ := env.account(t, "Silvia Second", citizenGrant)
	pr, err := env.Svc.CreateProposal(ctx, author.Caller(), participation.NewProposal{Title: "More benches", Body: "Benches along the river walk, please."})
	if err != nil {
		t.Fatal(err)
	}
	cm, err := env.Svc.AddComment(ctx, author.Caller(), pr.ID, "Buy my watches at a discount")
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Svc.FlagComment(ctx, first.Caller(), cm.ID, "Advertising <b>watches</b>"); err != nil {
		t.Fatal(err)
	}
	if err := env.Svc.FlagComment(ctx, second.Caller(), cm.ID, ""); err != nil {
		t.Fatal(err)
	}
	_, admin := env.account(t, "Ada Admin", adminGrant)
	for lang, none := range map[string]string{"it": "nessun motivo indicato", "en": "no reason given"} {
		res, body := inLanguage(t, admin, lang).Get("/staff/comments")
		wantStatus(t, "/staff/comments", res, body, http.StatusOK)
		_, reasons, ok := strings.Cut(body, `data-testid="flag-reasons"`)
		if !ok {
			t.Fatalf("%s: no reasons on the queue\n%s", lang, body)
		}
		reasons, _, _ = strings.Cut(reasons, "</ul>")
		if !strings.Contains(reasons, "Advertising &lt;b&gt;watches&lt;/b&gt;") || !strings.Contains(reasons, none) {
			t.Errorf("%s: the reasons are %s; want the typed one, escaped, and %q", lang, reasons, none)
		}
		for _, who := range []string{"Fabio", "Silvia", first.ID, second.ID} {
			if strings.Contains(body, who) {
				t.Errorf("%s: the queue names a flagger (%s)", lang, who)
			}
		}
	}
}
