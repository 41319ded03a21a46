package outbox

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"cityhub/mail"
)

// Metrics reports the outbox at each scrape, read from the database: the
// messages in each state and the age of the oldest one still to deliver.
// The numbers are the whole hub's, not one replica's, so every replica
// reports the same; aggregate them with max, not sum. A growing age with
// pending messages means no sender delivers (SMTP down or unset).
type Metrics struct {
	store   Store
	log     *slog.Logger
	now     func() time.Time
	timeout time.Duration

	messages *prometheus.Desc
	oldest   *prometheus.Desc
	up       *prometheus.Desc
}

// NewMetrics returns the outbox's collector; register it once per process.
func NewMetrics(store Store, log *slog.Logger) *Metrics {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Metrics{store: store, log: log, now: time.Now, timeout: 5 * time.Second,
		messages: prometheus.NewDesc("cityhub_mail_outbox_messages", "E-mails in the outbox by state (pending and sending are queued; sent; failed, kept for an administrator).", []string{"state"}, nil),
		oldest:   prometheus.NewDesc("cityhub_mail_outbox_oldest_pending_age_seconds", "Age of the oldest e-mail still to deliver (pending or sending); 0 when none.", nil, nil),
		up:       prometheus.NewDesc("cityhub_mail_outbox_up", "1 if the outbox could be read at this scrape.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	ch <- m.messages
	ch <- m.oldest
	ch <- m.up
}

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), m.timeout)
	defer cancel()
	var counts map[string]int
	var oldest time.Time
	err := m.store.View(ctx, func(tx Tx) error {
		var err error
		if counts, err = tx.CountMail(ctx); err != nil {
			return err
		}
		oldest, err = tx.OldestPendingMail(ctx)
		return err
	})
	if err != nil {
		m.log.Warn("read outbox metrics", slog.Any("error", err))
		ch <- prometheus.MustNewConstMetric(m.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(m.up, prometheus.GaugeValue, 1)
	for _, st := range mail.States {
		ch <- prometheus.MustNewConstMetric(m.messages, prometheus.GaugeValue, float64(counts[st]), st)
	}
	age := 0.0
	if !oldest.IsZero() {
		age = max(0, m.now().Sub(oldest).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(m.oldest, prometheus.GaugeValue, age)
}

// senderPaused is the Sender's own metric, this replica's.
var senderPaused = prometheus.NewDesc("cityhub_mail_sender_paused",
	"1 while this replica's sender pauses because the SMTP server refuses every e-mail (unreachable, refusing the connection, the login or the sender); 0 otherwise.", nil, nil)

// Describe implements prometheus.Collector: a Sender reports whether it
// pauses for an SMTP outage. Unlike Metrics, this is the replica's own
// state: alert on any replica paused for long, and read its log for why.
func (s *Sender) Describe(ch chan<- *prometheus.Desc) { ch <- senderPaused }

// Collect implements prometheus.Collector.
func (s *Sender) Collect(ch chan<- prometheus.Metric) {
	s.mu.Lock()
	paused := !s.outage.since.IsZero()
	s.mu.Unlock()
	v := 0.0
	if paused {
		v = 1
	}
	ch <- prometheus.MustNewConstMetric(senderPaused, prometheus.GaugeValue, v)
}
