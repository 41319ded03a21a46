package outbox_test

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"cityhub/mail/mailtest"
	"cityhub/outbox"
	"cityhub/store"
	"cityhub/store/storetest"
)

// The collector reports the messages by state and the oldest pending
// one's age, read from the database at each scrape.
func TestMetrics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		m := outbox.NewMetrics(db.Outbox(), storetest.Logger(t))
		reg := prometheus.NewPedanticRegistry()
		if err := reg.Register(m); err != nil {
			t.Fatal(err)
		}
		want := `# HELP cityhub_mail_outbox_oldest_pending_age_seconds Age of the oldest e-mail still to deliver (pending or sending); 0 when none.
# TYPE cityhub_mail_outbox_oldest_pending_age_seconds gauge
cityhub_mail_outbox_oldest_pending_age_seconds 0
`
		if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "cityhub_mail_outbox_oldest_pending_age_seconds"); err != nil {
			t.Fatal(err)
		}
		to := mailtest.Recipient(t)
		enqueue(t, db, message(to, "uno"), message(to, "due"))
		ctx := t.Context()
		if _, err := outbox.NewSender(db.Outbox(), transport(t, mailtest.SMTPURL()), outbox.SenderOptions{Batch: 1}, storetest.Logger(t)).SendDue(ctx); err != nil {
			t.Fatal(err)
		}
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]float64{}
		for _, mf := range mfs {
			for _, mt := range mf.GetMetric() {
				name := mf.GetName()
				for _, l := range mt.GetLabel() {
					name += "/" + l.GetValue()
				}
				got[name] = mt.GetGauge().GetValue()
			}
		}
		if got["cityhub_mail_outbox_up"] != 1 || got["cityhub_mail_outbox_messages/sent"] != 1 || got["cityhub_mail_outbox_messages/pending"] != 1 ||
			got["cityhub_mail_outbox_messages/failed"] != 0 || got["cityhub_mail_outbox_oldest_pending_age_seconds"] <= 0 ||
			got["cityhub_mail_outbox_oldest_pending_age_seconds"] > 60 {
			t.Fatalf("metrics %v", got)
		}
	})
}
