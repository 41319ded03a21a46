package participation_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/participation"
	"cityhub/store"
	"cityhub/store/storetest"
)

// A list refuses (bad_cursor) a cursor it never gave the caller: a citizen's
// own reports another citizen's report, an office's queue another office's
// report, the pending photos of an office's staff a photo of another
// office's report. They paged from where it stood: a citizen got their
// whole list, or learnt where another's report stood among theirs. A
// cursor the list gave still pages on after its report is worked on (the
// queue's, fixed; the citizen's, whatever its status), and an
// administrator's photos are every office's.
func TestListsRefuseACursorTheyNeverGave(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		mine := []participation.Report{}
		for range 3 {
			f.clock.Add(time.Minute)
			mine = append(mine, f.report(t, anna, withPhotos(pothole(archLat, archLon), 1)))
		}
		f.clock.Add(time.Minute)
		green := withPhotos(pothole(archLat, archLon), 1)
		green.Category = "green"
		others := f.report(t, bruno, green)
		ids := func(rs []participation.Report) []string {
			out := []string{}
			for _, r := range rs {
				out = append(out, r.ID)
			}
			return out
		}

		_, err := f.svc.MyReports(ctx, anna, others.ID, 10)
		wantCode(t, "anna's reports after bruno's", err, apperr.Invalid, "bad_cursor")
		got, err := f.svc.MyReports(ctx, anna, mine[2].ID, 10)
		must(t, err)
		if want := ids([]participation.Report{mine[1], mine[0]}); !slices.Equal(ids(got), want) {
			t.Fatalf("anna's reports before her newest: %v, want %v", ids(got), want)
		}

		_, err = f.svc.Queue(ctx, roads, "roads", others.ID, 10)
		wantCode(t, "the roads queue after a parks report", err, apperr.Invalid, "bad_cursor")
		_, err = f.svc.Queue(ctx, admin, "roads", others.ID, 10)
		wantCode(t, "an administrator's roads queue after a parks report", err, apperr.Invalid, "bad_cursor")
		if _, err := f.svc.ChangeStatus(ctx, roads, mine[0].ID, participation.StatusFixed, "Filled."); err != nil {
			t.Fatal(err)
		}
		got, err = f.svc.Queue(ctx, roads, "roads", mine[0].ID, 10)
		must(t, err)
		if want := ids(mine[1:]); !slices.Equal(ids(got), want) {
			t.Fatalf("the roads queue after a report fixed since: %v, want %v", ids(got), want)
		}

		parksPhoto := pendingOf(t, f, others)[0]
		_, err = f.svc.PendingPhotos(ctx, roads, parksPhoto, 10)
		wantCode(t, "the roads office's photos after a parks photo", err, apperr.Invalid, "bad_cursor")
		if _, err := f.svc.PendingPhotos(ctx, parks, parksPhoto, 10); err != nil {
			t.Fatalf("the parks office's photos after its own: %v", err)
		}
		if _, err := f.svc.PendingPhotos(ctx, admin, pendingOf(t, f, mine[1])[0], 10); err != nil {
			t.Fatalf("an administrator's photos after a roads photo: %v", err)
		}
	})
}

