package participation_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/participation"
	"cityhub/store"
	"cityhub/store/storetest"
)

// kinds counts a report's recorded changes by kind, as staff read them.
func (f *fixture) kinds(t *testing.T, id string) map[string]int {
	t.Helper()
	v, err := f.svc.Report(context.Background(), roads, id)
	must(t, err)
	out := map[string]int{}
	for _, ch := range v.Changes {
		out[ch.Kind]++
	}
	return out
}

// A redaction that changes nothing (showing a report never hidden, hiding
// a hidden one) records nothing and moves nothing, where each recorded a
// change its reporter read as "personal data hidden or shown" and moved
// the updated time Open311 clients sync by. It is answered as the first
// was, with the report as it stands: a second member of staff acting on a
// page read before the first one acted is not refused. A real change
// after it is recorded as before.
func TestRedactionThatChangesNothingRecordsNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		other := identity.Caller{AccountID: "acc_roads_two", Name: "Second roads staff", Grants: []identity.Grant{{Role: identity.RoleCityStaff, Scope: "roads"}}}
		r := f.report(t, anna, pothole(archLat, archLon))
		created := r.UpdatedAt

		f.clock.Add(time.Hour)
		got, err := f.svc.Redact(ctx, roads, r.ID, false)
		must(t, err)
		if got.Redacted || !got.UpdatedAt.Equal(created) {
			t.Fatalf("a report never hidden shown again: redacted %v, updated at %v; want shown, left at %v", got.Redacted, got.UpdatedAt, created)
		}
		if k := f.kinds(t, r.ID); k[participation.ChangeRedacted] != 0 {
			t.Fatalf("changes after showing a report never hidden: %v; want no redaction", k)
		}
		if pr, _ := f.svc.PublicReport(ctx, r.ID); !pr.UpdatedAt.Equal(created) {
			t.Fatalf("public updated at %v; want it left at %v", pr.UpdatedAt, created)
		}

		f.clock.Add(time.Hour)
		hiddenAt := f.clock.Now()
		for _, who := range []identity.Caller{roads, other, roads} {
			got, err := f.svc.Redact(ctx, who, r.ID, true)
			must(t, err)
			if !got.Redacted || !got.UpdatedAt.Equal(hiddenAt) {
				t.Fatalf("hidden by %s: redacted %v, updated at %v; want hidden at %v", who.AccountID, got.Redacted, got.UpdatedAt, hiddenAt)
			}
			f.clock.Add(time.Minute)
		}
		if k := f.kinds(t, r.ID); k[participation.ChangeRedacted] != 1 {
			t.Fatalf("changes after three hidings: %v; want one redaction", k)
		}
		if got := f.audited(t, "report.redact", r.ID); len(got) != 1 || got[0].ActorID != roads.AccountID {
			t.Fatalf("audit of three hidings: %+v; want the first alone", got)
		}

		f.clock.Add(time.Hour)
		got, err = f.svc.Redact(ctx, other, r.ID, false)
		must(t, err)
		if got.Redacted || !got.UpdatedAt.Equal(f.clock.Now()) {
			t.Fatalf("shown again: %+v; want shown, updated now", got)
		}
		if k := f.kinds(t, r.ID); k[participation.ChangeRedacted] != 2 {
			t.Fatalf("changes after showing it again: %v; want two redactions", k)
		}
	})
}

// Two members of staff hiding one report at once: it is hidden once, one
// change and one audit entry recorded, and both are answered with it
// hidden. Many reports, each raced, so that the redactions overlap for
// real.
func TestRedactionOnceUnderARace(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		for i := range 16 {
			r := f.report(t, anna, pothole(archLat, archLon))
			ok, errs := race(2, func() error {
				got, err := f.svc.Redact(ctx, roads, r.ID, true)
				if err == nil && !got.Redacted {
					err = fmt.Errorf("answered %+v, not hidden", got)
				}
				return err
			})
			if ok != 2 {
				t.Fatalf("report %d: redactions failed: %v", i, errs)
			}
			if k := f.kinds(t, r.ID); k[participation.ChangeRedacted] != 1 {
				t.Fatalf("report %d hidden twice at once, recorded %d times", i, k[participation.ChangeRedacted])
			}
			if got := f.audited(t, "report.redact", r.ID); len(got) != 1 {
				t.Fatalf("report %d hidden twice at once, audited %d times", i, len(got))
			}
		}
	})
}

// photoReport makes a report of anna's with n photos and gives their ids.
func photoReport(t *testing.T, f *fixture, n int) (participation.Report, []string) {
	t.Helper()
	nr := pothole(archLat, archLon)
	jpeg := []byte{0xff, 0xd8, 0xff, 0xd9}
	for range n {
		nr.Photos = append(nr.Photos, participation.Photo{Width: 1, Height: 1, Image: jpeg, Thumbnail: jpeg})
	}
	r := f.report(t, anna, nr)
	v, err := f.svc.Report(context.Background(), roads, r.ID)
	must(t, err)
	var ids []string
	for _, p := range v.Photos {
		ids = append(ids, p.ID)
	}
	return r, ids
}

// Moderating a photo into the state it has (approving an approved photo,
// hiding a hidden one) changes and records nothing, where each approval
// added a "photo checked" to the report's history; the moderation is
// answered as the first was. A real change after it is recorded.
func TestPhotoModerationThatChangesNothingRecordsNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		r, photos := photoReport(t, f, 2)
		f.clock.Add(time.Hour)
		approvedAt := f.clock.Now()
		for range 4 {
			must(t, f.svc.ModeratePhoto(ctx, roads, photos[0], participation.PhotoApproved))
			f.clock.Add(time.Minute)
		}
		for range 3 {
			must(t, f.svc.ModeratePhoto(ctx, admin, photos[1], participation.PhotoHidden))
		}
		if k := f.kinds(t, r.ID); k[participation.ChangePhoto] != 2 {
			t.Fatalf("changes after four approvals of one photo and three hidings of another: %v; want two photo changes", k)
		}
		if got := f.audited(t, "report.photo", ""); len(got) != 2 {
			t.Fatalf("audit of the moderations: %+v; want two entries", got)
		}
		if pr, _ := f.svc.PublicReport(ctx, r.ID); !pr.UpdatedAt.Equal(approvedAt) || len(pr.PhotoIDs) != 1 {
			t.Fatalf("public report: updated at %v, photos %v; want %v and the approved one", pr.UpdatedAt, pr.PhotoIDs, approvedAt)
		}

		must(t, f.svc.ModeratePhoto(ctx, roads, photos[0], participation.PhotoHidden))
		if k := f.kinds(t, r.ID); k[participation.ChangePhoto] != 3 {
			t.Fatalf("changes after hiding the approved photo: %v; want three photo changes", k)
		}
	})
}

// Two members of staff approving one photo at once: one change and one
// audit entry recorded, both answered as an approval is. Many photos,
// each raced.
func TestPhotoModerationOnceUnderARace(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		for i := range 16 {
			r, photos := photoReport(t, f, 1)
			ok, errs := race(2, func() error { return f.svc.ModeratePhoto(ctx, roads, photos[0], participation.PhotoApproved) })
			if ok != 2 {
				t.Fatalf("photo %d: approvals failed: %v", i, errs)
			}
			if k := f.kinds(t, r.ID); k[participation.ChangePhoto] != 1 {
				t.Fatalf("photo %d approved twice at once, recorded %d times", i, k[participation.ChangePhoto])
			}
			if got := f.audited(t, "report.photo", photos[0]); len(got) != 1 {
				t.Fatalf("photo %d approved twice at once, audited %d times", i, len(got))
			}
		}
	})
}
