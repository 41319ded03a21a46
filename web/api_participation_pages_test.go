package web

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"testing"

	"cityhub/identity"
	"cityhub/participation"
	"cityhub/store/storetest"
)

// participationLists are the paged lists of participation's API, each
// with the member its items are under and who reads it.
type participationList struct {
	name, path, member, auth string
	most                     int // the largest ?limit=
}

// walkList reads l from the start, limit items a page, following
// next_cursor, and returns each page's item ids and the next_cursor each
// page gave.
func walkList(t *testing.T, env *testEnv, l participationList, limit int) (pages [][]string, nexts []string) {
	t.Helper()
	for cursor := ""; ; {
		if len(pages) > 20 {
			t.Fatalf("%s: the pages do not end", l.name)
		}
		path := l.path + "limit=" + strconv.Itoa(limit) + "&cursor=" + url.QueryEscape(cursor)
		var page map[string]json.RawMessage
		decodeInto(t, wantOK(t, env.do(t, "GET", path, l.auth, "")), &page)
		var items []struct{ ID string }
		var next *string
		if err := json.Unmarshal(page[l.member], &items); err != nil {
			t.Fatalf("%s: %s: %v", l.name, page[l.member], err)
		}
		if err := json.Unmarshal(page["next_cursor"], &next); err != nil || next == nil {
			t.Fatalf("%s: next_cursor %s (%v), want a string", l.name, page["next_cursor"], err)
		}
		var ids []string
		for _, it := range items {
			ids = append(ids, it.ID)
		}
		pages, nexts = append(pages, ids), append(nexts, *next)
		if *next == "" {
			return pages, nexts
		}
		cursor = *next
	}
}

// TestParticipationListsEndWithoutAnEmptyPage: every paged list of
// participation's API whose items fill its last page exactly gives an
// empty next_cursor on that page, rather than a cursor to an empty page;
// with one item more, the same page names its last item and the next
// page holds the one more. A page of the largest limit ends the list
// too: the lists do not ask the service for more than it gives.
func TestParticipationListsEndWithoutAnEmptyPage(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			var svc *participation.Service
			_, env := newTestServer(t, engine, func(env *testEnv, d *Deps) {
				withParticipation(env, d)
				// One support makes a proposal await the city's answer.
				s, err := participation.NewService(env.DB.Participation(), participation.Settings{APIKeyCost: identity.FastArgon2, SupportThreshold: 1}, d.Log)
				if err != nil {
					t.Fatal(err)
				}
				d.Participation.Service, svc = s, s
			})
			ctx := t.Context()
			citizenOf := func(a identity.Account) identity.Caller {
				return identity.Caller{AccountID: a.ID, Name: a.Name, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
			}
			authorAcc, author := env.account(t, identity.RoleCitizen)
			supporterAcc, _ := env.account(t, identity.RoleCitizen)
			_, staff := env.account(t, identity.RoleCityStaff, "roads")
			adminAcc, admin := env.account(t, identity.RoleAdmin)
			moderator := identity.Caller{AccountID: adminAcc.ID, Name: adminAcc.Name, Grants: []identity.Grant{{Role: identity.RoleAdmin}}}

			// The proposal the comments are on is one of the proposals.
			target, err := svc.CreateProposal(ctx, citizenOf(authorAcc), participation.NewProposal{Title: "Benches by the river", Body: "Benches along the river walk, please."})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := svc.Support(ctx, citizenOf(supporterAcc), target.ID); err != nil {
				t.Fatal(err)
			}
			n := 1
			// more adds one item to every list.
			more := func() {
				t.Helper()
				// A report with a photo, which waits for the office's staff.
				jpeg := []byte{0xff, 0xd8, 0xff, 0xd9}
				if _, err := svc.SubmitReport(ctx, citizenOf(authorAcc), participation.NewReport{Category: "pothole", Located: true, Lat: 41.1307, Lon: 14.776,
					Description: fmt.Sprintf("Hole number %d here.", n), Photos: []participation.Photo{{Width: 1, Height: 1, Image: jpeg, Thumbnail: jpeg}}}); err != nil {
					t.Fatal(err)
				}
				// A flagged comment, still one of the proposal's comments and
				// one in the moderators' queue.
				flagged, err := svc.AddComment(ctx, citizenOf(supporterAcc), target.ID, fmt.Sprintf("Comment number %d.", n))
				if err != nil {
					t.Fatal(err)
				}
				if err := svc.FlagComment(ctx, citizenOf(authorAcc), flagged.ID, "rude"); err != nil {
					t.Fatal(err)
				}
				// A hidden comment, which the proposal's comments leave out.
				hidden, err := svc.AddComment(ctx, citizenOf(supporterAcc), target.ID, fmt.Sprintf("Rude comment number %d.", n))
				if err != nil {
					t.Fatal(err)
				}
				if err := svc.ModerateComment(ctx, moderator, hidden.ID, participation.CommentHidden); err != nil {
					t.Fatal(err)
				}
				if n > 1 { // the target is the first proposal
					p, err := svc.CreateProposal(ctx, citizenOf(authorAcc), participation.NewProposal{Title: fmt.Sprintf("Proposal %d", n), Body: "Trees along the avenue, please."})
					if err != nil {
						t.Fatal(err)
					}
					if _, _, err := svc.Support(ctx, citizenOf(supporterAcc), p.ID); err != nil {
						t.Fatal(err)
					}
				}
				n++
			}
			lists := []participationList{
				{"public reports", "/api/v1/reports?", "reports", "", participation.MaxListLimit},
				{"my reports", "/api/v1/me/reports?", "reports", author, participation.MaxListLimit},
				{"the office's queue", "/api/v1/staff/queue?", "reports", staff, participation.MaxListLimit},
				{"photos awaiting moderation", "/api/v1/staff/photos?", "photos", staff, participation.MaxListLimit},
				{"proposals", "/api/v1/proposals?", "proposals", "", participation.MaxListLimit},
				{"awaiting proposals", "/api/v1/admin/proposals/awaiting?", "proposals", admin, participation.MaxListLimit},
				{"comments", "/api/v1/proposals/" + target.ID + "/comments?", "comments", "", participation.MaxCommentPage},
				{"hidden comments", "/api/v1/admin/comments/hidden?", "comments", admin, participation.MaxListLimit},
				{"flagged comments", "/api/v1/admin/comments/flagged?", "comments", admin, participation.MaxListLimit},
			}
			for range 4 {
				more()
			}
			for _, l := range lists {
				pages, nexts := walkList(t, env, l, 2)
				if len(pages) != 2 || len(pages[0]) != 2 || len(pages[1]) != 2 || nexts[0] != pages[0][1] {
					t.Errorf("%s, four items two a page: pages %v, next cursors %q; want two full pages, the last without a next", l.name, pages, nexts)
				}
				if pages, nexts := walkList(t, env, l, l.most); len(pages) != 1 || len(pages[0]) != 4 || nexts[0] != "" {
					t.Errorf("%s, four items, limit %d: pages %v, next cursors %q; want one page", l.name, l.most, pages, nexts)
				}
			}
			more()
			for _, l := range lists {
				pages, nexts := walkList(t, env, l, 2)
				if len(pages) != 3 || len(pages[1]) != 2 || nexts[1] != pages[1][1] || len(pages[2]) != 1 || slices.Contains(pages[0], pages[2][0]) {
					t.Errorf("%s, five items two a page: pages %v, next cursors %q; want two full pages and one of the fifth", l.name, pages, nexts)
				}
			}
		})
	}
}
