package mqtt

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	in            *prometheus.CounterVec
	malformed     *prometheus.CounterVec
	dropped       *prometheus.CounterVec
	superseded    *prometheus.CounterVec
	refused       *prometheus.CounterVec
	backlog       prometheus.Gauge
	replies       *prometheus.CounterVec
	connected     prometheus.Gauge
	reconnects    prometheus.Counter
	ingestErrors  prometheus.Counter
	batches       prometheus.Histogram
	ingestSeconds prometheus.Histogram
	roundTrip     prometheus.Histogram
	lateOK        prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (metrics, error) {
	m := metrics{
		in: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cityhub_mqtt_messages_total",
			Help: "MQTT messages received, by kind (status, events, online, reply, unexpected)."}, []string{"kind"}),
		malformed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cityhub_mqtt_malformed_total",
			Help: "Malformed MQTT messages dropped, by kind."}, []string{"kind"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cityhub_mqtt_dropped_total",
			Help: "Valid MQTT messages dropped: the inbox was full, or the store refused them three times, by kind."}, []string{"kind"}),
		superseded: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cityhub_mqtt_superseded_total",
			Help: "Status and online messages replaced, before they were applied, by a newer one of the same station (a burst coalesced), by kind."}, []string{"kind"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cityhub_mqtt_refused_total",
			Help: "Well-formed station messages refused, by reason (future_ts: stamped more than the allowed clock skew ahead of the hub)."}, []string{"reason"}),
		backlog: prometheus.NewGauge(prometheus.GaugeOpts{Name: "cityhub_mqtt_ingest_backlog",
			Help: "Telemetry messages received and not applied to station state yet (replaced ones counted until their replacement is applied)."}),
		replies: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cityhub_mqtt_command_results_total",
			Help: "Outcomes of commands sent to stations (ok, error, timeout, publish_failed, unmatched, wrong_station), replies dropped as retained (retained), oks for a command the hub never sent that station (unknown), and oks nobody waited for dropped because too many queued (late_dropped)."}, []string{"result"}),
		lateOK: prometheus.NewCounter(prometheus.CounterOpts{Name: "cityhub_mqtt_unlock_ok_after_deadline_total",
			Help: "Unlocks a station confirmed after the hub stopped waiting that released a bike without a ride: one for each operator incident raised (repeats of the same confirmation, and of an ok whose ride started, are not counted)."}),
		connected: prometheus.NewGauge(prometheus.GaugeOpts{Name: "cityhub_mqtt_connected",
			Help: "1 while connected and subscribed to the broker."}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{Name: "cityhub_mqtt_reconnects_total",
			Help: "Reconnect attempts to the broker."}),
		ingestErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "cityhub_mqtt_ingest_errors_total",
			Help: "Telemetry batches the store refused."}),
		batches: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "cityhub_mqtt_ingest_batch_size",
			Help: "Messages per ingest batch.", Buckets: prometheus.ExponentialBuckets(1, 2, 10)}),
		ingestSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "cityhub_mqtt_ingest_seconds",
			Help: "Time to write one ingest batch.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		roundTrip: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "cityhub_mqtt_command_round_trip_seconds",
			Help: "Time from sending a command to the station's reply.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}),
	}
	for _, col := range []prometheus.Collector{m.in, m.malformed, m.dropped, m.superseded, m.refused, m.backlog, m.replies, m.connected, m.reconnects,
		m.ingestErrors, m.batches, m.ingestSeconds, m.roundTrip, m.lateOK} {
		if err := reg.Register(col); err != nil {
			return m, fmt.Errorf("mqtt metrics: %w", err)
		}
	}
	return m, nil
}