// The moderators' lists refuse (bad_cursor) a cursor they never gave, as
// one naming no comment, where any comment paged them from where it stood:
// the queue a comment no one flagged, the hidden comments one never
// hidden. A comment a list gave still pages on once moderated: one kept
// or hidden since it was queued, one shown again since it was hidden.
func TestModerationListsRefuseACursorTheyNeverGave(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p := proposal(t, f, anna, 0)
		comment := func(body string) string {
			t.Helper()
			f.clock.Add(time.Minute)
			cm, err := f.svc.AddComment(ctx, carla, p.ID, body)
			must(t, err)
			return cm.ID
		}
		plain, flagged, kept, hidden, shown := comment("A fair remark"), comment("A rude remark"),
			comment("Sharp but fair"), comment("Words that cross the line"), comment("Hidden by mistake")
		lastFlagged, lastHidden := comment("Another rude remark"), comment("More words that cross the line")
		for _, id := range []string{flagged, kept, hidden, lastFlagged} {
			must(t, f.svc.FlagComment(ctx, bruno, id, "rude"))
		}
		must(t, f.svc.ModerateComment(ctx, admin, kept, participation.CommentVisible))
		for _, id := range []string{hidden, shown, lastHidden} {
			must(t, f.svc.ModerateComment(ctx, admin, id, participation.CommentHidden))
		}
		if _, err := f.svc.ShowComment(ctx, admin, shown); err != nil {
			t.Fatal(err)
		}
		ids := func(cs []participation.Comment) []string {
			out := []string{}
			for _, cm := range cs {
				out = append(out, cm.ID)
			}
			return out
		}
		for _, l := range []struct {
			name   string
			read   func(context.Context, identity.Caller, string, int) ([]participation.Comment, error)
			gave   []string // cursors the list gave, after each of which the last comment follows
			last   string
			refuse []string
		}{
			{"the queue", f.svc.FlaggedComments, []string{flagged, kept, hidden}, lastFlagged, []string{plain, shown}},
			{"the hidden comments", f.svc.HiddenComments, []string{hidden, shown}, lastHidden, []string{plain, flagged, kept}},
		} {
			for _, cursor := range l.gave {
				got, err := l.read(ctx, admin, cursor, 10)
				must(t, err)
				if want := []string{l.last}; !slices.Equal(ids(got), want) {
					t.Errorf("%s after %s: %v, want %v", l.name, cursor, ids(got), want)
				}
			}
			for _, cursor := range l.refuse {
				_, err := l.read(ctx, admin, cursor, 10)
				wantCode(t, l.name+" after a comment it never gave", err, apperr.Invalid, "bad_cursor")
			}
		}
	})
}

