package participation_test

import (
	"context"
	"maps"
	"testing"

	"cityhub/participation"
	"cityhub/store"
	"cityhub/store/storetest"
)

// The titles of several proposals are read together, by id, each once
// however many times it is asked for; an id that is no proposal is left
// out, and no ids read nothing.
func TestProposalTitles(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		benches, err := f.svc.CreateProposal(ctx, anna, participation.NewProposal{Title: "Benches by the river", Body: "Benches along the river walk, please."})
		must(t, err)
		trees, err := f.svc.CreateProposal(ctx, bruno, participation.NewProposal{Title: "Trees on Viale Mellusi", Body: "Plane trees along the avenue, for shade."})
		must(t, err)
		if _, err := f.svc.CreateProposal(ctx, carla, participation.NewProposal{Title: "A fountain in the square", Body: "A drinking fountain in Piazza Roma, please."}); err != nil {
			t.Fatal(err)
		}

		got, err := f.svc.ProposalTitles(ctx, []string{trees.ID, benches.ID, "prp_nosuch", trees.ID})
		must(t, err)
		if want := map[string]string{benches.ID: benches.Title, trees.ID: trees.Title}; !maps.Equal(got, want) {
			t.Fatalf("titles %v, want %v", got, want)
		}
		for _, none := range [][]string{nil, {}} {
			if got, err := f.svc.ProposalTitles(ctx, none); err != nil || got == nil || len(got) != 0 {
				t.Fatalf("the titles of no proposals: %v, %v; want an empty map", got, err)
			}
		}
	})
}
