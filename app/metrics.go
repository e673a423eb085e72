package app

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are what newsbot run tells Prometheus (http.listen, /metrics).
// They outlive a config reload: one set per process, in its own registry.
type Metrics struct {
	Registry *prometheus.Registry

	fetches     *prometheus.CounterVec // by source and result: ok, not_modified, error
	fetchBytes  *prometheus.CounterVec // by source
	items       *prometheus.CounterVec // by source: items a check listed
	newItems    *prometheus.CounterVec // by watcher
	matches     *prometheus.CounterVec // by watcher
	alerts      *prometheus.CounterVec // by watcher and kind: alert, follow_up, also, digest, spike
	sends       *prometheus.CounterVec // by result: ok, rate_limited, retry, failed
	tickSeconds *prometheus.HistogramVec
	lastSuccess *prometheus.GaugeVec // by source, Unix seconds

	// outbox reads the outbox's counts by status when scraped: the
	// running app's store's.
	outbox atomic.Pointer[func(ctx context.Context) (map[string]int, error)]
}

// NewMetrics makes newsbot's metrics in a registry of their own, with
// Go's and the process's.
func NewMetrics() *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry()}
	m.fetches = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "newsbot_source_fetches_total",
		Help: "Checks of sources, by source and result (ok, not_modified, error)."}, []string{"source", "result"})
	m.fetchBytes = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "newsbot_source_fetch_bytes_total",
		Help: "Bytes of source bodies read (after decompression), by source."}, []string{"source"})
	m.items = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "newsbot_source_items_total",
		Help: "Items the checks of a source listed."}, []string{"source"})
	m.newItems = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "newsbot_new_items_total",
		Help: "Items a watcher had not seen before."}, []string{"watcher"})
	m.matches = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "newsbot_matches_total",
		Help: "Articles a watcher matched that became alerts of their own."}, []string{"watcher"})
	m.alerts = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "newsbot_alerts_recorded_total",
		Help: "Messages recorded in the outbox, by watcher and kind (alert, follow_up, also, spike)."}, []string{"watcher", "kind"})
	m.sends = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "newsbot_slack_sends_total",
		Help: "Attempts to post to Slack, by result (ok, rate_limited, retry, failed, found_posted)."}, []string{"result"})
	m.tickSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "newsbot_tick_duration_seconds",
		Help: "How long a tick (a check of a group of watchers) took.", Buckets: prometheus.ExponentialBuckets(0.05, 2, 14)}, []string{"watchers"})
	m.lastSuccess = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "newsbot_source_last_success_timestamp_seconds",
		Help: "When a check of the source last succeeded (Unix time)."}, []string{"source"})
	m.Registry.MustRegister(m.fetches, m.fetchBytes, m.items, m.newItems, m.matches, m.alerts, m.sends, m.tickSeconds, m.lastSuccess,
		outboxCollector{m}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// outboxCollector reads the outbox's depth when scraped.
type outboxCollector struct{ m *Metrics }

var outboxDesc = prometheus.NewDesc("newsbot_outbox_alerts", "Alerts in the outbox, by status (pending, sending, held, failed, …).", []string{"status"}, nil)

func (c outboxCollector) Describe(ch chan<- *prometheus.Desc) { ch <- outboxDesc }

func (c outboxCollector) Collect(ch chan<- prometheus.Metric) {
	outbox := c.m.outbox.Load()
	if outbox == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := (*outbox)(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(outboxDesc, err)
		return
	}
	for _, status := range []string{"pending", "sending", "held", "failed", "sent", "folded"} {
		ch <- prometheus.MustNewConstMetric(outboxDesc, prometheus.GaugeValue, float64(counts[status]), status)
	}
}

// sourceChecked counts a check of a source.
func (m *Metrics) sourceChecked(source string, items, bytes int, unchanged bool, err error, now time.Time) {
	switch {
	case err != nil:
		m.fetches.WithLabelValues(source, "error").Inc()
		return
	case unchanged:
		m.fetches.WithLabelValues(source, "not_modified").Inc()
	default:
		m.fetches.WithLabelValues(source, "ok").Inc()
		m.items.WithLabelValues(source).Add(float64(items))
	}
	m.fetchBytes.WithLabelValues(source).Add(float64(bytes))
	m.lastSuccess.WithLabelValues(source).Set(float64(now.Unix()))
}
