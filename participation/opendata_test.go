package participation_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/participation"
	"cityhub/store"
	"cityhub/store/storetest"
)

// The open data names no account, e-mail or unchosen name, shows nothing
// staff redacted, carries the licence on every CSV row, and counts reports
// by contrada, category and status.
func TestOpenData(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		named := pothole(archLat, archLon)
		named.PublicName = true
		f.report(t, bruno, named)
		secret := pothole(nearArchLat, nearArchLon)
		secret.Description = "=HYPERLINK(\"http://evil\") my phone is 333 1234567"
		hidden := f.report(t, anna, secret)
		_, err := f.svc.Redact(ctx, roads, hidden.ID, true)
		must(t, err)
		f.report(t, carla, pothole(stationLat, stationLon))
		p := proposal(t, f, carla, 0)
		_, _, err = f.svc.Support(ctx, anna, p.ID)
		must(t, err)

		od, err := f.svc.OpenData(ctx)
		must(t, err)
		if od.Licence != "CC-BY-4.0" || len(od.Reports) != 3 || len(od.Proposals) != 1 || od.Proposals[0].SupportCount != 1 {
			t.Fatalf("open data %+v", od)
		}
		b, _ := json.Marshal(od)
		var all bytes.Buffer
		all.Write(b)
		for _, write := range []func(*bytes.Buffer, participation.OpenData) error{
			func(w *bytes.Buffer, od participation.OpenData) error { return participation.WriteReportsCSV(w, od) },
			func(w *bytes.Buffer, od participation.OpenData) error { return participation.WriteProposalsCSV(w, od) },
			func(w *bytes.Buffer, od participation.OpenData) error { return participation.WriteCountsCSV(w, od) },
		} {
			var w bytes.Buffer
			must(t, write(&w, od))
			rows, err := csv.NewReader(bytes.NewReader(w.Bytes())).ReadAll()
			if err != nil || len(rows) < 2 {
				t.Fatalf("csv %q, %v", w.String(), err)
			}
			for _, row := range rows[1:] {
				if row[len(row)-1] != "CC-BY-4.0" || rows[0][len(row)-1] != "license" {
					t.Fatalf("row without licence: %v", row)
				}
			}
			all.Write(w.Bytes())
		}
		for _, leak := range []string{anna.Email, bruno.Email, carla.Email, anna.AccountID, bruno.AccountID, carla.AccountID,
			anna.Name, carla.Name, "333 1234567", "HYPERLINK"} {
			if strings.Contains(all.String(), leak) {
				t.Errorf("open data shows %q", leak)
			}
		}
		if !strings.Contains(all.String(), bruno.Name) {
			t.Errorf("the name a reporter chose to show is missing")
		}
		counts := map[string]int{}
		for _, c := range od.Counts {
			counts[c.Contrada+"/"+c.Category+"/"+c.Status] += c.Count
		}
		if counts["centro-storico/pothole/open"] != 2 || counts["rione-ferrovia/pothole/open"] != 1 {
			t.Fatalf("counts %v", counts)
		}
	})
}

// Erasing an account removes its name and e-mail address from what it
// reported, proposed and commented; the reports, proposals and comments
// stay.
func TestErasedAccountLeavesNoName(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		n := pothole(archLat, archLon)
		n.PublicName = true
		r := f.report(t, bruno, n)
		p, err := f.svc.CreateProposal(ctx, bruno, participation.NewProposal{Title: "Bruno's idea", Body: "A long enough text for a proposal.", PublicName: true})
		must(t, err)
		_, err = f.svc.AddComment(ctx, bruno, p.ID, "My own comment")
		must(t, err)
		must(t, db.Identity().InTx(ctx, func(tx identity.Tx) error {
			return tx.AnonymiseAccount(ctx, bruno.AccountID, "deleted+"+bruno.AccountID+"@invalid", f.clock.Now())
		}))
		pub, err := f.svc.PublicReport(ctx, r.ID)
		must(t, err)
		prop, err := f.svc.Proposal(ctx, p.ID)
		must(t, err)
		cs, err := f.svc.Comments(ctx, p.ID, "", 0)
		must(t, err)
		v, err := f.svc.Report(ctx, admin, r.ID)
		must(t, err)
		if pub.Name != "" || prop.AuthorName != "" || len(cs) != 1 || cs[0].AuthorName != "" || v.Report.ReporterEmail != "" || v.Report.ReporterName != "" {
			t.Fatalf("names left: report %+v, proposal %+v, comments %+v, staff view %+v", pub, prop, cs, v.Report)
		}
	})
}

// A person's export holds their reports with history, proposals, comments
// (a hidden one too), supports and follows, and nobody else's. A comment's
// state is whether everyone can read it: a flagged one is visible.
func TestExport(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		mine := f.report(t, bruno, pothole(archLat, archLon))
		f.report(t, anna, pothole(stationLat, stationLon))
		_, err := f.svc.ChangeStatus(ctx, roads, mine.ID, participation.StatusAcknowledged, "Seen.")
		must(t, err)
		own := proposal(t, f, bruno, 0)
		other := proposal(t, f, anna, 0)
		_, _, err = f.svc.Support(ctx, bruno, other.ID)
		must(t, err)
		c, err := f.svc.AddComment(ctx, bruno, other.ID, "=cmd|' /C calc'!A0")
		must(t, err)
		must(t, f.svc.ModerateComment(ctx, admin, c.ID, participation.CommentHidden))
		// A comment others flagged, and an answer of the city's staff: the
		// export says what was answered, not who flagged or who answered.
		flagged, err := f.svc.AddComment(ctx, bruno, other.ID, "Sono d'accordo.")
		must(t, err)
		must(t, f.svc.FlagComment(ctx, anna, flagged.ID, "spam"))
		_, err = f.svc.Answer(ctx, admin, own.ID, "Ne parleremo in giunta.")
		must(t, err)
		_, err = f.svc.Export(ctx, nobody)
		wantCode(t, "anonymous export", err, apperr.Unauthenticated, "not_signed_in")
		ex, err := f.svc.Export(ctx, bruno)
		must(t, err)
		if len(ex.Reports) != 1 || ex.Reports[0].Report.ID != mine.ID || len(ex.Reports[0].Changes) != 2 ||
			len(ex.Proposals) != 1 || ex.Proposals[0].ID != own.ID || len(ex.Comments) != 2 ||
			len(ex.Supports) != 1 || ex.Supports[0] != other.ID || len(ex.Follows) != 1 || ex.Follows[0] != own.ID {
			t.Fatalf("export %+v", ex)
		}
		if p := ex.Proposals[0]; p.Answer == "" || p.AnsweredBy != "" {
			t.Fatalf("the exported proposal's answer: %+v", p)
		}
		states := map[string]string{}
		for _, cm := range ex.Comments {
			states[cm.ID] = cm.State
		}
		if states[c.ID] != participation.CommentHidden || states[flagged.ID] != participation.CommentVisible {
			t.Fatalf("exported comments' states %v", states)
		}
	})
}

// A cell a spreadsheet would read as a formula starts with an apostrophe.
func TestOpenDataCSVNoFormulas(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		n := pothole(archLat, archLon)
		n.Description = "=HYPERLINK(\"http://evil.example\",\"click\")"
		f.report(t, anna, n)
		od, err := f.svc.OpenData(context.Background())
		must(t, err)
		var w bytes.Buffer
		must(t, participation.WriteReportsCSV(&w, od))
		rows, err := csv.NewReader(&w).ReadAll()
		must(t, err)
		if got := rows[1][7]; got != "'"+n.Description {
			t.Fatalf("description cell %q", got)
		}
	})
}
