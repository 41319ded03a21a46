package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/participation"
	"cityhub/web/webtest"
)

// historyOf is the history list of a report's page, one line a change
// with its tags taken out.
func historyOf(t *testing.T, page string) []string {
	t.Helper()
	start := strings.Index(page, `<ol class="part-history"`)
	if start < 0 {
		t.Fatalf("no history on the page:\n%s", page)
	}
	list := page[start:]
	list = list[:strings.Index(list, "</ol>")]
	tags := regexp.MustCompile(`<[^>]*>`)
	var out []string
	for _, li := range strings.Split(list, "<li")[1:] {
		line := tags.ReplaceAllString("<li"+li, "")
		// Past the time, which is the page's.
		_, what, _ := strings.Cut(line, ": ")
		out = append(out, strings.TrimSpace(what))
	}
	return out
}

// The history on the reporter's page and on the office's says what each
// redaction and photo moderation did, in the page's language: hidden or
// shown again, which photo approved or hidden. Both read "dati personali
// nascosti o mostrati" and "foto verificata" whatever was done. Changes
// recorded before they said what they did read as they did. The reporter
// still does not read who among the staff acted.
func TestReportHistorySaysWhatModerationDid(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	citAcc, cit := env.account(t, identity.RoleCitizen)
	staffAcc, staff := env.account(t, identity.RoleCityStaff)

	res := env.doMultipart(t, "/api/v1/reports", cit, map[string]string{"category": "pothole", "lat": "41.1307", "lon": "14.776",
		"description": "A deep hole by the bus stop"}, testPhoto(t), testPhoto(t))
	if res.Code != http.StatusCreated {
		t.Fatalf("create report: %d %s", res.Code, res.Body)
	}
	var rep participation.Report
	decodeInto(t, res, &rep)
	var v participation.ReportView
	decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/reports/"+rep.ID+"/details", cit, "")), &v)
	second := v.Photos[1].ID

	// Two changes as they were recorded before they said what they did.
	ctx := context.Background()
	if err := env.DB.Participation().InTx(ctx, func(tx participation.Tx) error {
		for _, kind := range []string{participation.ChangeRedacted, participation.ChangePhoto} {
			if err := tx.AppendReportChange(ctx, participation.Change{ReportID: rep.ID, At: time.Now(), ActorID: staffAcc.ID, Kind: kind}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, hide := range []string{"true", "false", "true"} {
		wantOK(t, env.do(t, "PUT", "/api/v1/staff/reports/"+rep.ID+"/redacted", staff, `{"redacted":`+hide+`}`))
	}
	for _, state := range []string{"approved", "hidden"} {
		wantOK(t, env.do(t, "PUT", "/api/v1/staff/photos/"+second+"/state", staff, `{"state":"`+state+`"}`))
	}

	decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/reports/"+rep.ID+"/details", cit, "")), &v)
	last := v.Changes[len(v.Changes)-1]
	if last.Kind != participation.ChangePhoto || last.From != "approved" || last.To != "hidden" || last.PhotoID != second || last.ActorID != "" {
		t.Fatalf("the reporter reads the last change as %+v; want photo %s from approved to hidden, by no one named", last, second)
	}

	want := map[string][]string{
		"it": {"inviata → Aperta", "dati personali nascosti o mostrati", "foto verificata",
			"dati personali nascosti al pubblico", "dati personali mostrati di nuovo al pubblico", "dati personali nascosti al pubblico",
			"foto 2 approvata", "foto 2 nascosta"},
		"en": {"sent → Open", "personal data hidden or shown", "photo checked",
			"personal data hidden from the public", "personal data shown to the public again", "personal data hidden from the public",
			"photo 2 approved", "photo 2 hidden"},
	}
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	for lang, lines := range want {
		for _, who := range []struct {
			name, email, page string
			actor             bool
		}{
			{"reporter", citAcc.Email, "/reports/" + rep.ID, false},
			{"staff", staffAcc.Email, "/staff/reports/" + rep.ID, true},
		} {
			pc := webtest.SignedIn(t, srv.URL, who.email, testPassword)
			u, _ := url.Parse(srv.URL)
			pc.Client.Jar.SetCookies(u, []*http.Cookie{{Name: "cityhub_lang", Value: lang}})
			_, body := pc.Get(who.page)
			got := historyOf(t, body)
			if len(got) != len(lines) {
				t.Fatalf("%s's history in %s: %q; want %q", who.name, lang, got, lines)
			}
			for i, line := range lines {
				// The office reads who acted after the words.
				what, by, _ := strings.Cut(got[i], " · ")
				if what != line || (who.actor && i > 0 && by == "") {
					t.Errorf("%s's history in %s, line %d: %q; want %q", who.name, lang, i, got[i], line)
				}
			}
			if !who.actor && strings.Contains(body, `data-testid="actor"`) {
				t.Errorf("the reporter's page in %s names who acted:\n%s", lang, body)
			}
		}
	}
}
