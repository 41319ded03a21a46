package participation_test

import (
	"context"
	"testing"

	"cityhub/apperr"
	"cityhub/participation"
	"cityhub/store"
	"cityhub/store/storetest"
)

// ReportProblems names every field SubmitReport would refuse, in the
// form's order, the first being SubmitReport's own refusal; a report it
// finds nothing in is taken.
func TestReportProblemsNamesEveryField(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		for _, c := range []struct {
			what    string
			n       participation.NewReport
			reasons []string
		}{
			{"nothing right", participation.NewReport{Category: "nope", Description: "ab"}, []string{"unknown_category", "no_location", "bad_description"}},
			{"half a position", participation.NewReport{Category: "pothole", Located: true, Lat: archLat, Description: "ab"}, []string{"bad_location", "bad_description"}},
			{"outside the city", participation.NewReport{Category: "pothole", Located: true, Lat: 40.85, Lon: 14.27, Description: "A hole in the road."}, []string{"outside_city"}},
			{"an address of control characters", participation.NewReport{Category: "pothole", Address: "Via\x07", Description: "A hole in the road."}, []string{"bad_address"}},
			{"fine", pothole(archLat, archLon), nil},
		} {
			got := f.svc.ReportProblems(c.n)
			if len(got) != len(c.reasons) {
				t.Fatalf("%s: %v; want %v", c.what, got, c.reasons)
			}
			for i, reason := range c.reasons {
				if apperr.ReasonOf(got[i]) != reason || apperr.CodeOf(got[i]) != apperr.Invalid {
					t.Errorf("%s: problem %d is %v; want %s", c.what, i, got[i], reason)
				}
			}
			_, err := f.svc.SubmitReport(ctx, anna, c.n)
			switch {
			case len(c.reasons) == 0 && err != nil:
				t.Errorf("%s: refused: %v", c.what, err)
			case len(c.reasons) > 0 && apperr.ReasonOf(err) != c.reasons[0]:
				t.Errorf("%s: SubmitReport refused with %v; want the first problem, %s", c.what, err, c.reasons[0])
			}
		}
	})
}

// ProposalProblems names both a wrong title and a wrong text, the first
// being CreateProposal's refusal.
func TestProposalProblemsNamesBothFields(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		n := participation.NewProposal{Title: " ", Body: "x"}
		got := f.svc.ProposalProblems(n)
		if len(got) != 2 || apperr.ReasonOf(got[0]) != "bad_title" || apperr.ReasonOf(got[1]) != "bad_body" {
			t.Fatalf("problems of an empty proposal: %v; want bad_title, bad_body", got)
		}
		if _, err := f.svc.CreateProposal(context.Background(), anna, n); apperr.ReasonOf(err) != "bad_title" {
			t.Fatalf("CreateProposal: %v; want bad_title", err)
		}
		if got := f.svc.ProposalProblems(participation.NewProposal{Title: "More benches", Body: "Benches along the river walk, please."}); len(got) != 0 {
			t.Fatalf("problems of a good proposal: %v", got)
		}
	})
}
