package participation_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/mail"
	"cityhub/participation"
	"cityhub/store"
	"cityhub/store/storetest"
)

// A report goes open → acknowledged → in_progress → fixed; every change is
// recorded with its actor and note and timed; the reporter is e-mailed on
// each change in their language; the reporter reopens it within the period
// and not after.
func TestReportLifecycle(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		r := f.report(t, bruno, pothole(archLat, archLon))
		if r.Status != participation.StatusOpen || r.OfficeID != "roads" || r.Contrada != "centro-storico" || r.ReporterID != bruno.AccountID {
			t.Fatalf("new report %+v", r)
		}
		steps := []struct {
			status, note string
			after        time.Duration
		}{
			{participation.StatusAcknowledged, "Seen, thank you.", 2 * time.Hour},
			{participation.StatusInProgress, "A crew is on its way.", 22 * time.Hour},
			{participation.StatusFixed, "Filled <b>today</b>.", 24 * time.Hour},
		}
		for _, st := range steps {
			f.clock.Add(st.after)
			got, err := f.svc.ChangeStatus(ctx, roads, r.ID, st.status, st.note)
			if err != nil || got.Status != st.status || got.StatusNote != st.note {
				t.Fatalf("ChangeStatus %s = %+v, %v", st.status, got, err)
			}
		}
		v, err := f.svc.Report(ctx, roads, r.ID)
		must(t, err)
		if len(v.Changes) != 4 || v.Changes[3].ActorID != roads.AccountID || v.Changes[3].From != participation.StatusInProgress ||
			v.Changes[3].To != participation.StatusFixed || v.Changes[3].Note != "Filled <b>today</b>." {
			t.Fatalf("changes %+v", v.Changes)
		}
		if v.Timing.ToAcknowledge != 2*time.Hour || v.Timing.ToFix != 48*time.Hour {
			t.Fatalf("timing %+v", v.Timing)
		}
		msgs := f.outbox(t)
		if len(msgs) != 4 {
			t.Fatalf("%d e-mails, want the receipt and one per change: %+v", len(msgs), msgs)
		}
		// The oldest acknowledges the report as it was made.
		if got := msgs[3]; got.Kind != mail.KindReportReceived || got.To != bruno.Email || got.Locale != "en" ||
			got.Subject != "Report received: “Pothole”" || !strings.Contains(got.Text, "/reports/"+r.ID) {
			t.Fatalf("receipt %+v", got)
		}
		m := msgs[0] // newest: fixed
		if m.Kind != mail.KindReportStatus || m.To != bruno.Email || m.Locale != "en" || m.AccountID != bruno.AccountID ||
			m.Subject != "Your report “Pothole”: fixed" || !strings.Contains(m.Text, "Filled <b>today</b>.") ||
			!strings.Contains(m.HTML, "Filled &lt;b&gt;today&lt;/b&gt;.") || !strings.Contains(m.Text, "/reports/"+r.ID) {
			t.Fatalf("e-mail %+v", m)
		}

		// A fixed report goes back only by its reporter's reopening.
		_, err = f.svc.ChangeStatus(ctx, roads, r.ID, participation.StatusInProgress, "")
		wantCode(t, "staff move a fixed report", err, apperr.Conflict, "bad_transition")
		_, err = f.svc.Reopen(ctx, anna, r.ID, "Still there")
		wantCode(t, "someone else reopens", err, apperr.NotFound, "report_not_found")
		_, err = f.svc.Reopen(ctx, bruno, r.ID, "  ")
		wantCode(t, "reopen without a reason", err, apperr.Invalid, "reason_required")
		f.clock.Add(29 * 24 * time.Hour)
		got, err := f.svc.Reopen(ctx, bruno, r.ID, "The hole opened again after the rain.")
		if err != nil || got.Status != participation.StatusOpen {
			t.Fatalf("Reopen = %+v, %v", got, err)
		}
		if n := len(f.outbox(t)); n != 4 {
			t.Fatalf("the reporter was e-mailed about their own reopening (%d e-mails)", n)
		}
		// Fixed again, then past the period: too late.
		_, err = f.svc.ChangeStatus(ctx, admin, r.ID, participation.StatusFixed, "Filled again.")
		must(t, err)
		f.clock.Add(31 * 24 * time.Hour)
		_, err = f.svc.Reopen(ctx, bruno, r.ID, "Again!")
		wantCode(t, "reopen too late", err, apperr.Conflict, "reopen_too_late")
	})
}

