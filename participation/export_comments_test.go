package participation_test

import (
	"context"
	"encoding/json"
	"testing"

	"cityhub/participation"
	"cityhub/store"
	"cityhub/store/storetest"
)

// A comment two others flagged is in its author's export as everyone sees
// it, visible, and once hidden as hidden; its JSON has no flag count and
// no flags at all (not a 0 standing for the two), while the moderators'
// queue counts both.
func TestExportCommentsWithoutFlags(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p := proposal(t, f, anna, 0)
		cm, err := f.svc.AddComment(ctx, carla, p.ID, "Chi non è d'accordo non capisce nulla.")
		must(t, err)
		must(t, f.svc.FlagComment(ctx, anna, cm.ID, "Offende"))
		must(t, f.svc.FlagComment(ctx, bruno, cm.ID, ""))
		queue, err := f.svc.FlaggedComments(ctx, admin, "", 0)
		must(t, err)
		if len(queue) != 1 || queue[0].ID != cm.ID || queue[0].State != participation.CommentFlagged || queue[0].FlagCount != 2 {
			t.Fatalf("the moderators' queue: %+v; want the comment flagged twice", queue)
		}

		exported := func(want string) {
			t.Helper()
			ex, err := f.svc.Export(ctx, carla)
			must(t, err)
			doc, err := json.Marshal(ex)
			must(t, err)
			var got struct {
				Comments []map[string]json.RawMessage `json:"comments"`
			}
			must(t, json.Unmarshal(doc, &got))
			if len(got.Comments) != 1 {
				t.Fatalf("carla's export holds %d comments, want 1:\n%s", len(got.Comments), doc)
			}
			c := got.Comments[0]
			if string(c["id"]) != `"`+cm.ID+`"` || string(c["state"]) != `"`+want+`"` {
				t.Fatalf("carla's comment in her export: %s; want state %q", doc, want)
			}
			for _, k := range []string{"flag_count", "flags"} {
				if v, ok := c[k]; ok {
					t.Fatalf("carla's exported comment has %s %s:\n%s", k, v, doc)
				}
			}
		}
		exported(participation.CommentVisible)
		must(t, f.svc.ModerateComment(ctx, admin, cm.ID, participation.CommentHidden))
		exported(participation.CommentHidden)
	})
}
