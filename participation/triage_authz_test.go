package participation_test

import (
	"context"
	"strings"
	"testing"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/participation"
	"cityhub/store"
	"cityhub/store/storetest"
)

// Someone who works no office is refused every triage operation before
// anything they sent is read or any report looked up: for a missing
// report, a bad status or a bad state the answer is still Forbidden, so
// the service alone decides and the JSON API needs no role check of its own.
func TestTriageRefusesNonStaffFirst(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		for _, c := range []identity.Caller{anna, nobody} {
			_, err := f.svc.ChangeStatus(ctx, c, "rep_nope", "nonsense", "")
			wantCode(t, "status by "+c.AccountID, err, apperr.Forbidden, "not_office_staff")
			_, err = f.svc.Merge(ctx, c, "rep_nope", "rep_nope", "")
			wantCode(t, "merge by "+c.AccountID, err, apperr.Forbidden, "not_office_staff")
			_, err = f.svc.Redact(ctx, c, "rep_nope", true)
			wantCode(t, "redact by "+c.AccountID, err, apperr.Forbidden, "not_office_staff")
			err = f.svc.ModeratePhoto(ctx, c, "pho_nope", "nonsense")
			wantCode(t, "photo by "+c.AccountID, err, apperr.Forbidden, "not_office_staff")
			_, err = f.svc.NearbyReports(ctx, c, "rep_nope")
			wantCode(t, "nearby by "+c.AccountID, err, apperr.Forbidden, "not_office_staff")
			_, err = f.svc.PendingPhotos(ctx, c, "", 10)
			wantCode(t, "pending photos by "+c.AccountID, err, apperr.Forbidden, "not_office_staff")
			_, err = f.svc.PendingPhotoCount(ctx, c)
			wantCode(t, "pending photo count by "+c.AccountID, err, apperr.Forbidden, "not_office_staff")
			_, err = f.svc.Queue(ctx, c, "nowhere", "", 10)
			wantCode(t, "queue by "+c.AccountID, err, apperr.Forbidden, "not_office_staff")
			_, err = f.svc.QueueOffice(c, "")
			wantCode(t, "queue office of "+c.AccountID, err, apperr.Forbidden, "not_office_staff")
		}
		// Staff of one office may leave the office out; an administrator or
		// staff of several offices say which.
		if o, err := f.svc.QueueOffice(roads, ""); err != nil || o != "roads" {
			t.Fatalf("queue office of roads staff = %q, %v", o, err)
		}
		if o, err := f.svc.QueueOffice(admin, "parks"); err != nil || o != "parks" {
			t.Fatalf("queue office named by an administrator = %q, %v", o, err)
		}
		both := identity.Caller{AccountID: "acc_both", Grants: []identity.Grant{{Role: identity.RoleCityStaff, Scope: "roads"}, {Role: identity.RoleCityStaff, Scope: "parks"}}}
		for _, c := range []identity.Caller{admin, both} {
			_, err := f.svc.QueueOffice(c, "")
			wantCode(t, "queue office of "+c.AccountID, err, apperr.Invalid, "office_required")
		}
	})
}

// Staff asking for another office's queue are refused in words about
// that queue; a report of another office is refused in words about the
// report.
func TestQueueOfAnotherOfficeSaysQueue(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		_, err := f.svc.Queue(ctx, parks, "roads", "", 10)
		wantCode(t, "queue of another office", err, apperr.Forbidden, "not_your_office")
		if msg := apperr.MessageOf(err); !strings.Contains(msg, "queue") || strings.Contains(msg, "report") {
			t.Fatalf("queue of another office refused as %q", msg)
		}
		r := f.report(t, anna, pothole(archLat, archLon))
		_, err = f.svc.ChangeStatus(ctx, parks, r.ID, participation.StatusAcknowledged, "")
		wantCode(t, "report of another office", err, apperr.Forbidden, "not_your_office")
		if msg := apperr.MessageOf(err); !strings.Contains(msg, "report") {
			t.Fatalf("report of another office refused as %q", msg)
		}
	})
}
