package participation_test

import (
	"context"
	"testing"

	"cityhub/participation"
	"cityhub/store"
	"cityhub/store/storetest"
)

// A report's history says what each redaction and photo moderation did:
// a redaction goes from shown to hidden or back, a moderation names the
// photo and the state it left and took. Hiding, showing and hiding again
// were three identical "redacted" entries, approving a photo and hiding
// it two identical "photo" ones. The reporter reads what was done, not
// who among the staff did it.
func TestReportHistorySaysWhatModerationDid(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		r := f.report(t, anna, withPhotos(pothole(archLat, archLon), 2))
		v, err := f.svc.Report(ctx, roads, r.ID)
		must(t, err)
		second := v.Photos[1].ID

		for _, hide := range []bool{true, false, true} {
			_, err := f.svc.Redact(ctx, roads, r.ID, hide)
			must(t, err)
		}
		must(t, f.svc.ModeratePhoto(ctx, roads, second, participation.PhotoApproved))
		must(t, f.svc.ModeratePhoto(ctx, roads, second, participation.PhotoHidden))

		type said struct{ kind, from, to, photo string }
		want := []said{
			{participation.ChangeRedacted, participation.RedactionShown, participation.RedactionHidden, ""},
			{participation.ChangeRedacted, participation.RedactionHidden, participation.RedactionShown, ""},
			{participation.ChangeRedacted, participation.RedactionShown, participation.RedactionHidden, ""},
			{participation.ChangePhoto, participation.PhotoPending, participation.PhotoApproved, second},
			{participation.ChangePhoto, participation.PhotoApproved, participation.PhotoHidden, second},
		}
		for _, who := range []struct {
			name  string
			read  func() (participation.ReportView, error)
			actor string
		}{
			{"staff", func() (participation.ReportView, error) { return f.svc.StaffReport(ctx, roads, r.ID) }, roads.AccountID},
			{"reporter", func() (participation.ReportView, error) { return f.svc.Report(ctx, anna, r.ID) }, ""},
		} {
			v, err := who.read()
			must(t, err)
			var got []said
			for _, ch := range v.Changes {
				if ch.Kind == participation.ChangeCreated {
					continue
				}
				got = append(got, said{ch.Kind, ch.From, ch.To, ch.PhotoID})
				if ch.ActorID != who.actor {
					t.Errorf("%s reads change %+v by %q; want %q", who.name, ch, ch.ActorID, who.actor)
				}
			}
			if len(got) != len(want) {
				t.Fatalf("%s reads changes %+v; want %+v", who.name, got, want)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("%s reads change %d as %+v; want %+v", who.name, i, got[i], want[i])
				}
			}
		}
	})
}
