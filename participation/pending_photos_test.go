package participation_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/participation"
	"cityhub/store"
	"cityhub/store/storetest"
)

// withPhotos is n with count photos, as the photo package gives them.
func withPhotos(n participation.NewReport, count int) participation.NewReport {
	jpeg := []byte{0xff, 0xd8, 0xff, 0xd9}
	for range count {
		n.Photos = append(n.Photos, participation.Photo{Width: 1, Height: 1, Image: jpeg, Thumbnail: jpeg})
	}
	return n
}

// pendingOf is the ids of the photos of the reports that are pending, in
// the list's order: oldest first, the id breaking ties (a report's photos
// share their time).
func pendingOf(t *testing.T, f *fixture, reports ...participation.Report) []string {
	t.Helper()
	var ps []participation.Photo
	for _, r := range reports {
		v, err := f.svc.Report(context.Background(), admin, r.ID)
		must(t, err)
		for _, p := range v.Photos {
			if p.State == participation.PhotoPending {
				ps = append(ps, p)
			}
		}
	}
	slices.SortFunc(ps, func(a, b participation.Photo) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	return ids
}

// The photos awaiting moderation are read a page at a time, oldest first,
// each page after the last photo of the one before, where the list was
// the oldest MaxListLimit (the staff page the oldest 100) with no way past
// them. Paged two at a time, with a report's three photos (of one time)
// split between pages, every pending photo of the office comes once: a
// photo approved since its page was read still marks where the next page
// starts, and one approved before its page is read is left out. Another
// office's photos are not listed to the office's staff, and are to an
// administrator. A cursor that is no photo is bad_cursor, a page size
// outside 1 to MaxListLimit bad_limit.
func TestPendingPhotosPaged(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		var roadsReports []participation.Report
		for _, count := range []int{1, 3, 2, 1} {
			f.clock.Add(time.Minute)
			roadsReports = append(roadsReports, f.report(t, anna, withPhotos(pothole(archLat, archLon), count)))
		}
		f.clock.Add(time.Minute)
		green := withPhotos(pothole(archLat, archLon), 2)
		green.Category = "green"
		parksReport := f.report(t, bruno, green)
		f.clock.Add(time.Minute)
		last := f.report(t, anna, withPhotos(pothole(archLat, archLon), 1))
		roadsReports = append(roadsReports, last)
		// A photo approved and one hidden before the list is read are not
		// in it.
		moderated := pendingOf(t, f, last)
		must(t, f.svc.ModeratePhoto(ctx, roads, moderated[0], participation.PhotoHidden))
		shown := pendingOf(t, f, roadsReports[0])
		must(t, f.svc.ModeratePhoto(ctx, roads, shown[0], participation.PhotoApproved))

		want := pendingOf(t, f, roadsReports...)
		if len(want) != 6 {
			t.Fatalf("%d pending photos of the roads office, want 6", len(want))
		}
		page := func(c identity.Caller, after string, limit int) []string {
			t.Helper()
			ps, err := f.svc.PendingPhotos(ctx, c, after, limit)
			must(t, err)
			ids := []string{}
			for _, p := range ps {
				if p.State != participation.PhotoPending {
					t.Fatalf("photo %s listed %s, want pending", p.ID, p.State)
				}
				ids = append(ids, p.ID)
			}
			return ids
		}
		if got := page(roads, "", 0); !slices.Equal(got, want) {
			t.Fatalf("a page of the default size: %v, want %v", got, want)
		}

		first := page(roads, "", 2)
		if !slices.Equal(first, want[:2]) {
			t.Fatalf("first page: %v, want %v", first, want[:2])
		}
		// The first page's last photo is approved: the next page still
		// starts after it. A photo of a later page is approved before that
		// page is read: it is no longer pending and not listed.
		must(t, f.svc.ModeratePhoto(ctx, roads, first[1], participation.PhotoApproved))
		must(t, f.svc.ModeratePhoto(ctx, roads, want[4], participation.PhotoApproved))
		second := page(roads, first[1], 2)
		if !slices.Equal(second, want[2:4]) {
			t.Fatalf("second page: %v, want %v", second, want[2:4])
		}
		third := page(roads, second[1], 2)
		if !slices.Equal(third, want[5:]) {
			t.Fatalf("last page: %v, want %v", third, want[5:])
		}
		if got := page(roads, third[0], 2); len(got) != 0 {
			t.Fatalf("after the last photo: %v, want none", got)
		}
		seen := slices.Concat(first, second, third)
		slices.Sort(seen)
		if len(slices.Compact(seen)) != len(first)+len(second)+len(third) {
			t.Fatalf("a photo listed twice: %v, %v, %v", first, second, third)
		}

		if got := page(parks, "", 0); !slices.Equal(got, pendingOf(t, f, parksReport)) {
			t.Fatalf("the parks office's photos: %v, want its report's", got)
		}
		if got, all := page(admin, "", 0), pendingOf(t, f, append(roadsReports, parksReport)...); !slices.Equal(got, all) {
			t.Fatalf("an administrator's list: %v, want every office's %v", got, all)
		}

		_, err := f.svc.PendingPhotos(ctx, roads, "pho_missing", 2)
		wantCode(t, "a cursor that is no photo", err, apperr.Invalid, "bad_cursor")
		for _, limit := range []int{-1, participation.MaxListLimit + 1} {
			_, err = f.svc.PendingPhotos(ctx, roads, "", limit)
			wantCode(t, fmt.Sprintf("limit %d", limit), err, apperr.Invalid, "bad_limit")
		}
	})
}

