package outbox_test

import (
	"testing"
	"time"

	"cityhub/mail/mailtest"
	"cityhub/outbox"
	"cityhub/store"
	"cityhub/store/storetest"
)

// A commit that queued an e-mail wakes the sender: the message leaves long
// before the sender would have looked again (its poll is an hour here), and
// a transaction that queued nothing does not wake it.
func TestCommitThatQueuedMailWakesTheSender(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		to := mailtest.Recipient(t)
		tr := newCounting(t)
		s := outbox.NewSender(db.Outbox(), tr, outbox.SenderOptions{Poll: time.Hour}, storetest.Logger(t))
		woken := make(chan struct{}, 8)
		db.OnMailQueued(func() { woken <- struct{}{}; s.Wake() })
		run(t, s)
		// The first message may go with Run's first look; after it, with
		// the next look an hour away, only a wake can send anything.
		enqueue(t, db, message(to, "primo"))
		mailtest.WaitReceived(t, to, 1, 10*time.Second)
		<-woken
		enqueue(t, db)
		select {
		case <-woken:
			t.Fatal("a transaction that queued no e-mail woke the sender")
		default:
		}
		enqueue(t, db, message(to, "subito"))
		got := mailtest.WaitReceived(t, to, 2, 10*time.Second)
		if len(got) != 2 || (got[0].Subject != "subito" && got[1].Subject != "subito") {
			t.Fatalf("received %+v", got)
		}
		if n := len(woken); n != 1 {
			t.Fatalf("%d wakes for one commit that queued mail", n)
		}
	})
}
