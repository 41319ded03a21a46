package web

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/store/storetest"
)

// A rider who reports a bike or a dock again while their first report of
// it is open is told so, and that the new words were not added, rather
// than thanked as for a new report; the operators keep the first report
// and its words alone.
func TestFaultReportSentAgainWhileOpen(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			b := newBikePagesEnvOn(t, engine, nil)
			st := b.m.Stations[0]
			bike := st.Bikes[0].ID
			page := "/bikes/stations/" + st.ID
			citizen, _ := b.signIn(t, identity.RoleCitizen)
			tok := citizen.CSRF(page)
			send := func(form url.Values) string {
				t.Helper()
				form.Set("csrf_token", tok)
				form.Set("station_id", st.ID)
				res, _ := citizen.Post("/bikes/reports", form)
				if res.StatusCode != http.StatusSeeOther {
					t.Fatalf("report %v: %d", form, res.StatusCode)
				}
				return res.Header.Get("Location")
			}
			if loc := send(url.Values{"target": {"bike"}, "bike_id": {bike}, "description": {"I freni non funzionano"}}); !strings.HasPrefix(loc, page+"?reported=1") {
				t.Fatalf("first report goes to %q", loc)
			}
			loc := send(url.Values{"target": {"bike"}, "bike_id": {bike}, "description": {"Anche la catena salta"}})
			if !strings.HasPrefix(loc, page+"?already=bike") {
				t.Fatalf("the report sent again goes to %q, as a new one", loc)
			}
			_, body := citizen.Get(loc)
			body = html.UnescapeString(body)
			if strings.Contains(body, `data-testid="report-sent"`) || !strings.Contains(body, `data-testid="report-already"`) ||
				!strings.Contains(body, "Hai già segnalato questa bici e la tua segnalazione è ancora aperta presso l'operatore: il testo che hai appena scritto non è stato aggiunto.") {
				t.Errorf("the page after a report sent again:\n%s", body)
			}

			if loc := send(url.Values{"target": {"dock"}, "dock": {"2"}, "description": {"Lo stallo non blocca"}}); !strings.HasPrefix(loc, page+"?reported=1") {
				t.Fatalf("first dock report goes to %q", loc)
			}
			loc = send(url.Values{"target": {"dock"}, "dock": {"2"}, "description": {"Non blocca ancora"}})
			if !strings.HasPrefix(loc, page+"?already=dock") {
				t.Fatalf("the dock report sent again goes to %q", loc)
			}
			if res, _ := citizen.Post("/language", url.Values{"csrf_token": {tok}, "lang": {"en"}, "next": {page}}); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("switch to English: %d", res.StatusCode)
			}
			_, body = citizen.Get(loc)
			if !strings.Contains(html.UnescapeString(body), "You have already reported this dock and your report is still open with the operator: the text you have just written was not added.") {
				t.Errorf("the English page after a dock report sent again:\n%s", body)
			}

			op, _ := b.signIn(t, identity.RoleOperator)
			_, body = op.Get("/operator/bikes/reports")
			if strings.Count(body, `<li class="card report"`) != 2 || !strings.Contains(body, "I freni non funzionano") ||
				strings.Contains(body, "Anche la catena salta") || strings.Contains(body, "Non blocca ancora") {
				t.Errorf("the operators' list:\n%s", body)
			}
		})
	}
}
