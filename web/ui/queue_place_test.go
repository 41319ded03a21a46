package ui

import (
	"context"
	"regexp"
	"testing"

	"cityhub/participation"
)

// queuePlace is the place line of a report's row in the staff queue.
var queuePlace = regexp.MustCompile(`(?s)<tr data-report="([^"]+)">.*?</a>(.*?)</td>`)

// The staff queue names a report's place by the parts it has, joined by a
// dot: its contrada and its address, either alone without a separator
// left hanging ("Centro storico · " for a report pinned on the map with
// no address), nothing for a report with neither.
func TestStaffQueueJoinsOnlyThePlacesPartsThere(t *testing.T) {
	env := newPartEnv(t)
	ctx := context.Background()
	citizen, _ := env.account(t, "Carla Citizen", citizenGrant)
	_, staff := env.account(t, "Rita Roads", roadsGrant)
	submit := func(n participation.NewReport) string {
		t.Helper()
		n.Category, n.Description = "pothole", "A deep hole in the road"
		r, err := env.Svc.SubmitReport(ctx, citizen.Caller(), n)
		if err != nil {
			t.Fatal(err)
		}
		return r.ID
	}
	pinned := submit(participation.NewReport{Located: true, Lat: 41.1307, Lon: 14.776})
	both := submit(participation.NewReport{Located: true, Lat: 41.1308, Lon: 14.776, Address: "Corso Garibaldi 12"})
	street := submit(participation.NewReport{Address: "Via Traiano 3"})
	want := map[string]string{
		pinned: `<br><span class="small">Centro storico</span>`,
		both:   `<br><span class="small">Centro storico · Corso Garibaldi 12</span>`,
		street: `<br><span class="small">Via Traiano 3</span>`,
	}
	_, body := staff.Get("/staff/reports?office=roads")
	rows := queuePlace.FindAllStringSubmatch(body, -1)
	if len(rows) != len(want) {
		t.Fatalf("%d rows in the queue, want %d:\n%s", len(rows), len(want), body)
	}
	for _, row := range rows {
		if row[2] != want[row[1]] {
			t.Errorf("report %s: place %q, want %q", row[1], row[2], want[row[1]])
		}
	}
}
