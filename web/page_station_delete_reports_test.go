package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/store/storetest"
)

// The station's delete confirmation says that open reports of faulty
// docks keep a station; a delete posted while one is open is refused with
// the page's words for it, offers no delete to press again and leads to
// the reported faults, in Italian and English; once the report is
// resolved, the delete goes.
func TestStationDeletePageSendsToTheOpenDockReports(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			b := newBikeAdminEnv(t, engine)
			b.seed(t)
			ctx := context.Background()
			inc, _, err := b.svc.ReportFault(ctx, mobilitytest.Citizen("acc_anna"), mobility.FaultReport{StationID: "duomo", Target: mobility.TargetDock,
				Dock: 2, Description: "Lo stallo non aggancia"})
			if err != nil {
				t.Fatal(err)
			}
			admin := b.signIn(t, identity.RoleAdmin)
			tok := admin.CSRF("/admin/bikes")
			const del = "/admin/bikes/stations/duomo/delete"
			if _, body := admin.Get(del); !strings.Contains(body, "segnalazioni aperte di stalli guasti") || !strings.Contains(body, `action="`+del+`"`) {
				t.Errorf("the station's delete confirmation:\n%s", body)
			}
			for _, lang := range []struct{ name, words, link string }{
				{"it", "Dei cittadini hanno segnalato stalli guasti in questa stazione", "Vai ai guasti segnalati"},
				{"en", "Citizens have reported faulty docks at this station", "Go to the reported faults"},
			} {
				if lang.name == "en" {
					english(admin)
				}
				res, body := admin.Post(del, url.Values{"csrf_token": {tok}})
				if res.StatusCode != http.StatusConflict || !strings.Contains(body, lang.words) || strings.Contains(body, `action="`+del+`"`) ||
					!strings.Contains(body, `href="/operator/bikes/reports" data-testid="delete-reports">`+lang.link) {
					t.Errorf("%s: deleting a station with an open dock report: %d\n%s", lang.name, res.StatusCode, body)
				}
			}
			if _, err := b.svc.Station(ctx, identity.System(), "duomo"); err != nil {
				t.Fatalf("the refused delete deleted the station: %v", err)
			}
			if err := b.svc.ResolveIncident(ctx, identity.System(), inc.ID); err != nil {
				t.Fatal(err)
			}
			if res, body := admin.Post(del, url.Values{"csrf_token": {tok}}); res.StatusCode != http.StatusSeeOther {
				t.Errorf("deleting the station once its report is resolved: %d\n%s", res.StatusCode, body)
			}
		})
	}
}
