package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/participation"
)

// A status change or a merge sent twice from the office's page (a double
// press, a resent form, a colleague's same decision on a page read before
// it) is answered the second time as the first was, back to the report
// saying it is done, not with a refusal saying the report cannot take the
// status it has; the change is recorded and e-mailed once. The same form
// with another note, or a merge into another report, is still refused.
func TestStaffReportPageFormSentTwiceIsDone(t *testing.T) {
	t.Parallel()
	d := newRoadsDesk(t)
	svc, env := d.svc, d.env
	var reps []participation.Report
	for _, text := range []string{"A deep hole by the arch", "The same hole again", "A third hole nearby"} {
		reps = append(reps, d.pothole(t, text, false))
	}
	pc := d.staffPages(t, "en")
	csrf := pc.CSRF("/staff/reports/" + reps[0].ID)
	post := func(path string, form url.Values) (int, string) {
		form.Set("csrf_token", csrf)
		res, body := pc.Post(path, form)
		return res.StatusCode, res.Header.Get("Location") + body
	}

	// The second from another browser, whose text area sends its line
	// break otherwise: the same note as the service keeps it.
	for i, note := range []string{"Filled\r\nin.", "Filled\rin."} {
		status := url.Values{"status": {"fixed"}, "note": {note}}
		if code, got := post("/staff/reports/"+reps[0].ID+"/status", status); code != http.StatusSeeOther || !strings.Contains(got, "?done=status") {
			t.Fatalf("status form, sent %d times: %d %s", i+1, code, got)
		}
	}
	if code, _ := post("/staff/reports/"+reps[0].ID+"/status", url.Values{"status": {"fixed"}, "note": {"Another note."}}); code != http.StatusConflict {
		t.Fatalf("the status form with another note: %d, want 409", code)
	}
	admin := identity.Caller{AccountID: "acc_test_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	v, err := svc.StaffReport(t.Context(), admin, reps[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := countChanges(v.Changes, participation.ChangeStatus); n != 1 {
		t.Fatalf("status changes recorded: %d, want 1", n)
	}
	if got := env.mailTo(t, d.citizenAcc.Email, "report_status"); len(got) != 1 {
		t.Fatalf("e-mails to the reporter: %d, want 1", len(got))
	}

	merge := url.Values{"into": {reps[2].ID}, "confirm": {"yes"}}
	for i := range 2 {
		if code, got := post("/staff/reports/"+reps[1].ID+"/merge", merge); code != http.StatusSeeOther || !strings.Contains(got, "?done=merged") {
			t.Fatalf("merge form, sent %d times: %d %s", i+1, code, got)
		}
	}
	if code, _ := post("/staff/reports/"+reps[1].ID+"/merge", url.Values{"into": {reps[0].ID}, "confirm": {"yes"}}); code != http.StatusConflict {
		t.Fatalf("a merge into another report: %d, want 409", code)
	}
	if v, err = svc.StaffReport(t.Context(), admin, reps[1].ID); err != nil {
		t.Fatal(err)
	}
	if n := countChanges(v.Changes, participation.ChangeMerged); n != 1 || v.Report.MergedInto != reps[2].ID {
		t.Fatalf("merges recorded: %d into %s, want 1 into %s", n, v.Report.MergedInto, reps[2].ID)
	}
}

func countChanges(changes []participation.Change, kind string) int {
	n := 0
	for _, ch := range changes {
		if ch.Kind == kind {
			n++
		}
	}
	return n
}
