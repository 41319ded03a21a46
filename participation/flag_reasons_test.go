package participation_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/participation"
	"cityhub/store"
	"cityhub/store/storetest"
)

// The moderators' queue gives each comment the reasons its flaggers gave,
// oldest first, so that an administrator decides on them; a reason left
// out is there as "", and flags dismissed by keeping a comment are gone.
func TestFlaggedCommentsCarryTheirReasons(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p := proposal(t, f, anna, 0)
		first, err := f.svc.AddComment(ctx, carla, p.ID, "Sharp words, but fair")
		must(t, err)
		second, err := f.svc.AddComment(ctx, anna, p.ID, "Buy my watches")
		must(t, err)
		quiet, err := f.svc.AddComment(ctx, bruno, p.ID, "Agreed")
		must(t, err)
		t0 := f.clock.Now()
		must(t, f.svc.FlagComment(ctx, bruno, first.ID, "Insults another citizen"))
		f.clock.Add(time.Minute)
		must(t, f.svc.FlagComment(ctx, anna, first.ID, ""))
		f.clock.Add(time.Minute)
		must(t, f.svc.FlagComment(ctx, carla, second.ID, "Advertising"))

		queue, err := f.svc.FlaggedComments(ctx, admin, "", 0)
		must(t, err)
		want := map[string][]participation.CommentFlag{
			first.ID:  {{Reason: "Insults another citizen", At: t0}, {Reason: "", At: t0.Add(time.Minute)}},
			second.ID: {{Reason: "Advertising", At: t0.Add(2 * time.Minute)}},
		}
		if len(queue) != len(want) {
			t.Fatalf("queue: %+v; want %d comments", queue, len(want))
		}
		for _, cm := range queue {
			w, ok := want[cm.ID]
			if !ok || cm.ID == quiet.ID {
				t.Fatalf("queue holds %s, which nobody flagged", cm.ID)
			}
			if len(cm.Flags) != len(w) {
				t.Fatalf("%s: flags %+v; want %+v", cm.ID, cm.Flags, w)
			}
			for i := range w {
				if cm.Flags[i].Reason != w[i].Reason || !cm.Flags[i].At.Equal(w[i].At) {
					t.Errorf("%s: flag %d is %+v; want %+v", cm.ID, i, cm.Flags[i], w[i])
				}
			}
		}

		// Kept visible, the first comment's flags are dismissed; flagged
		// again, the queue gives only the new reason.
		must(t, f.svc.ModerateComment(ctx, admin, first.ID, participation.CommentVisible))
		must(t, f.svc.FlagComment(ctx, anna, first.ID, "Still insulting"))
		queue, err = f.svc.FlaggedComments(ctx, admin, "", 0)
		must(t, err)
		for _, cm := range queue {
			if cm.ID == first.ID && (len(cm.Flags) != 1 || cm.Flags[0].Reason != "Still insulting") {
				t.Errorf("after the keep and a new flag: %+v; want only the new reason", cm.Flags)
			}
		}
	})
}

// A flag's reason refused, too long or holding control characters, is one
// refusal (bad_reason) that gives the limit the check enforces, so that
// the flag form's words, which name both, take the number from it; the
// reason with control characters gave no number, and the words wrote
// 1,000 whatever the limit.
func TestFlagReasonRefusalGivesTheLimit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p := proposal(t, f, anna, 0)
		cm, err := f.svc.AddComment(ctx, carla, p.ID, "Sharp words")
		must(t, err)
		for name, reason := range map[string]string{
			"too long":           strings.Repeat("a", participation.MaxNoteLen+1),
			"control characters": "Insults\u0085everyone",
		} {
			err := f.svc.FlagComment(ctx, bruno, cm.ID, reason)
			wantCode(t, name, err, apperr.Invalid, "bad_reason")
			if args := apperr.ArgsOf(err); fmt.Sprint(args) != fmt.Sprint([]any{participation.MaxNoteLen}) {
				t.Errorf("%s: the refusal gives %v, want the limit %d", name, args, participation.MaxNoteLen)
			}
		}
		if queue, err := f.svc.FlaggedComments(ctx, admin, "", 0); err != nil || len(queue) != 0 {
			t.Fatalf("refused flags: the queue is %+v (%v), want empty", queue, err)
		}
	})
}