// Who may do what with a report.
func TestReportAuthorization(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		_, err := f.svc.SubmitReport(ctx, roads, pothole(archLat, archLon))
		wantCode(t, "staff submit", err, apperr.Forbidden, "not_citizen")
		_, err = f.svc.SubmitReport(ctx, nobody, pothole(archLat, archLon))
		wantCode(t, "anonymous submit", err, apperr.Forbidden, "not_citizen")
		r := f.report(t, anna, pothole(archLat, archLon))
		for _, c := range []identity.Caller{parks, bruno, nobody} {
			_, err := f.svc.ChangeStatus(ctx, c, r.ID, participation.StatusAcknowledged, "")
			wantCode(t, "change by "+c.AccountID, err, apperr.Forbidden, "")
			if c.AccountID != parks.AccountID {
				_, err = f.svc.Report(ctx, c, r.ID)
				wantCode(t, "read by "+c.AccountID, err, apperr.NotFound, "report_not_found")
			}
			_, err = f.svc.Redact(ctx, c, r.ID, true)
			wantCode(t, "redact by "+c.AccountID, err, apperr.Forbidden, "")
			_, err = f.svc.Queue(ctx, c, "roads", "", 10)
			wantCode(t, "queue of "+c.AccountID, err, apperr.Forbidden, "")
		}
		for _, c := range []identity.Caller{anna, roads, admin} {
			if _, err := f.svc.Report(ctx, c, r.ID); err != nil {
				t.Fatalf("read by %s: %v", c.AccountID, err)
			}
		}
		if _, err := f.svc.Queue(ctx, admin, "parks", "", 10); err != nil {
			t.Fatalf("admin sees every office: %v", err)
		}
		_, err = f.svc.Queue(ctx, admin, "nowhere", "", 10)
		wantCode(t, "unknown office", err, apperr.NotFound, "office_not_found")
		_, err = f.svc.ChangeStatus(ctx, roads, r.ID, participation.StatusRejected, "")
		wantCode(t, "reject without reason", err, apperr.Invalid, "reason_required")
		_, err = f.svc.ChangeStatus(ctx, roads, r.ID, participation.StatusDuplicate, "")
		wantCode(t, "duplicate without merge", err, apperr.Invalid, "bad_status")
		_, err = f.svc.ChangeStatus(ctx, roads, r.ID, "closed", "")
		wantCode(t, "unknown status", err, apperr.Invalid, "bad_status")
		got, err := f.svc.ChangeStatus(ctx, roads, r.ID, participation.StatusRejected, "Private road: not the city's.")
		if err != nil || got.Status != participation.StatusRejected {
			t.Fatalf("reject = %+v, %v", got, err)
		}
		_, err = f.svc.ChangeStatus(ctx, roads, r.ID, participation.StatusAcknowledged, "")
		wantCode(t, "change a rejected report", err, apperr.Conflict, "bad_transition")
		_, err = f.svc.ChangeStatus(ctx, roads, "rep_missing", participation.StatusAcknowledged, "")
		wantCode(t, "missing report", err, apperr.NotFound, "report_not_found")
	})
}

