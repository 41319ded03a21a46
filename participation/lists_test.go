package participation_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"cityhub/participation"
	"cityhub/store"
	"cityhub/store/storetest"
)

// More than MaxListLimit of anything is not cut silently: the proposals
// awaiting an answer are a query of their own (oldest first, paged), so
// one older than the newest thousand proposals is still listed; a person's
// export holds every report; "my reports" pages.
func TestListsBeyondAThousand(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		start := f.clock.Now()
		n := participation.MaxListLimit + 1
		var oldest string
		must(t, db.Participation().InTx(ctx, func(tx participation.Tx) error {
			for i := range n {
				at := start.Add(time.Duration(i) * time.Second)
				r := participation.Report{ID: fmt.Sprintf("rep_%05d", i), Token: fmt.Sprintf("tok_%05d", i), Category: "pothole",
					OfficeID: "roads", Located: true, Lat: archLat, Lon: archLon, Description: "A deep pothole.", ReporterID: anna.AccountID,
					Status: participation.StatusOpen, Source: "web", Locale: "it", CreatedAt: at, UpdatedAt: at}
				if err := tx.InsertReport(ctx, r); err != nil {
					return err
				}
				// The oldest proposal waits for an answer; the thousand
				// after it collect supports.
				p := participation.Proposal{ID: fmt.Sprintf("prp_%05d", i), AuthorID: bruno.AccountID, Title: "A proposal",
					Body: "A proposal for the city.", Threshold: 100, CreatedAt: at}
				if i == 0 || i == 2 {
					p.SupportCount = 100
				}
				if i == 2 {
					p.Answer, p.AnsweredAt, p.AnsweredBy = "Done.", at, admin.AccountID
				}
				if i == 0 {
					oldest = p.ID
				}
				if err := tx.InsertProposal(ctx, p); err != nil {
					return err
				}
			}
			return nil
		}))

		waiting, err := f.svc.AwaitingAnswer(ctx, admin, "", 0)
		must(t, err)
		if len(waiting) != 1 || waiting[0].ID != oldest {
			t.Fatalf("awaiting an answer: %d proposals, want only %s", len(waiting), oldest)
		}
		if more, err := f.svc.AwaitingAnswer(ctx, admin, oldest, 10); err != nil || len(more) != 0 {
			t.Fatalf("the page after the last: %v, %v", more, err)
		}

		ex, err := f.svc.Export(ctx, anna)
		must(t, err)
		if len(ex.Reports) != n {
			t.Fatalf("the export holds %d reports, want %d", len(ex.Reports), n)
		}

		seen := map[string]bool{}
		before := ""
		for {
			page, err := f.svc.MyReports(ctx, anna, before, 400)
			must(t, err)
			if len(page) == 0 {
				break
			}
			for _, r := range page {
				if seen[r.ID] {
					t.Fatalf("%s listed twice", r.ID)
				}
				seen[r.ID] = true
			}
			before = page[len(page)-1].ID
		}
		if len(seen) != n {
			t.Fatalf("my reports paged through %d, want %d", len(seen), n)
		}
	})
}
