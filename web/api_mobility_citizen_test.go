package web

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/simulator"
	"cityhub/store/storetest"
)

func init() {
	for _, role := range []identity.Role{"", identity.RoleCitizen, identity.RoleMerchant, identity.RoleDoor, identity.RoleOperator, identity.RoleAdmin} {
		want := func(ok int) int {
			switch role {
			case "":
				return http.StatusUnauthorized
			case identity.RoleCitizen:
				return ok
			}
			return http.StatusForbidden
		}
		authzCases = append(authzCases,
			authzCase{"GET", "/api/v1/mobility/favourites", role, "", want(http.StatusOK)},
			authzCase{"PUT", "/api/v1/mobility/favourites/nope", role, "", want(http.StatusNotFound)},
			authzCase{"DELETE", "/api/v1/mobility/favourites/nope", role, "", want(http.StatusOK)},
			authzCase{"GET", "/api/v1/mobility/fault-reports", role, "", want(http.StatusOK)},
			authzCase{"POST", "/api/v1/mobility/fault-reports", role, `{"station_id":"nope","target":"dock","dock":1,"description":"rotto"}`, want(http.StatusNotFound)},
		)
	}
}

// A rider's favourite stations and fault reports through the JSON API:
// each citizen sees and changes only their own, a second report of the
// same bike answers the open one, what the rider sends wrong is 400 with a
// problem naming it, and the operator's resolution shows on the rider's
// list.
func TestMobilityCitizenAPI(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, func(env *testEnv, d *Deps) {
				d.Mobility = mobilitytest.NewService(env.DB.Mobility(), nil)
			})
			if err := simulator.SeedCatalogue(t.Context(), env.Deps.Mobility, simulator.Layout("cit", 2, 6)); err != nil {
				t.Fatal(err)
			}
			_, anna := env.account(t, identity.RoleCitizen)
			_, bruno := env.account(t, identity.RoleCitizen)
			operator := env.login(t, identity.RoleOperator)

			// Favourites: marking twice keeps one, each rider has their own.
			var favs struct {
				StationIDs []string `json:"station_ids"`
			}
			for range 2 {
				rec := env.do(t, "PUT", "/api/v1/mobility/favourites/cit-002", anna, "")
				wantStatus(t, rec, http.StatusOK)
				decodeInto(t, rec, &favs)
			}
			wantStatus(t, env.do(t, "PUT", "/api/v1/mobility/favourites/cit-001", anna, ""), http.StatusOK)
			decodeInto(t, env.do(t, "GET", "/api/v1/mobility/favourites", anna, ""), &favs)
			if strings.Join(favs.StationIDs, ",") != "cit-001,cit-002" {
				t.Fatalf("anna's favourites %v", favs.StationIDs)
			}
			decodeInto(t, env.do(t, "GET", "/api/v1/mobility/favourites", bruno, ""), &favs)
			if favs.StationIDs == nil || len(favs.StationIDs) != 0 {
				t.Fatalf("bruno sees favourites %v", favs.StationIDs)
			}
			wantProblem(t, env.do(t, "PUT", "/api/v1/mobility/favourites/nope", anna, ""), http.StatusNotFound)
			wantProblem(t, env.do(t, "PUT", "/api/v1/mobility/favourites/Bad%20Id", anna, ""), http.StatusBadRequest)
			rec := env.do(t, "DELETE", "/api/v1/mobility/favourites/cit-002", anna, "")
			wantStatus(t, rec, http.StatusOK)
			if decodeInto(t, rec, &favs); strings.Join(favs.StationIDs, ",") != "cit-001" {
				t.Fatalf("after removing cit-002: %v", favs.StationIDs)
			}

			// A report, then the same bike again: the open report answers.
			bike := `{"station_id":"cit-001","target":"bike","bike_id":" CIT-001-B01 ","description":"  La catena salta  "}`
			rec = env.do(t, "POST", "/api/v1/mobility/fault-reports", anna, bike)
			wantStatus(t, rec, http.StatusCreated)
			var first, again mobility.MyReport
			decodeInto(t, rec, &first)
			if first.ID == "" || first.Target != mobility.TargetBike || first.BikeID != "cit-001-b01" || first.Description != "La catena salta" ||
				first.ReportedAt.IsZero() || first.ResolvedAt != nil {
				t.Fatalf("report %+v", first)
			}
			if body := rec.Body.String(); strings.Contains(body, "reported_by") || strings.Contains(body, "request_id") {
				t.Fatalf("the rider's view carries the operators' bookkeeping: %s", body)
			}
			rec = env.do(t, "POST", "/api/v1/mobility/fault-reports", anna, bike)
			wantStatus(t, rec, http.StatusOK)
			if decodeInto(t, rec, &again); again.ID != first.ID {
				t.Fatalf("second report of the same bike: %+v, want %s", again, first.ID)
			}

			// What the rider sends wrong: 400, the problem says what.
			for _, c := range []struct{ name, body, reason string }{
				{"malformed", `{"station_id":`, ""},
				{"unknown field", `{"station_id":"cit-001","target":"dock","dock":2,"description":"rotto","photo":"x"}`, ""},
				{"wrong type", `{"station_id":"cit-001","target":"dock","dock":"2","description":"rotto"}`, ""},
				{"no target", `{"station_id":"cit-001","description":"rotto"}`, "report_target"},
				{"other target", `{"station_id":"cit-001","target":"wheel","description":"rotto"}`, "report_target"},
				{"no station", `{"target":"dock","dock":2,"description":"rotto"}`, "report_station"},
				{"no bike code", `{"station_id":"cit-001","target":"bike","description":"rotto"}`, "report_bike"},
				{"dock zero", `{"station_id":"cit-001","target":"dock","dock":0,"description":"rotto"}`, "report_dock"},
				{"dock past capacity", `{"station_id":"cit-001","target":"dock","dock":7,"description":"rotto"}`, "report_dock"},
				{"short text", `{"station_id":"cit-001","target":"dock","dock":2,"description":" x "}`, "report_text"},
				{"long text", `{"station_id":"cit-001","target":"dock","dock":2,"description":"` + strings.Repeat("a", mobility.MaxReportText+1) + `"}`, "report_text"},
				{"bidi override", `{"station_id":"cit-001","target":"dock","dock":2,"description":"freno \u202erotto"}`, "report_text_invisible_characters"},
			} {
				p := wantProblem(t, env.do(t, "POST", "/api/v1/mobility/fault-reports", anna, c.body), http.StatusBadRequest)
				if c.reason != "" && p.Reason != c.reason {
					t.Errorf("%s: reason %q, want %q", c.name, p.Reason, c.reason)
				}
			}
			if p := wantProblem(t, env.do(t, "POST", "/api/v1/mobility/fault-reports", anna,
				`{"station_id":"cit-001","target":"bike","bike_id":"zz-9","description":"rotto"}`), http.StatusNotFound); p.Reason != "report_no_bike" {
				t.Errorf("unknown bike: reason %q", p.Reason)
			}
			wantProblem(t, env.do(t, "POST", "/api/v1/mobility/fault-reports", anna, `{"station_id":"nope","target":"dock","dock":1,"description":"rotto"}`), http.StatusNotFound)

			// Up to the limit of open reports, then 429.
			for d := 1; d < mobility.MaxOpenReports; d++ {
				wantStatus(t, env.do(t, "POST", "/api/v1/mobility/fault-reports", anna,
					`{"station_id":"cit-002","target":"dock","dock":`+strconv.Itoa(d)+`,"description":"non si blocca"}`), http.StatusCreated)
			}
			if p := wantProblem(t, env.do(t, "POST", "/api/v1/mobility/fault-reports", anna,
				`{"station_id":"cit-002","target":"dock","dock":6,"description":"non si blocca"}`), http.StatusTooManyRequests); p.Reason != "report_limit" {
				t.Errorf("over the limit: reason %q", p.Reason)
			}

			// Each rider lists their own; the operator's resolution shows.
			wantStatus(t, env.do(t, "POST", "/api/v1/operator/mobility/incidents/"+first.ID+"/resolve", operator, ""), http.StatusNoContent)
			var mine struct {
				Reports []mobility.MyReport `json:"reports"`
			}
			decodeInto(t, env.do(t, "GET", "/api/v1/mobility/fault-reports", anna, ""), &mine)
			if len(mine.Reports) != mobility.MaxOpenReports || mine.Reports[len(mine.Reports)-1].ID != first.ID ||
				mine.Reports[len(mine.Reports)-1].ResolvedAt == nil || mine.Reports[0].ResolvedAt != nil || mine.Reports[0].Target != mobility.TargetDock {
				t.Fatalf("anna's reports %+v", mine.Reports)
			}
			decodeInto(t, env.do(t, "GET", "/api/v1/mobility/fault-reports", bruno, ""), &mine)
			if mine.Reports == nil || len(mine.Reports) != 0 {
				t.Fatalf("bruno sees reports %+v", mine.Reports)
			}
		})
	}
}