// A city the prime meridian crosses takes a point on it: a zero
// coordinate is read as one left out only where the city is not.
func TestReportOnZeroMeridian(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		cat := participation.DefaultCatalogue()
		cat.City = participation.Box{MinLat: 51.45, MinLon: -0.05, MaxLat: 51.50, MaxLon: 0.05}
		for i := range cat.Contrade {
			cat.Contrade[i].Lat, cat.Contrade[i].Lon = 51.48, 0
		}
		svc, err := participation.NewService(db.Participation(), participation.Settings{Catalogue: cat, APIKeyCost: identity.FastArgon2}, nil)
		must(t, err)
		r, err := svc.SubmitReport(context.Background(), anna, pothole(51.4779, 0))
		if err != nil || !r.Located || r.Lon != 0 {
			t.Fatalf("a point on the meridian: %+v, %v", r, err)
		}
		_, err = svc.SubmitReport(context.Background(), anna, pothole(0, 0))
		wantCode(t, "no point", err, apperr.Invalid, "bad_location")
	})
}

// What a person sends is checked: the category, the place inside the
// city, the lengths, the characters; HTML is kept as typed.
func TestReportValidation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		for name, tc := range map[string]struct {
			edit   func(n *participation.NewReport)
			reason string
		}{
			"unknown category": {func(n *participation.NewReport) { n.Category = "ufo" }, "unknown_category"},
			"outside the city": {func(n *participation.NewReport) { n.Lat, n.Lon = naplesLat, naplesLon }, "outside_city"},
			// A coordinate left out (JSON and forms give it as 0), or one
			// that is no number of degrees, is named as such, not taken
			// for a place outside the city.
			"no point":         {func(n *participation.NewReport) { n.Lat, n.Lon = 0, 0 }, "bad_location"},
			"no longitude":     {func(n *participation.NewReport) { n.Lon = 0 }, "bad_location"},
			"no latitude":      {func(n *participation.NewReport) { n.Lat = 0 }, "bad_location"},
			"NaN latitude":     {func(n *participation.NewReport) { n.Lat = math.NaN() }, "bad_location"},
			"NaN longitude":    {func(n *participation.NewReport) { n.Lon = math.NaN() }, "bad_location"},
			"infinite":         {func(n *participation.NewReport) { n.Lat = math.Inf(1) }, "bad_location"},
			"-infinite":        {func(n *participation.NewReport) { n.Lon = math.Inf(-1) }, "bad_location"},
			"past the pole":    {func(n *participation.NewReport) { n.Lat = 141.13 }, "bad_location"},
			"past 180":         {func(n *participation.NewReport) { n.Lon = 194.78 }, "bad_location"},
			"other hemisphere": {func(n *participation.NewReport) { n.Lat, n.Lon = -archLat, -archLon }, "outside_city"},
			"no place":         {func(n *participation.NewReport) { n.Located = false }, "no_location"},
			"short":            {func(n *participation.NewReport) { n.Description = " hi " }, "bad_description"},
			"long": {func(n *participation.NewReport) {
				n.Description = strings.Repeat("é", participation.MaxDescriptionLen+1)
			}, "bad_description"},
			"control chars": {func(n *participation.NewReport) { n.Description = "a hole\x00\x1b[31m here" }, "bad_description"},
			"bad utf-8":     {func(n *participation.NewReport) { n.Description = "a hole \xff\xfe here" }, "bad_description"},
			// An override would show the text in another order than it
			// was written, to the office and in the open data.
			"override":             {func(n *participation.NewReport) { n.Description = "a hole \u202eereh eht" }, "bad_description"},
			"noncharacter address": {func(n *participation.NewReport) { n.Address = "Corso Garibaldi \uffff" }, "bad_address"},
			"long address":         {func(n *participation.NewReport) { n.Address = strings.Repeat("a", participation.MaxAddressLen+1) }, "bad_address"},
			// An address is one line: it heads the staff's lists, the
			// feeds and the e-mails.
			"two-line address": {func(n *participation.NewReport) { n.Address = "Corso Garibaldi 1\nBenevento" }, "bad_address"},
			"four photos": {func(n *participation.NewReport) {
				n.Photos = make([]participation.Photo, 4)
			}, "too_many_photos"},
		} {
			n := pothole(archLat, archLon)
			tc.edit(&n)
			_, err := f.svc.SubmitReport(ctx, anna, n)
			wantCode(t, name, err, apperr.Invalid, tc.reason)
		}
		// A description has lines, its breaks kept as newlines whatever
		// wrote them.
		if r := f.report(t, anna, participation.NewReport{Category: "lighting", Address: "Corso Garibaldi 1",
			Description: "Lamp out\r\n\tsince Monday\rand Tuesday\u2028still\u2029out"}); r.Description != "Lamp out\n\tsince Monday\nand Tuesday\nstill\nout" {
			t.Fatalf("a description of several lines: %q", r.Description)
		}
		// An address alone is enough; it has no contrada.
		r := f.report(t, anna, participation.NewReport{Category: "lighting", Address: "Corso Garibaldi 1", Description: "Lamp out <script>alert(1)</script>"})
		if r.Located || r.Contrada != "" || r.Description != "Lamp out <script>alert(1)</script>" {
			t.Fatalf("address-only report %+v", r)
		}
		p, err := f.svc.PublicReport(ctx, r.ID)
		if err != nil || p.Description != r.Description {
			t.Fatalf("public %+v, %v: HTML must be stored and returned as text", p, err)
		}
	})
}

