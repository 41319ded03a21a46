package web

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
)

// The operators' list of reported faults names each report's citizen by
// their name, as the other staff pages name people, where it showed the
// account's id ("acc_06h50t3spg8…") under "Reported by (account)". A report
// whose citizen was erased keeps no id, and one whose account is gone
// names no one: the list says so in words, in the page's language.
func TestOperatorReportsNameTheReporter(t *testing.T) {
	t.Parallel()
	b := newBikePagesEnv(t)
	ctx := context.Background()
	st := b.m.Stations[0]
	named, _ := b.env.account(t, identity.RoleCitizen)
	erased, _ := b.env.account(t, identity.RoleCitizen)
	report := func(who string, bike int, text string) {
		t.Helper()
		if _, _, err := b.m.Svc.ReportFault(ctx, mobilitytest.Citizen(who), mobility.FaultReport{StationID: st.ID, Target: mobility.TargetBike,
			BikeID: st.Bikes[bike].ID, Description: text}); err != nil {
			t.Fatal(err)
		}
	}
	report(named.ID, 0, "Il freno posteriore non tiene")
	report(erased.ID, 1, "La catena salta in salita")
	report("acc_nosuch", 2, "Il campanello è rotto")
	if err := b.env.Identity.DeleteAccount(ctx, erased.ID); err != nil {
		t.Fatal(err)
	}
	op, _ := b.signIn(t, identity.RoleOperator)
	who := regexp.MustCompile(`(?s)<li class="card report"[^>]*>.*?data-testid="report-text">([^<]*)<.*?<dd data-testid="report-who">(.*?)</dd>`)
	for _, tc := range []struct {
		lang, label string
		want        map[string]string
	}{
		{"it", "Segnalato da", map[string]string{"Il freno posteriore non tiene": named.Name,
			"La catena salta in salita": "<em>Account cancellato: il nome non è più conservato</em>", "Il campanello è rotto": "<em>Account cancellato: il nome non è più conservato</em>"}},
		{"en", "Reported by", map[string]string{"Il freno posteriore non tiene": named.Name,
			"La catena salta in salita": "<em>Deleted account: the name is no longer kept</em>", "Il campanello è rotto": "<em>Deleted account: the name is no longer kept</em>"}},
	} {
		chooseLanguage(t, op, tc.lang, "/operator/bikes/reports")
		res, body := op.Get("/operator/bikes/reports")
		got := map[string]string{}
		for _, m := range who.FindAllStringSubmatch(body, -1) {
			got[m[1]] = m[2]
		}
		if res.StatusCode != http.StatusOK || len(got) != 3 {
			t.Fatalf("%s: %d, %d reports\n%s", tc.lang, res.StatusCode, len(got), body)
		}
		for text, want := range tc.want {
			if got[text] != want {
				t.Errorf("%s: the report %q names %q, want %q", tc.lang, text, got[text], want)
			}
		}
		if strings.Contains(body, named.ID) || !strings.Contains(body, "<dt>"+tc.label+"</dt>") {
			t.Errorf("%s: the list shows the account id %s or lacks %q", tc.lang, named.ID, tc.label)
		}
	}
}
