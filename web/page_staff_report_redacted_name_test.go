package web

import (
	"net/http"
	"strings"
	"testing"
)

// The office's page of a report whose reporter chose to show their name
// says, once staff hid the report's personal data, that the public no
// longer reads that name, in the page's language, rather than that it is
// shown to the public; shown again, it says the name is shown.
func TestStaffReportPageSaysARedactedNameIsNotShown(t *testing.T) {
	t.Parallel()
	d := newRoadsDesk(t)
	rep := d.pothole(t, "A hole, call me at 333 1234567", true)
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
		if _, err := d.svc.Redact(t.Context(), d.staff, rep.ID, hide); err != nil {
			t.Fatal(err)
		}
		for lang, w := range words {
			pc := d.staffPages(t, lang)
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