// The public sees no account, no e-mail, the name only when chosen,
// nothing staff redacted, and photos only once approved.
func TestPublicViewAndPhotoModeration(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		n := pothole(archLat, archLon)
		n.Photos = []participation.Photo{{Width: 4, Height: 3, Image: []byte("jpeg-1"), Thumbnail: []byte("thumb-1")},
			{Width: 4, Height: 3, Image: []byte("jpeg-2"), Thumbnail: []byte("thumb-2")}}
		named := n
		named.PublicName = true
		r := f.report(t, anna, n)
		f.clock.Add(time.Second)
		rn := f.report(t, bruno, named)

		list, err := f.svc.PublicReports(ctx, participation.PublicFilter{})
		must(t, err)
		if len(list) != 2 || list[0].ID != rn.ID || list[0].Name != bruno.Name || list[1].Name != "" || len(list[1].PhotoIDs) != 0 {
			t.Fatalf("public list %+v", list)
		}
		b, _ := json.Marshal(list)
		for _, secret := range []string{anna.Email, bruno.Email, anna.AccountID, bruno.AccountID, anna.Name, "jpeg-1"} {
			if strings.Contains(string(b), secret) {
				t.Fatalf("public list shows %q: %s", secret, b)
			}
		}

		v, err := f.svc.Report(ctx, anna, r.ID)
		must(t, err)
		if len(v.Photos) != 2 || v.Photos[0].State != participation.PhotoPending {
			t.Fatalf("photos %+v", v.Photos)
		}
		p0, p1 := v.Photos[0].ID, v.Photos[1].ID
		_, err = f.svc.PhotoImage(ctx, nobody, p0, false)
		wantCode(t, "pending photo to the public", err, apperr.NotFound, "photo_not_found")
		if img, err := f.svc.PhotoImage(ctx, anna, p0, true); err != nil || string(img) != "thumb-1" {
			t.Fatalf("reporter's own pending thumbnail: %q, %v", img, err)
		}
		err = f.svc.ModeratePhoto(ctx, parks, p0, participation.PhotoApproved)
		wantCode(t, "other office moderates", err, apperr.Forbidden, "")
		err = f.svc.ModeratePhoto(ctx, roads, p0, "shown")
		wantCode(t, "bad state", err, apperr.Invalid, "bad_state")
		pending, err := f.svc.PendingPhotos(ctx, roads, "", 0)
		if err != nil || len(pending) != 4 {
			t.Fatalf("pending photos %d, %v", len(pending), err)
		}
		if pending, err := f.svc.PendingPhotos(ctx, parks, "", 0); err != nil || len(pending) != 0 {
			t.Fatalf("another office's pending photos %d, %v", len(pending), err)
		}
		must(t, f.svc.ModeratePhoto(ctx, roads, p0, participation.PhotoApproved))
		must(t, f.svc.ModeratePhoto(ctx, roads, p1, participation.PhotoHidden))
		if img, err := f.svc.PhotoImage(ctx, nobody, p0, false); err != nil || string(img) != "jpeg-1" {
			t.Fatalf("approved photo to the public: %q, %v", img, err)
		}
		_, err = f.svc.PhotoImage(ctx, nobody, p1, false)
		wantCode(t, "hidden photo to the public", err, apperr.NotFound, "photo_not_found")
		pub, err := f.svc.PublicReport(ctx, r.ID)
		if err != nil || len(pub.PhotoIDs) != 1 || pub.PhotoIDs[0] != p0 {
			t.Fatalf("public photos %+v, %v", pub, err)
		}

		// Staff redact a description with personal data, and the name.
		_, err = f.svc.Redact(ctx, roads, rn.ID, true)
		must(t, err)
		pub, err = f.svc.PublicReport(ctx, rn.ID)
		if err != nil || pub.Description != participation.RedactedText || pub.Name != "" || pub.Address != "" {
			t.Fatalf("redacted public %+v, %v", pub, err)
		}
		if v, _ := f.svc.Report(ctx, bruno, rn.ID); v.Report.Description != n.Description {
			t.Fatalf("the reporter still reads what they wrote: %+v", v.Report)
		}
	})
}

