package web

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/money"
	"cityhub/participation"
	"cityhub/store/storetest"
	"cityhub/web/webtest"
)

// A refused report of a comment comes back on the proposal's page, not
// the error page: the comment's report form open, the reason as typed, the
// message at the form (which the field names, with the limit the check
// enforces, whichever way the reason is wrong) and at the top with a link
// to it; nothing is reported. A comment on a later page of comments comes
// back on that page. A reason that reads is reported as before.
func TestProposalFlagRefusedOnPage(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			var svc *participation.Service
			_, env := newTestServer(t, engine, withParticipation, func(env *testEnv, d *Deps) { svc = d.Participation.Service })
			srv := httptest.NewServer(env.Server)
			defer srv.Close()
			ctx := t.Context()
			annaAcc, _ := env.account(t, identity.RoleCitizen)
			anna := identity.Caller{AccountID: annaAcc.ID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
			admin := identity.Caller{AccountID: "acc_city", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
			pr, err := svc.CreateProposal(ctx, anna, participation.NewProposal{Title: "Panchine sul Viale", Body: "Panchine lungo il Viale Mellusi, per chi cammina piano."})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for i := range 101 {
				cm, err := svc.AddComment(ctx, anna, pr.ID, fmt.Sprintf("Commento numero %d.", i))
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, cm.ID)
			}
			brunoAcc, _ := env.account(t, identity.RoleCitizen)
			bruno := webtest.SignedIn(t, srv.URL, brunoAcc.Email, testPassword)
			page := "/proposals/" + pr.ID
			tok := bruno.CSRF(page)
			flagged := func() int {
				t.Helper()
				cs, err := svc.FlaggedComments(ctx, admin, "", 0)
				if err != nil {
					t.Fatal(err)
				}
				return len(cs)
			}
			// refusedAt checks the page answering a refused report of id.
			refusedAt := func(res *http.Response, body, id, typed string) {
				t.Helper()
				form := regexp.MustCompile(`(?s)<li class="card mb-2" data-comment="` + id + `">.*?</li>`).FindString(body)
				input := regexp.MustCompile(`<input class="form-control mb-2 is-invalid" id="flag-` + id + `" name="reason" maxlength="` + strconv.Itoa(participation.MaxNoteLen) + `" value="([^"]*)" aria-invalid="true" aria-describedby="flag-` + id + `-error">`).FindStringSubmatch(form)
				msg := regexp.MustCompile(`id="flag-` + id + `-error" data-field-error="reason">([^<]*)<`).FindStringSubmatch(form)
				if res.StatusCode != http.StatusBadRequest || !strings.Contains(form, "<details open>") || !strings.Contains(form, `<label class="form-label" for="flag-`+id+`">`) ||
					input == nil || html.UnescapeString(input[1]) != typed || msg == nil || msg[1] != fmt.Sprintf("Il motivo ha al massimo %s caratteri, senza caratteri di controllo.", money.Units(participation.MaxNoteLen, "it")) ||
					!strings.Contains(body, `id="proposal-problem"`) || !strings.Contains(body, `<a href="#flag-`+id+`">Vai al modulo di segnalazione</a>`) {
					t.Fatalf("a refused report of %s: %d\n%s", id, res.StatusCode, body)
				}
				if strings.Count(body, "<details open>") != 1 {
					t.Fatalf("other report forms are open too:\n%s", body)
				}
			}

			// Too long a reason (from a form without the field's limit).
			long := strings.Repeat("Offende chi abita in piazza & dintorni. ", 30)
			res, body := bruno.Post("/comments/"+ids[0]+"/flag", url.Values{"csrf_token": {tok}, "proposal": {pr.ID}, "reason": {long}})
			refusedAt(res, body, ids[0], long)
			if n := flagged(); n != 0 {
				t.Fatalf("a refused report reported %d comments", n)
			}
			// A comment of the second page: its form posts with the page,
			// and the refusal shows that page.
			_, body = bruno.Get(page + "?after=" + ids[99])
			action := "/comments/" + ids[100] + "/flag?after=" + ids[99]
			if !strings.Contains(body, `action="`+action+`"`) {
				t.Fatalf("the second page's report form does not name its page:\n%s", body)
			}
			res, body = bruno.Post(action, url.Values{"csrf_token": {tok}, "proposal": {pr.ID}, "reason": {"Insulta\u0085tutti"}})
			refusedAt(res, body, ids[100], "Insulta\u0085tutti")
			if n := flagged(); n != 0 {
				t.Fatalf("a refused report reported %d comments", n)
			}
			// Corrected, it is reported.
			res, _ = bruno.Post("/comments/"+ids[0]+"/flag", url.Values{"csrf_token": {tok}, "proposal": {pr.ID}, "reason": {"Offende chi abita in piazza."}})
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != page+"?done=flagged" {
				t.Fatalf("a report: %d to %q", res.StatusCode, res.Header.Get("Location"))
			}
			if n := flagged(); n != 1 {
				t.Fatalf("reported %d comments, want 1", n)
			}
		})
	}
}
