package ui

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"cityhub/participation"
	"cityhub/web/webtest"
)

// historyItems are the changes of a report's history on its pages.
var historyItems = regexp.MustCompile(`(?s)<ol class="part-history"[^>]*>(.*?)</ol>`)

// The office's staff read who made each change of a report on its staff
// page (docs/participation.md: "The actor of a change is shown to staff of
// the office only"), an erased account as such; the public and the
// reporter read no one's name in a history.
func TestReportHistoryNamesActorsToTheOfficeOnly(t *testing.T) {
	env := newPartEnv(t)
	ctx := context.Background()
	citizen, reporter := env.account(t, "Carla Citizen", citizenGrant)
	rita, staff := env.account(t, "Rita Roads", roadsGrant)
	gone, _ := env.account(t, "Gino Gone", roadsGrant)
	rep := env.report(t, citizen, "pothole", "A deep hole in the road near the arch")
	if _, err := env.Svc.ChangeStatus(ctx, rita.Caller(), rep.ID, participation.StatusAcknowledged, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Svc.ChangeStatus(ctx, gone.Caller(), rep.ID, participation.StatusFixed, "Filled."); err != nil {
		t.Fatal(err)
	}
	if err := env.IDs.DeleteAccount(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}

	res, body := staff.Get("/staff/reports/" + rep.ID)
	wantStatus(t, "staff page", res, body, http.StatusOK)
	h := historyItems.FindStringSubmatch(body)
	if h == nil {
		t.Fatalf("no history on the staff page\n%s", body)
	}
	items := strings.Split(h[1], "</li>")
	for i, want := range []string{"Carla Citizen", "Rita Roads", "Account cancellato"} {
		if i >= len(items) || !strings.Contains(items[i], `data-testid="actor"`) || !strings.Contains(items[i], want) {
			t.Errorf("change %d of the history does not name %q:\n%s", i, want, h[1])
		}
	}

	for who, pc := range map[string]*webtest.PageClient{"the public": webtest.NewPageClient(t, env.URL), "the reporter": reporter} {
		res, body := pc.Get("/reports/" + rep.ID)
		wantStatus(t, who+"'s report page", res, body, http.StatusOK)
		for _, name := range []string{"Rita Roads", "Account cancellato", `data-testid="actor"`} {
			if strings.Contains(body, name) {
				t.Errorf("%s reads %q on the report's page\n%s", who, name, body)
			}
		}
	}
}
