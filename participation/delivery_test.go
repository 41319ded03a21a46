package participation_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/mail/mailtest"
	"cityhub/outbox"
	"cityhub/participation"
	"cityhub/smtpmail"
	"cityhub/store"
	"cityhub/store/storetest"
)

// Below the pages, the story: a citizen reports a problem with a
// photo, staff approve the photo and fix the report, the e-mail leaves
// through the outbox and arrives (Mailpit), and the citizen reopens it.
func TestReportStoryMailArrives(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		to := mailtest.Recipient(t)
		elena := identity.Caller{AccountID: "acc_elena_" + db.Engine(), Email: to, Name: "Elena <Esposito>", Locale: "it",
			Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
		must(t, db.Identity().InTx(ctx, func(tx identity.Tx) error {
			return tx.InsertAccount(ctx, identity.Account{ID: elena.AccountID, Email: to, Name: elena.Name, Locale: "it",
				PasswordHash: "x", Grants: elena.Grants, CreatedAt: f.clock.Now()})
		}))
		n := pothole(archLat, archLon)
		n.Photos = []participation.Photo{{Width: 2, Height: 2, Image: []byte("jpeg"), Thumbnail: []byte("thumb")}}
		r := f.report(t, elena, n)
		v, err := f.svc.Report(ctx, roads, r.ID)
		must(t, err)
		must(t, f.svc.ModeratePhoto(ctx, roads, v.Photos[0].ID, participation.PhotoApproved))
		if pub, _ := f.svc.PublicReports(ctx, participation.PublicFilter{}); len(pub) != 1 || len(pub[0].PhotoIDs) != 1 {
			t.Fatalf("the approved photo is not on the public list: %+v", pub)
		}
		f.clock.Add(time.Hour)
		_, err = f.svc.ChangeStatus(ctx, roads, r.ID, participation.StatusFixed, "Riparata: asfalto <nuovo>.")
		must(t, err)

		tr, err := smtpmail.New(smtpmail.Config{URL: mailtest.SMTPURL(), From: mailtest.From, Timeout: 5 * time.Second}, storetest.Logger(t))
		must(t, err)
		sender := outbox.NewSender(db.Outbox(), tr, outbox.SenderOptions{}, storetest.Logger(t))
		// The report's receipt, then its new status.
		if sent, err := sender.SendDue(ctx); err != nil || sent != 2 {
			t.Fatalf("SendDue = %d, %v", sent, err)
		}
		got := mailtest.WaitReceived(t, to, 2, 10*time.Second)
		var m mailtest.Message
		for _, g := range got {
			if r := mailtest.Read(t, g.ID); strings.HasPrefix(r.Subject, "La tua segnalazione") {
				m = r
			} else if r.Subject != "Segnalazione ricevuta: «Buca stradale»" || !strings.Contains(r.Text, "/reports/") {
				t.Errorf("the receipt: %s\n%s", r.Subject, r.Text)
			}
		}
		if m.Subject != "La tua segnalazione «Buca stradale»: risolta" || !strings.Contains(m.Text, "Riparata: asfalto <nuovo>.") ||
			!strings.Contains(m.HTML, "asfalto &lt;nuovo&gt;") || strings.Contains(m.HTML, "<nuovo>") || !strings.Contains(m.Text, "/reports/"+r.ID) {
			t.Fatalf("received %s\n%s\n%s", m.Subject, m.Text, m.HTML)
		}

		f.clock.Add(24 * time.Hour)
		got2, err := f.svc.Reopen(ctx, elena, r.ID, "Si è riaperta con la pioggia.")
		if err != nil || got2.Status != participation.StatusOpen {
			t.Fatalf("Reopen = %+v, %v", got2, err)
		}
		q, err := f.svc.Queue(ctx, roads, "roads", "", 0)
		if err != nil || len(q) != 1 || q[0].ID != r.ID {
			t.Fatalf("the reopened report is not back in the queue: %+v, %v", q, err)
		}
	})
}