// Staff are offered nearby active reports of the same category to merge
// into; a merge makes a duplicate; a report cannot be merged into a closed
// one or itself. The office's queue is oldest first.
func TestNearbyMergeAndQueue(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		first := f.report(t, anna, pothole(archLat, archLon))
		f.clock.Add(time.Minute)
		near := f.report(t, bruno, pothole(nearArchLat, nearArchLon))
		f.clock.Add(time.Minute)
		far := f.report(t, carla, pothole(stationLat, stationLon))
		f.clock.Add(time.Minute)
		lamp := f.report(t, carla, participation.NewReport{Category: "lighting", Located: true, Lat: nearArchLat, Lon: nearArchLon, Description: "Lamp out here."})
		if far.Contrada != "rione-ferrovia" {
			t.Fatalf("contrada of the station: %q", far.Contrada)
		}

		got, err := f.svc.NearbyReports(ctx, roads, near.ID)
		must(t, err)
		if len(got) != 1 || got[0].Report.ID != first.ID || got[0].Distance < 30 || got[0].Distance > 70 {
			t.Fatalf("nearby %+v", got)
		}
		q, err := f.svc.Queue(ctx, roads, "roads", "", 0)
		if err != nil || len(q) != 3 || q[0].ID != first.ID || q[1].ID != near.ID || q[2].ID != far.ID {
			t.Fatalf("queue %+v, %v", q, err)
		}
		// A page at a time, after the last report of the page before.
		p1, err := f.svc.Queue(ctx, roads, "roads", "", 2)
		if err != nil || len(p1) != 2 || p1[0].ID != first.ID || p1[1].ID != near.ID {
			t.Fatalf("queue's first page %+v, %v", p1, err)
		}
		p2, err := f.svc.Queue(ctx, roads, "roads", p1[1].ID, 2)
		if err != nil || len(p2) != 1 || p2[0].ID != far.ID {
			t.Fatalf("queue's second page %+v, %v", p2, err)
		}
		_, err = f.svc.Queue(ctx, roads, "roads", "rep_nosuch", 2)
		wantCode(t, "a cursor that is no report", err, apperr.Invalid, "bad_cursor")

		_, err = f.svc.Merge(ctx, roads, near.ID, near.ID, "")
		wantCode(t, "merge into itself", err, apperr.Invalid, "same_report")
		_, err = f.svc.Merge(ctx, roads, lamp.ID, first.ID, "")
		wantCode(t, "merge another office's report", err, apperr.Forbidden, "")
		m, err := f.svc.Merge(ctx, roads, near.ID, first.ID, "")
		if err != nil || m.Status != participation.StatusDuplicate || m.MergedInto != first.ID || m.StatusNote != "" {
			t.Fatalf("merge = %+v, %v", m, err)
		}
		_, err = f.svc.ChangeStatus(ctx, roads, far.ID, participation.StatusFixed, "Done.")
		must(t, err)
		_, err = f.svc.Merge(ctx, roads, first.ID, far.ID, "")
		wantCode(t, "merge into a fixed report", err, apperr.Conflict, "merge_target_closed")
		q, _ = f.svc.Queue(ctx, roads, "roads", "", 0)
		if len(q) != 1 || q[0].ID != first.ID {
			t.Fatalf("queue after merge %+v", q)
		}
		if got, _ := f.svc.NearbyReports(ctx, roads, first.ID); len(got) != 0 {
			t.Fatalf("a duplicate is no merge candidate: %+v", got)
		}
	})
}

