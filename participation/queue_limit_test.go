package participation_test

import (
	"context"
	"fmt"
	"testing"

	"cityhub/apperr"
	"cityhub/participation"
	"cityhub/store"
	"cityhub/store/storetest"
)

// The queue's page size is refused outside 0 to MaxListLimit (bad_limit),
// as the other lists' is, where a negative one or one past the maximum
// was read as MaxListLimit; 0 still reads MaxListLimit. Whoever may not
// read the queue is refused for that first.
func TestQueueRefusesABadLimit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		first := f.report(t, anna, pothole(archLat, archLon))
		second := f.report(t, bruno, pothole(nearArchLat, nearArchLon))
		for _, limit := range []int{-1, -participation.MaxListLimit, participation.MaxListLimit + 1} {
			q, err := f.svc.Queue(ctx, roads, "roads", "", limit)
			if q != nil {
				t.Errorf("limit %d: %d reports answered with the refusal", limit, len(q))
			}
			wantCode(t, fmt.Sprintf("limit %d", limit), err, apperr.Invalid, "bad_limit")
		}
		_, err := f.svc.Queue(ctx, parks, "roads", "", -1)
		wantCode(t, "another office's queue with a bad limit", err, apperr.Forbidden, "")
		for limit, want := range map[int][]string{0: {first.ID, second.ID}, participation.MaxListLimit: {first.ID, second.ID}, 1: {first.ID}} {
			q, err := f.svc.Queue(ctx, roads, "roads", "", limit)
			if err != nil || len(q) != len(want) {
				t.Fatalf("limit %d: %+v, %v; want %v", limit, q, err, want)
			}
			for i, id := range want {
				if q[i].ID != id {
					t.Errorf("limit %d: report %d is %s, want %s", limit, i, q[i].ID, id)
				}
			}
		}
	})
}
