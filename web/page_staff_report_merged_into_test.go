package web

import (
	"net/http"
	"strings"
	"testing"

	"cityhub/participation"
)

// The office's page of a report merged as a duplicate names the report it
// went into and links to that report's page for the office, as the
// reporter's page names it, so that staff reach the report being worked.
func TestStaffReportPageNamesTheReportADuplicateWentInto(t *testing.T) {
	t.Parallel()
	d := newRoadsDesk(t)
	reps := []participation.Report{d.pothole(t, "A deep hole by the arch", false), d.pothole(t, "The same hole again", false)}
	if _, err := d.svc.Merge(t.Context(), d.staff, reps[1].ID, reps[0].ID, ""); err != nil {
		t.Fatal(err)
	}
	pc := d.staffPages(t, "en")
	res, body := pc.Get("/staff/reports/" + reps[1].ID)
	link := `<a href="/staff/reports/` + reps[0].ID + `" data-testid="merged-into">`
	i := strings.Index(body, link)
	if res.StatusCode != http.StatusOK || i < 0 || !strings.Contains(body[i:i+strings.Index(body[i:], "</a>")], "A deep hole by the arch") ||
		!strings.Contains(body, "Duplicate of") {
		t.Fatalf("the duplicate's page for the office: %d, want a link %q naming the report it went into\n%s", res.StatusCode, link, body)
	}
	if _, body := pc.Get("/staff/reports/" + reps[0].ID); strings.Contains(body, `data-testid="merged-into"`) {
		t.Fatalf("the report worked names a report it went into:\n%s", body)
	}
}