// The public list pages newest first with a cursor, and filters by
// category, status and contrada.
func TestPublicListPagesAndFilters(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		var made []string
		for i, at := range [][2]float64{{archLat, archLon}, {nearArchLat, nearArchLon}, {stationLat, stationLon}, {archLat, archLon}, {stationLat, stationLon}} {
			f.clock.Add(time.Minute)
			n := pothole(at[0], at[1])
			if i == 3 {
				n.Category = "lighting"
			}
			made = append(made, f.report(t, callers[i%3], n).ID)
		}
		var seen []string
		before := ""
		for {
			page, err := f.svc.PublicReports(ctx, participation.PublicFilter{Limit: 2, Before: before})
			must(t, err)
			if len(page) == 0 {
				break
			}
			for _, p := range page {
				seen = append(seen, p.ID)
			}
			before = page[len(page)-1].ID
		}
		if len(seen) != 5 || seen[0] != made[4] || seen[4] != made[0] {
			t.Fatalf("pages %v, made %v", seen, made)
		}
		for name, tc := range map[string]struct {
			f    participation.PublicFilter
			want int
		}{
			"lighting":       {participation.PublicFilter{Categories: []string{"lighting"}}, 1},
			"rione ferrovia": {participation.PublicFilter{Contrada: "rione-ferrovia"}, 2},
			"fixed":          {participation.PublicFilter{Statuses: []string{participation.StatusFixed}}, 0},
			"open potholes":  {participation.PublicFilter{Categories: []string{"pothole"}, Statuses: participation.ActiveStatuses}, 4},
		} {
			got, err := f.svc.PublicReports(ctx, tc.f)
			if err != nil || len(got) != tc.want {
				t.Errorf("%s: %d, %v; want %d", name, len(got), err, tc.want)
			}
		}
		for name, pf := range map[string]participation.PublicFilter{
			"bad status":   {Statuses: []string{"closed"}},
			"bad category": {Categories: []string{"ufo"}},
			"huge limit":   {Limit: participation.MaxListLimit + 1},
		} {
			_, err := f.svc.PublicReports(ctx, pf)
			wantCode(t, name, err, apperr.Invalid, "")
		}
	})
}

// A reporter's reason for reopening is their own words, which may carry
// personal data staff cannot redact: the public (list, Open311 notes, open
// data) sees a fixed note; the reporter and staff read the reason in the
// change record. A redacted report shows no status note either.
func TestReopenReasonStaysPrivate(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		r := f.report(t, anna, pothole(archLat, archLon))
		_, err := f.svc.ChangeStatus(ctx, roads, r.ID, participation.StatusFixed, "Filled.")
		must(t, err)
		const reason = "Still there: call me, Anna Rossi, 333 1234567."
		_, err = f.svc.Reopen(ctx, anna, r.ID, reason)
		must(t, err)

		p, err := f.svc.PublicReport(ctx, r.ID)
		must(t, err)
		if p.StatusNote != participation.ReopenedNote {
			t.Fatalf("public status note %q, want %q", p.StatusNote, participation.ReopenedNote)
		}
		od, err := f.svc.OpenData(ctx)
		must(t, err)
		var csv bytes.Buffer
		must(t, participation.WriteReportsCSV(&csv, od))
		if strings.Contains(csv.String(), "333 1234567") {
			t.Fatal("the reopening reason is in the open data")
		}
		for _, c := range []identity.Caller{anna, roads} {
			v, err := f.svc.Report(ctx, c, r.ID)
			must(t, err)
			last := v.Changes[len(v.Changes)-1]
			if last.Kind != participation.ChangeReopened || last.Note != reason {
				t.Fatalf("%s reads the last change %+v, want the reason", c.Name, last)
			}
		}

		// Staff note personal data, then redact: the note goes too.
		_, err = f.svc.ChangeStatus(ctx, roads, r.ID, participation.StatusAcknowledged, "Anna Rossi called us again.")
		must(t, err)
		_, err = f.svc.Redact(ctx, roads, r.ID, true)
		must(t, err)
		p, err = f.svc.PublicReport(ctx, r.ID)
		must(t, err)
		if p.StatusNote != "" || p.Description != participation.RedactedText {
			t.Fatalf("redacted report shows %+v", p)
		}
	})
}

