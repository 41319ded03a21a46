package web

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
)

var (
	incidentButtonRE = regexp.MustCompile(`(?s)action="/operator/bikes/incidents/[^"]+/resolve">.*?<button[^>]*>(.*?)</button>`)
	tagRE            = regexp.MustCompile(`<[^>]+>`)
	noteLabelRE      = regexp.MustCompile(`<label for="note-(\d+)">([^<]*)</label>`)
)

// The operators' overview says when its figures were taken in words that
// read right ("al 7 dicembre 2026, ore 01:31"), each incident's button is
// an action whose accessible name says which incident it resolves, and a
// station's dock notes are each labelled with their dock, in Italian and
// in English.
func TestOperatorBikePagesWordsAndNames(t *testing.T) {
	t.Parallel()
	b := newBikePagesEnv(t)
	ctx := context.Background()
	op, _ := b.signIn(t, identity.RoleOperator)
	for i, st := range b.m.Stations {
		cmd := "late-" + strconv.Itoa(i)
		b.m.FailedUnlock(t, st.ID, cmd)
		if _, err := b.m.Svc.UnlockConfirmedLate(ctx, identity.System(), st.ID, cmd, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	st := b.m.Stations[0]

	for _, lang := range []struct {
		name, lead, resolve, note string
		stationName               func(i int) string
	}{
		{"it", `Situazione al \d{1,2} [a-z]+ \d{4}, ore \d{2}:\d{2} · corse aperte: \d+\.`, "Segna come risolta", "Nota per il tecnico sullo stallo ",
			func(i int) string { return b.m.Stations[i].NameIT }},
		{"en", `As of \d{1,2} [A-Z][a-z]+ \d{4} at \d{2}:\d{2} · open rides: \d+\.`, "Mark resolved", "Note for the technician on dock ",
			func(i int) string { return cmpOr(b.m.Stations[i].NameEN, b.m.Stations[i].NameIT) }},
	} {
		if lang.name == "en" {
			english(op)
		}
		_, body := op.Get("/operator/bikes")
		if !regexp.MustCompile(`<p class="lead">` + lang.lead + `</p>`).MatchString(body) {
			t.Errorf("%s: lead does not read %s:\n%s", lang.name, lang.lead, body)
		}
		buttons := incidentButtonRE.FindAllStringSubmatch(body, -1)
		if len(buttons) != len(b.m.Stations) {
			t.Fatalf("%s: %d incident buttons, want %d:\n%s", lang.name, len(buttons), len(b.m.Stations), body)
		}
		seen := map[string]bool{}
		for _, m := range buttons {
			name := strings.Join(strings.Fields(tagRE.ReplaceAllString(m[1], "")), " ")
			if !strings.HasPrefix(name, lang.resolve+": ") || seen[name] {
				t.Errorf("%s: incident button named %q: want %q and a name of its own", lang.name, name, lang.resolve)
			}
			seen[name] = true
			found := false
			for i := range b.m.Stations {
				found = found || (strings.Contains(name, lang.stationName(i)) && strings.Contains(name, "late-"+strconv.Itoa(i)))
			}
			if !found {
				t.Errorf("%s: incident button %q names neither its station nor its unlock", lang.name, name)
			}
		}

		_, body = op.Get("/operator/bikes/stations/" + st.ID)
		labels := noteLabelRE.FindAllStringSubmatch(body, -1)
		if len(labels) == 0 {
			t.Fatalf("%s: station page without dock notes:\n%s", lang.name, body)
		}
		for _, l := range labels {
			if l[2] != lang.note+l[1] {
				t.Errorf("%s: note of dock %s labelled %q, want %q", lang.name, l[1], l[2], lang.note+l[1])
			}
		}
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
