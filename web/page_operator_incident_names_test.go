package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/store/storetest"
)

// The incidents on the operator's page name their station as the operator
// knows it, by its name in the page's language, not by its id; a station
// no longer in the catalogue is named by its id, all that is left of it.
func TestOperatorIncidentsNameTheirStation(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			b := newBikePagesEnvOn(t, engine, nil)
			ctx := context.Background()
			late, reported := b.m.Stations[0], b.m.Stations[1]
			b.m.FailedUnlock(t, late.ID, "cmd_named")
			if _, err := b.m.Svc.UnlockConfirmedLate(ctx, identity.System(), late.ID, "cmd_named", time.Now()); err != nil {
				t.Fatal(err)
			}
			if _, _, err := b.m.Svc.ReportFault(ctx, mobilitytest.Citizen("acc_anna"), mobility.FaultReport{StationID: reported.ID,
				Target: mobility.TargetDock, Dock: 2, Description: "Lo stallo non blocca"}); err != nil {
				t.Fatal(err)
			}
			if err := b.m.DB.Mobility().InTx(ctx, func(tx mobility.Tx) error {
				_, err := tx.InsertIncident(ctx, mobility.Incident{ID: "inc_gone", Kind: mobility.IncidentReleasedWithoutRide, StationID: "gone-001",
					RequestID: "cmd_gone", RaisedAt: time.Now().UTC().Truncate(time.Microsecond)})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			op, _ := b.signIn(t, identity.RoleOperator)
			res, body := op.Get("/operator/bikes")
			for _, want := range []string{
				"la stazione " + late.NameIT + " ha confermato lo sblocco cmd_named",
				"Stallo 2 alla stazione " + reported.NameIT + ": guasto segnalato da un cittadino (segnalazione",
				"la stazione gone-001 ha confermato lo sblocco cmd_gone",
			} {
				if res.StatusCode != http.StatusOK || !strings.Contains(body, want) {
					t.Errorf("Italian page: %d, without %q\n%s", res.StatusCode, want, body)
				}
			}
			for _, id := range []string{late.ID, reported.ID} {
				if strings.Contains(body, "stazione "+id) {
					t.Errorf("Italian page names station %s by its id", id)
				}
			}
			if res, _ := op.Post("/language", url.Values{"csrf_token": {op.CSRF("/operator/bikes")}, "lang": {"en"}, "next": {"/operator/bikes"}}); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("switch to English: %d", res.StatusCode)
			}
			_, body = op.Get("/operator/bikes")
			for _, want := range []string{
				"station " + late.NameEN + " confirmed unlock cmd_named",
				"Dock 2 at station " + reported.NameEN + ": fault reported by a citizen (report",
			} {
				if !strings.Contains(body, want) {
					t.Errorf("English page without %q\n%s", want, body)
				}
			}
		})
	}
}