// The reporter reads what happened to their report, not which staff
// account did it: the actor of a change reaches staff only, in the view
// and in the reporter's data export.
func TestChangeActorsHiddenFromReporter(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		r := f.report(t, anna, pothole(archLat, archLon))
		_, err := f.svc.ChangeStatus(ctx, roads, r.ID, participation.StatusAcknowledged, "Seen.")
		must(t, err)
		v, err := f.svc.Report(ctx, anna, r.ID)
		must(t, err)
		if v.Changes[0].ActorID != anna.AccountID || v.Changes[1].ActorID != "" {
			t.Fatalf("the reporter reads actors %q and %q", v.Changes[0].ActorID, v.Changes[1].ActorID)
		}
		ex, err := f.svc.Export(ctx, anna)
		must(t, err)
		if b, _ := json.Marshal(ex); strings.Contains(string(b), roads.AccountID) {
			t.Fatalf("the export names the staff account: %s", b)
		}
		for _, c := range []identity.Caller{roads, admin} {
			v, err := f.svc.Report(ctx, c, r.ID)
			must(t, err)
			if v.Changes[1].ActorID != roads.AccountID {
				t.Fatalf("%s reads actor %q", c.Name, v.Changes[1].ActorID)
			}
		}
	})
}

// A merge closes a report in favour of another: the other must be one the
// caller works too, and of the same category. The suggestions of nearby
// reports come only from the caller's offices (a report keeps the office
// its category had, so one category can span offices after the catalogue
// changed) and carry nothing personal.
func TestMergeTargetAndNearbyAreTheCallersOwn(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		mine := f.report(t, anna, pothole(archLat, archLon))
		sign := f.report(t, bruno, participation.NewReport{Category: "signage", Located: true, Lat: nearArchLat, Lon: nearArchLon,
			Description: "A stop sign knocked down."})
		lamp := f.report(t, carla, participation.NewReport{Category: "lighting", Located: true, Lat: nearArchLat, Lon: nearArchLon,
			Description: "Lamp out here."})

		_, err := f.svc.Merge(ctx, roads, mine.ID, lamp.ID, "")
		wantCode(t, "merge into another office's report", err, apperr.Forbidden, "merge_other_office")
		_, err = f.svc.Merge(ctx, roads, mine.ID, sign.ID, "")
		wantCode(t, "merge into another category", err, apperr.Conflict, "merge_other_category")
		_, err = f.svc.Merge(ctx, admin, mine.ID, lamp.ID, "")
		wantCode(t, "an administrator merges across categories", err, apperr.Conflict, "merge_other_category")

		// Potholes went to the parks office for a while.
		cat := participation.DefaultCatalogue()
		for i, k := range cat.Categories {
			if k.Code == "pothole" {
				cat.Categories[i].OfficeID = "parks"
			}
		}
		old, err := participation.NewService(db.Participation(), participation.Settings{Catalogue: cat}, nil)
		must(t, err)
		theirs, err := old.SubmitReport(ctx, bruno, participation.NewReport{Category: "pothole", Located: true, Lat: nearArchLat, Lon: nearArchLon,
			Description: "Another deep pothole.", PublicName: false})
		must(t, err)
		twin := f.report(t, carla, pothole(nearArchLat, nearArchLon))
		got, err := f.svc.NearbyReports(ctx, roads, mine.ID)
		must(t, err)
		if len(got) != 1 || got[0].Report.ID != twin.ID {
			t.Fatalf("roads staff are offered %+v, want only %s (not the parks office's %s)", got, twin.ID, theirs.ID)
		}
		if b, _ := json.Marshal(got); strings.Contains(string(b), carla.Name) || strings.Contains(string(b), carla.AccountID) {
			t.Fatalf("a suggestion names its reporter: %s", b)
		}
		_, err = f.svc.Merge(ctx, roads, mine.ID, theirs.ID, "")
		wantCode(t, "merge into the parks office's pothole", err, apperr.Forbidden, "merge_other_office")
		if got, err := f.svc.NearbyReports(ctx, admin, mine.ID); err != nil || len(got) != 2 {
			t.Fatalf("an administrator is offered %+v, %v; want both", got, err)
		}
	})
}

