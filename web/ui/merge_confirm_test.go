package ui

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"cityhub/participation"
)

// confirmMessage is the message of the report confirmation page.
var confirmMessage = regexp.MustCompile(`data-testid="confirm-message">([^<]*)<`)

// The merge form's report to merge into is checked before the confirmation
// is shown, as the merge will check it: one that does not exist, belongs
// to another office, is of another category or is closed brings the form
// back with the refusal at the field, and no confirmation names it. The
// confirmation, and the duplicate's public page after, name the report by
// its category and words as well as its id.
func TestMergeConfirmationNamesOnlyAReportTheMergeTakes(t *testing.T) {
	env := newPartEnv(t)
	ctx := context.Background()
	citizen, _ := env.account(t, "Carla Citizen", citizenGrant)
	staffAcc, staff := env.account(t, "Rita Roads", roadsGrant)
	dup := env.report(t, citizen, "pothole", "A hole again, the one by the arch")
	target := env.report(t, citizen, "pothole", "A deep hole in the road near the Arch of Trajan, two metres wide and getting worse every week")
	sign := env.report(t, citizen, "signage", "The stop sign is bent")
	tree := env.report(t, citizen, "green", "A fallen tree blocks the path")
	closed := env.report(t, citizen, "pothole", "An old hole, mended last week")
	if _, err := env.Svc.ChangeStatus(ctx, staffAcc.Caller(), closed.ID, participation.StatusFixed, "Filled."); err != nil {
		t.Fatal(err)
	}
	page := "/staff/reports/" + dup.ID
	for _, c := range []struct {
		into   string
		status int
		reason string
	}{
		{"rep_bogus", http.StatusNotFound, "report_not_found"},
		{tree.ID, http.StatusForbidden, "merge_other_office"},
		{sign.ID, http.StatusConflict, "merge_other_category"},
		{closed.ID, http.StatusConflict, "merge_target_closed"},
		{dup.ID, http.StatusBadRequest, "same_report"},
	} {
		res, body := staff.Post(page+"/merge", url.Values{"csrf_token": {staff.CSRF(page)}, "into": {c.into}})
		wantStatus(t, "merge into "+c.into, res, body, c.status)
		if strings.Contains(body, `data-action="confirm"`) || strings.Contains(body, `data-testid="confirm-message"`) {
			t.Errorf("merge into %s (%s): a confirmation\n%s", c.into, c.reason, body)
		}
		if !strings.Contains(body, `data-field-error="into"`) || !strings.Contains(body, `action="/staff/reports/`+dup.ID+`/merge"`) {
			t.Errorf("merge into %s (%s): the form without the refusal at its field\n%s", c.into, c.reason, body)
		}
	}
	if v, err := env.Svc.Report(ctx, staffAcc.Caller(), dup.ID); err != nil || v.Report.Status != participation.StatusOpen {
		t.Fatalf("the duplicate after refused merges: %+v, %v", v.Report, err)
	}

	res, body := staff.Post(page+"/merge", url.Values{"csrf_token": {staff.CSRF(page)}, "into": {target.ID}})
	wantStatus(t, "merge confirmation", res, body, http.StatusOK)
	m := confirmMessage.FindStringSubmatch(body)
	want := "Buca stradale, «A deep hole in the road near the Arch of Trajan, two metres…» (" + target.ID + ")"
	if m == nil || !strings.Contains(html.UnescapeString(m[1]), want) {
		t.Fatalf("merge confirmation does not name the report as %q\n%s", want, body)
	}
	if !strings.Contains(html.UnescapeString(body), "Segnalazione originale</strong>: "+want) {
		t.Errorf("the confirmation's field does not name the report as %q\n%s", want, body)
	}
	res, body = staff.Post(page+"/merge", url.Values{"csrf_token": {staff.CSRF(page)}, "into": {target.ID}, "confirm": {"yes"}})
	wantStatus(t, "merge", res, body, http.StatusSeeOther)

	res, body = inLanguage(t, staff, "en").Get("/reports/" + dup.ID)
	wantStatus(t, "the duplicate's page", res, body, http.StatusOK)
	want = `<a href="/reports/` + target.ID + `" data-testid="merged-into">Pothole, «A deep hole in the road near the Arch of Trajan, two metres…» (` + target.ID + `)</a>`
	if !strings.Contains(html.UnescapeString(body), want) {
		t.Errorf("the duplicate's page does not name the report it went into as\n%s\n%s", want, body)
	}
}

func TestExcerpt(t *testing.T) {
	for in, want := range map[string]string{
		"short":                       "short",
		"  two\nlines  ":              "two lines",
		"one two three four five six": "one two three four…",
		"onetwothreefourfivesixseven": "onetwothreefourfives…",
		"àèìòù àèìòù àèìòù àèìòù àèìòù":  "àèìòù àèìòù àèìòù…",
		"one, two. three; four fiveXsix": "one, two. three…",
	} {
		if got := excerpt(in, 20); got != want {
			t.Errorf("excerpt(%q, 20) = %q, want %q", in, got, want)
		}
	}
}
