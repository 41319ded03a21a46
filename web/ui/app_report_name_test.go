package ui

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"cityhub/participation"
)

// A report an app sent without the person's name reads so on the office's
// page, where it showed an empty name and "(not shown to the public)".
func TestAppReportWithoutNameOnTheStaffPage(t *testing.T) {
	env := newPartEnv(t)
	ctx := context.Background()
	admin, _ := env.account(t, "Ada Admin", adminGrant)
	_, staff := env.account(t, "Rita Roads", roadsGrant)
	issued, err := env.Svc.IssueAPIKey(ctx, admin.Caller(), "Segnala Benevento")
	if err != nil {
		t.Fatal(err)
	}
	key, err := env.Svc.AuthenticateAPIKey(ctx, issued.Key)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := env.Svc.SubmitReportFromApp(ctx, key, "it", participation.NewReport{Category: "pothole", Located: true, Lat: 41.1307, Lon: 14.776})
	if err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string]string{"it": "nessun nome indicato", "en": "no name given"} {
		res, body := inLanguage(t, staff, lang).Get("/staff/reports/" + rep.ID)
		wantStatus(t, "staff page", res, body, http.StatusOK)
		_, reporter, _ := strings.Cut(body, `data-testid="reporter">`)
		reporter, _, _ = strings.Cut(reporter, "</dd>")
		if !strings.Contains(reporter, want) {
			t.Errorf("%s: the reporter reads %q; want %q", lang, reporter, want)
		}
		if strings.HasPrefix(strings.TrimSpace(reporter), "(") {
			t.Errorf("%s: an empty name before %q", lang, reporter)
		}
	}
}