// The reports queue shows how many photos wait for the office's staff: a
// count, beyond MaxListLimit too, where the page loaded up to 1,000 of
// them to count them and said 1,000 of a longer list. It counts pending
// photos only, of the caller's offices (every office for an
// administrator). The rows are written directly, a report's three photos
// at a time, in one transaction.
func TestPendingPhotoCount(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		green := pothole(archLat, archLon)
		green.Category = "green"
		// Reports made by the service give the rows their shape.
		roadsReport := f.report(t, anna, withPhotos(pothole(archLat, archLon), 1))
		parksReport := f.report(t, bruno, withPhotos(green, 2))
		const roadsPending = participation.MaxListLimit + 2
		jpeg := []byte{0xff, 0xd8, 0xff, 0xd9}
		must(t, db.Participation().InTx(ctx, func(tx participation.Tx) error {
			// One pending photo already; the others up to three to a
			// report.
			r := roadsReport
			for i := range roadsPending - 1 {
				pos := i % participation.MaxPhotos
				if pos == 0 {
					r.ID, r.Token = fmt.Sprintf("rep_count%04d", i), fmt.Sprintf("tok_count%04d", i)
					if err := tx.InsertReport(ctx, r); err != nil {
						return err
					}
				}
				p := participation.Photo{ID: fmt.Sprintf("pho_count%04d", i), ReportID: r.ID, Position: pos,
					State: participation.PhotoPending, Width: 1, Height: 1, Image: jpeg, Thumbnail: jpeg, CreatedAt: r.CreatedAt}
				if err := tx.InsertPhoto(ctx, p); err != nil {
					return err
				}
			}
			return nil
		}))
		count := func(c identity.Caller) int {
			t.Helper()
			n, err := f.svc.PendingPhotoCount(ctx, c)
			must(t, err)
			return n
		}
		if n := count(roads); n != roadsPending {
			t.Fatalf("the roads office's pending photos: %d, want %d", n, roadsPending)
		}
		if n := count(parks); n != 2 {
			t.Fatalf("the parks office's pending photos: %d, want 2", n)
		}
		if n := count(admin); n != roadsPending+2 {
			t.Fatalf("every office's pending photos: %d, want %d", n, roadsPending+2)
		}
		// Approved and hidden photos are not counted.
		ps := pendingOf(t, f, parksReport)
		must(t, f.svc.ModeratePhoto(ctx, parks, ps[0], participation.PhotoApproved))
		must(t, f.svc.ModeratePhoto(ctx, parks, ps[1], participation.PhotoHidden))
		if n, all := count(parks), count(admin); n != 0 || all != roadsPending {
			t.Fatalf("after the parks office's photos were moderated: %d of its own, %d in all; want 0, %d", n, all, roadsPending)
		}
	})
}
