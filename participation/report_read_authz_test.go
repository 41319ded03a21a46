package participation_test

import (
	"context"
	"testing"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/participation"
	"cityhub/store"
	"cityhub/store/storetest"
)

// A report whole (its reporter's name and e-mail, what staff hid from the
// public, its history, its pending photos) is its reporter's and its
// office's. Staff of another office asking for it are refused 403
// not_your_office, as when they act on it, where they were told it did not
// exist (report_not_found): anyone may read the report as the public does,
// so its existence is no secret, and the refusal says what is so. A
// citizen who is not its reporter is answered as for a report that does
// not exist, as Reopen answers them. StaffReport, the office's working
// view, is for its office's staff alone: not for the reporter, nor for a
// member of staff who reported another office's report.
func TestReportWholeIsItsReporterAndOfficeOnly(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		r := f.report(t, anna, pothole(archLat, archLon))
		both := identity.Caller{AccountID: anna.AccountID, Name: anna.Name, Grants: []identity.Grant{{Role: identity.RoleCitizen}, {Role: identity.RoleCityStaff, Scope: "parks"}}}

		_, err := f.svc.Report(ctx, parks, r.ID)
		wantCode(t, "read by staff of another office", err, apperr.Forbidden, "not_your_office")
		for _, c := range []identity.Caller{bruno, nobody} {
			_, err := f.svc.Report(ctx, c, r.ID)
			wantCode(t, "read by "+c.AccountID, err, apperr.NotFound, "report_not_found")
		}
		_, err = f.svc.Report(ctx, parks, "rep_nope")
		wantCode(t, "a missing report read by staff", err, apperr.NotFound, "report_not_found")
		for _, c := range []identity.Caller{anna, both, roads, admin} {
			if v, err := f.svc.Report(ctx, c, r.ID); err != nil || v.Report.ID != r.ID {
				t.Fatalf("read by %s: %+v, %v", c.AccountID, v.Report, err)
			}
		}

		for _, c := range []identity.Caller{roads, admin} {
			if v, err := f.svc.StaffReport(ctx, c, r.ID); err != nil || v.Report.ID != r.ID || len(v.Changes) == 0 || v.Changes[0].ActorID != anna.AccountID {
				t.Fatalf("the office's view for %s: %+v, %v", c.AccountID, v, err)
			}
		}
		for _, c := range []identity.Caller{parks, both} {
			_, err := f.svc.StaffReport(ctx, c, r.ID)
			wantCode(t, "the office's view for "+c.AccountID, err, apperr.Forbidden, "not_your_office")
		}
		for _, c := range []identity.Caller{anna, bruno, nobody} {
			_, err := f.svc.StaffReport(ctx, c, r.ID)
			wantCode(t, "the office's view for "+c.AccountID, err, apperr.Forbidden, "not_office_staff")
		}
		_, err = f.svc.StaffReport(ctx, roads, "rep_nope")
		wantCode(t, "the office's view of a missing report", err, apperr.NotFound, "report_not_found")

		if !participation.WorksOffice(roads, r.OfficeID) || !participation.WorksOffice(admin, r.OfficeID) ||
			participation.WorksOffice(parks, r.OfficeID) || participation.WorksOffice(anna, r.OfficeID) {
			t.Fatal("WorksOffice disagrees with who works the roads office")
		}
	})
}