// The public list of reports, filtered, refuses (bad_cursor) a cursor it
// never gave, as one naming no report, where any report paged it from
// where it stood: a report of another category or contrada, one outside
// the dates or ids asked for, one that never had a status asked for. A
// report the list gave still pages on once its status moved on (fixed and
// reopened, in the fixed ones; fixed, in the open ones); unfiltered, the
// list takes any report.
func TestPublicListRefusesACursorOutsideItsFilters(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		report := func(c identity.Caller, category string, lat, lon float64) participation.Report {
			t.Helper()
			f.clock.Add(time.Minute)
			n := pothole(lat, lon)
			n.Category = category
			return f.report(t, c, n)
		}
		oldest := report(anna, "pothole", archLat, archLon)
		reopened := report(anna, "pothole", archLat, archLon)
		neverFixed := report(bruno, "pothole", archLat, archLon)
		green := report(bruno, "green", archLat, archLon)
		station := report(carla, "pothole", stationLat, stationLon)
		if station.Contrada == oldest.Contrada {
			t.Fatalf("the station and the arch share contrada %q", station.Contrada)
		}
		for _, id := range []string{oldest.ID, reopened.ID} {
			if _, err := f.svc.ChangeStatus(ctx, roads, id, participation.StatusFixed, "Filled."); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.svc.Reopen(ctx, anna, reopened.ID, "Still there."); err != nil {
			t.Fatal(err)
		}
		ids := func(rs []participation.PublicReport) []string {
			out := []string{}
			for _, r := range rs {
				out = append(out, r.ID)
			}
			return out
		}
		fixed, open := []string{participation.StatusFixed}, []string{participation.StatusOpen}
		for _, c := range []struct {
			name   string
			filter participation.PublicFilter
			want   []string // nil: refused
		}{
			{"the fixed ones after one fixed and reopened", participation.PublicFilter{Statuses: fixed, Before: reopened.ID}, []string{oldest.ID}},
			{"the fixed ones after one never fixed", participation.PublicFilter{Statuses: fixed, Before: neverFixed.ID}, nil},
			{"the open ones after one fixed since", participation.PublicFilter{Statuses: open, Before: oldest.ID}, []string{}},
			{"the potholes after a green report", participation.PublicFilter{Categories: []string{"pothole"}, Before: green.ID}, nil},
			{"the green reports after a pothole", participation.PublicFilter{Categories: []string{"green"}, Before: neverFixed.ID}, nil},
			{"the potholes after a pothole", participation.PublicFilter{Categories: []string{"pothole"}, Before: neverFixed.ID}, []string{reopened.ID, oldest.ID}},
			{"the arch's contrada after a report at the station", participation.PublicFilter{Contrada: oldest.Contrada, Before: station.ID}, nil},
			{"the arch's contrada after one of its reports", participation.PublicFilter{Contrada: oldest.Contrada, Before: green.ID}, []string{neverFixed.ID, reopened.ID, oldest.ID}},
			{"two reports after a third", participation.PublicFilter{IDs: []string{oldest.ID, reopened.ID}, Before: neverFixed.ID}, nil},
			{"two reports after one of them", participation.PublicFilter{IDs: []string{oldest.ID, reopened.ID}, Before: reopened.ID}, []string{oldest.ID}},
			{"reports since one after an older one", participation.PublicFilter{Since: neverFixed.CreatedAt, Before: reopened.ID}, nil},
			{"reports until one after a newer one", participation.PublicFilter{Until: reopened.CreatedAt, Before: neverFixed.ID}, nil},
			{"reports in a span after one in it", participation.PublicFilter{Since: oldest.CreatedAt, Until: reopened.CreatedAt, Before: reopened.ID}, []string{oldest.ID}},
			{"every report after a green one", participation.PublicFilter{Before: green.ID}, []string{neverFixed.ID, reopened.ID, oldest.ID}},
		} {
			got, err := f.svc.PublicReports(ctx, c.filter)
			if c.want == nil {
				if apperr.CodeOf(err) != apperr.Invalid || apperr.ReasonOf(err) != "bad_cursor" {
					t.Errorf("%s: %v, %v; want bad_cursor", c.name, ids(got), err)
				}
				continue
			}
			if err != nil || !slices.Equal(ids(got), c.want) {
				t.Errorf("%s: %v, %v; want %v", c.name, ids(got), err, c.want)
			}
		}
	})
}

// The proposals awaiting an answer refuse (bad_cursor) a proposal that
// never reached its threshold, which the list never gave, as one naming no
// proposal, where it paged the list from where it stood; one the list gave
// still pages on once answered.
func TestAwaitingAnswerRefusesACursorItNeverGave(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		city := anna
		city.Grants = append([]identity.Grant{{Role: identity.RoleAdmin}}, anna.Grants...)
		made := func(supported bool) string {
			t.Helper()
			f.clock.Add(time.Minute)
			p := proposal(t, f, city, 1)
			if supported {
				if _, _, err := f.svc.Support(ctx, bruno, p.ID); err != nil {
					t.Fatal(err)
				}
			}
			return p.ID
		}
		answered, collecting, answeredEarly, waiting := made(true), made(false), made(false), made(true)
		for _, id := range []string{answered, answeredEarly} {
			if _, err := f.svc.Answer(ctx, admin, id, "We will see to it."); err != nil {
				t.Fatal(err)
			}
		}
		got, err := f.svc.AwaitingAnswer(ctx, admin, answered, 10)
		if err != nil || len(got) != 1 || got[0].ID != waiting {
			t.Fatalf("awaiting an answer after one answered since: %+v, %v; want %s alone", got, err, waiting)
		}
		for _, cursor := range []string{collecting, answeredEarly} {
			_, err := f.svc.AwaitingAnswer(ctx, admin, cursor, 10)
			wantCode(t, "awaiting an answer after a proposal that never reached its threshold", err, apperr.Invalid, "bad_cursor")
		}
	})
}
