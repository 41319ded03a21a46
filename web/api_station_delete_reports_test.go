package web

import (
	"net/http"
	"testing"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/store/storetest"
)

// A rider reports a dock of a station, then an administrator deletes the
// station: the delete is 409 dock_reports_open and the station stays, the
// report open on the operators' list; once an operator has resolved it,
// the delete is 204, and the rider's list shows the report resolved, no
// longer counted against the rider's open reports.
func TestStationDeleteWaitsForItsOpenDockReports(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withMobilityCatalogue)
			admin := env.login(t, identity.RoleAdmin)
			operator := env.login(t, identity.RoleOperator)
			_, rider := env.account(t, identity.RoleCitizen)
			const station = "/api/v1/admin/mobility/stations/bn-100"
			wantStatus(t, env.do(t, "POST", "/api/v1/admin/mobility/stations", admin,
				`{"id":"bn-100","name_it":"Piazza Roma","lat":41.13,"lon":14.78,"capacity":4,"open":true}`), http.StatusCreated)
			rec := env.do(t, "POST", "/api/v1/mobility/fault-reports", rider, `{"station_id":"bn-100","target":"dock","dock":1,"description":"Lo stallo non aggancia"}`)
			wantStatus(t, rec, http.StatusCreated)
			var report mobility.MyReport
			decodeInto(t, rec, &report)

			if p := wantProblem(t, env.do(t, "DELETE", station, admin, ""), http.StatusConflict); p.Reason != "dock_reports_open" {
				t.Errorf("deleting a station with an open dock report: reason %q, want dock_reports_open", p.Reason)
			}
			wantStatus(t, env.do(t, "GET", station, admin, ""), http.StatusOK)
			var open struct {
				Incidents []mobility.Incident `json:"incidents"`
			}
			decodeInto(t, env.do(t, "GET", "/api/v1/operator/mobility/incidents?kind=citizen_report&open=true", operator, ""), &open)
			if len(open.Incidents) != 1 || open.Incidents[0].ID != report.ID {
				t.Fatalf("open reports after the refused delete: %+v", open.Incidents)
			}

			wantStatus(t, env.do(t, "POST", "/api/v1/operator/mobility/incidents/"+report.ID+"/resolve", operator, ""), http.StatusNoContent)
			wantStatus(t, env.do(t, "DELETE", station, admin, ""), http.StatusNoContent)
			wantProblem(t, env.do(t, "GET", station, admin, ""), http.StatusNotFound)
			var mine struct {
				Reports []mobility.MyReport `json:"reports"`
			}
			decodeInto(t, env.do(t, "GET", "/api/v1/mobility/fault-reports", rider, ""), &mine)
			if len(mine.Reports) != 1 || mine.Reports[0].ID != report.ID || mine.Reports[0].ResolvedAt == nil {
				t.Errorf("the rider's reports after the delete: %+v", mine.Reports)
			}
		})
	}
}
