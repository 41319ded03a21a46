package participation_test

import (
	"context"
	"strings"
	"testing"

	"cityhub/mail"
	"cityhub/store"
	"cityhub/store/storetest"
)

// A report merged into another told its reporter so, linking only to their
// own report's page, where nothing happens any more: the e-mail links the
// report it went into too, where the problem's progress shows.
func TestMergeEmailLinksTheReportItWentInto(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		mine := f.report(t, anna, pothole(archLat, archLon))
		twin := f.report(t, bruno, pothole(nearArchLat, nearArchLon))
		if _, err := f.svc.Merge(ctx, roads, mine.ID, twin.ID, ""); err != nil {
			t.Fatal(err)
		}
		var got []mail.Message
		for _, m := range f.outbox(t) {
			if m.Kind == mail.KindReportStatus && m.To == anna.Email {
				got = append(got, m)
			}
		}
		link := "/reports/" + twin.ID
		if len(got) != 1 || !strings.Contains(got[0].Text, "Il problema si segue ora dalla segnalazione in cui è stata unita: ") ||
			!strings.Contains(got[0].Text, link) || !strings.Contains(got[0].HTML, link+`"`) || !strings.Contains(got[0].Text, "/reports/"+mine.ID) {
			t.Fatalf("the merge's e-mail %+v, want links to %s and to the reporter's own report", got, link)
		}
	})
}