// A reporter whose account has no address of its own (a SPID/CIE account's
// placeholder) is not e-mailed about their report: the message would go to
// an address that is no one's and fail for an administrator to see.
func TestNoReportMailToAPlaceholderAddress(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		spid := identity.Caller{AccountID: "acc_spid", Email: "rssmra85t10a562s" + identity.PlaceholderEmailDomain, Name: "Mario Rossi", Locale: "it",
			Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
		if err := db.Identity().InTx(ctx, func(tx identity.Tx) error {
			return tx.InsertAccount(ctx, identity.Account{ID: spid.AccountID, Email: spid.Email, Name: spid.Name, Locale: "it",
				PasswordHash: "x", Grants: spid.Grants, CreatedAt: f.clock.Now()})
		}); err != nil {
			t.Fatal(err)
		}
		r := f.report(t, spid, pothole(archLat, archLon))
		if _, err := f.svc.ChangeStatus(ctx, roads, r.ID, participation.StatusAcknowledged, "Seen."); err != nil {
			t.Fatal(err)
		}
		if msgs := f.outbox(t); len(msgs) != 0 {
			t.Fatalf("e-mails to a placeholder address: %+v", msgs)
		}
	})
}

// A reopening's reason is refused in its own words for each way it is
// wrong: none written, too long, or holding characters the reporter cannot
// see; the report stays fixed. At the limit, and with the marks that mixed
// scripts need, it is taken.
func TestReopenReasonRefusals(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		r := f.report(t, anna, pothole(archLat, archLon))
		_, err := f.svc.ChangeStatus(ctx, roads, r.ID, participation.StatusFixed, "Filled.")
		must(t, err)
		for reason, want := range map[string]string{
			"":       "reason_required",
			" \n\t ": "reason_required",
			strings.Repeat("a", participation.MaxNoteLen+1):     "reason_too_long",
			strings.Repeat("è", participation.MaxNoteLen) + "!": "reason_too_long",
			"Still there \u202egniht":                           "reason_invisible_characters",
			"Still there\u2066 again":                           "reason_invisible_characters",
			"Still there\x07":                                   "reason_invisible_characters",
		} {
			_, err := f.svc.Reopen(ctx, anna, r.ID, reason)
			wantCode(t, fmt.Sprintf("reopen with %q", reason), err, apperr.Invalid, want)
		}
		v, err := f.svc.Report(ctx, anna, r.ID)
		if err != nil || v.Report.Status != participation.StatusFixed {
			t.Fatalf("report after refused reopenings: %+v, %v; want fixed", v.Report, err)
		}
		got, err := f.svc.Reopen(ctx, anna, r.ID, strings.Repeat("è", participation.MaxNoteLen-1)+"\u200f")
		if err != nil || got.Status != participation.StatusOpen {
			t.Fatalf("reopen at the limit with a right-to-left mark: %+v, %v", got, err)
		}
	})
}
