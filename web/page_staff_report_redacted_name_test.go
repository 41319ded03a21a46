package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/participation"
)

// The office's page of a report whose reporter chose to show their name
// says, once staff hid the report's personal data, that the public no
// longer reads that name, in the page's language, rather than that it is
// shown to the public; shown again, it says the name is shown.
func TestStaffReportPageSaysARedactedNameIsNotShown(t *testing.T) {
	t.Parallel()
	var svc *participation.Service
	_, env := newTestServer(t, "sqlite", withParticipation, func(env *testEnv, d *Deps) { svc = d.Participation.Service })
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	citizen, _ := env.account(t, identity.RoleCitizen)
	staffAcc, _ := env.account(t, identity.RoleCityStaff, "roads")
	staff := identity.Caller{AccountID: staffAcc.ID, Grants: []identity.Grant{{Role: identity.RoleCityStaff, Scope: "roads"}}}
	rep, err := svc.SubmitReport(t.Context(), identity.Caller{AccountID: citizen.ID, Name: citizen.Name, Grants: []identity.Grant{{Role: identity.RoleCitizen}}},
		participation.NewReport{Category: "pothole", Located: true, Lat: 41.1307, Lon: 14.776, Description: "A hole, call me at 333 1234567", PublicName: true})
	if err != nil {
		t.Fatal(err)
	}
	reporter := func(body string) string {
		i := strings.Index(body, `data-testid="reporter">`)
		if i < 0 {
			return ""
		}
		return body[i : i+strings.Index(body[i:], "</dd>")]
	}
	words := map[string]struct{ shown, hidden string }{
		"it": {"(mostrato al pubblico)", "(scelto come pubblico, ma nascosto con i dati personali)"},
		"en": {"(shown to the public)", "(chosen to be shown, but hidden with the personal data)"},
	}
	for _, hide := range []bool{true, false} {
		if _, err := svc.Redact(t.Context(), staff, rep.ID, hide); err != nil {
			t.Fatal(err)
		}
		for lang, w := range words {
			pc := pageIn(t, srv.URL, lang)
			if res := pc.Login(staffAcc.Email, testPassword); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("login: %d", res.StatusCode)
			}
			res, body := pc.Get("/staff/reports/" + rep.ID)
			want, not := w.shown, w.hidden
			if hide {
				want, not = w.hidden, w.shown
			}
			if got := reporter(body); res.StatusCode != http.StatusOK || !strings.Contains(got, want) || strings.Contains(got, not) {
				t.Errorf("hidden %v, in %s: %d, reporter %q, want it to say %q", hide, lang, res.StatusCode, got, want)
			}
		}
	}
}
