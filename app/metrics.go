package app

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/newsbot/newsbot/config"
)

// Metrics are what newsbot run tells Prometheus (http.listen, /metrics).
// They outlive a config reload: one set per process, in its own registry.
type Metrics struct {
	Registry *prometheus.Registry

	// sources are the counts by source, kept compact (thousands of
	// sources would be tens of thousands of series of a CounterVec) and
	// made into metrics when scraped.
	sourcesMu   sync.Mutex
	sources     map[string]sourceCounts
	newItems    *prometheus.CounterVec // by watcher
	matches     *prometheus.CounterVec // by watcher
	alerts      *prometheus.CounterVec // by watcher and kind: alert, follow_up, also, spike
	sends       *prometheus.CounterVec // by result: ok, rate_limited, retry, failed
	tickSeconds *prometheus.HistogramVec
	latency     *prometheus.HistogramVec // by way: feed, page, sitemap, push

	// outbox reads the outbox's counts by status when scraped: the
	// running app's store's.
	outbox atomic.Pointer[func(ctx context.Context) (map[string]int, error)]
}

// NewMetrics makes newsbot's metrics in a registry of their own, with
// Go's and the process's.
func NewMetrics() *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry(), sources: map[string]sourceCounts{}}
	m.newItems = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "newsbot_new_items_total",
		Help: "Items a watcher had not seen before."}, []string{"watcher"})
	m.matches = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "newsbot_matches_total",
		Help: "Articles a watcher matched that became alerts of their own."}, []string{"watcher"})
	m.alerts = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "newsbot_alerts_recorded_total",
		Help: "Messages recorded in the outbox, by watcher and kind (alert, follow_up, also, spike)."}, []string{"watcher", "kind"})
	m.sends = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "newsbot_slack_sends_total",
		Help: "Attempts to post to Slack, by result (ok, rate_limited, retry, failed, found_posted)."}, []string{"result"})
	m.tickSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "newsbot_tick_duration_seconds",
		Help: "How long a tick (a check of the watchers of a schedule; \"start\": of all, at start) took.", Buckets: prometheus.ExponentialBuckets(0.05, 2, 14)}, []string{"schedule"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "newsbot_alert_latency_seconds",
		Help:    "From an item's publication (its date in the feed or sitemap, or a WebSub push's arrival) to its alert's post, by the way it came (feed, page, sitemap, push).",
		Buckets: []float64{1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 43200, 86400}}, []string{"way"})
	m.Registry.MustRegister(m.newItems, m.matches, m.alerts, m.sends, m.tickSeconds, m.latency,
		sourcesCollector{m}, outboxCollector{m}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
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

// forget drops the series of the sources and watchers of the old config
// that the new one no longer has, and the tick durations (labelled by
// schedule).
func (m *Metrics) forget(old, cfg *config.Config) {
	sources, watchers := map[string]bool{}, map[string]bool{}
	for _, src := range cfg.Sources {
		sources[src.Name] = true
	}
	for _, w := range cfg.Watchers {
		watchers[w.Name] = true
	}
	m.sourcesMu.Lock()
	for name := range m.sources {
		if !sources[name] {
			delete(m.sources, name)
		}
	}
	m.sourcesMu.Unlock()
	for _, w := range old.Watchers {
		if !watchers[w.Name] {
			for _, vec := range []*prometheus.CounterVec{m.newItems, m.matches, m.alerts} {
				vec.DeletePartialMatch(prometheus.Labels{"watcher": w.Name})
			}
		}
	}
	m.tickSeconds.Reset()
}

// sourceCounts are a source's counts.
type sourceCounts struct {
	ok, notModified, failed, bytes, items int64
	lastSuccess                           int64 // Unix seconds
}

// SourceChecked counts a check of a source.
func (m *Metrics) SourceChecked(source string, items, bytes int, unchanged bool, err error, now time.Time) {
	m.sourcesMu.Lock()
	defer m.sourcesMu.Unlock()
	// By value in the map: ten thousand sources are a few large
	// allocations, not ten thousand small ones among a tick's garbage.
	c := m.sources[source]
	defer func() { m.sources[source] = c }()
	switch {
	case err != nil:
		c.failed++
		return
	case unchanged:
		c.notModified++
	default:
		c.ok++
		c.items += int64(items)
	}
	c.bytes += int64(bytes)
	c.lastSuccess = now.Unix()
}

// NewItem counts an item the watcher had not seen.
func (m *Metrics) NewItem(watcher string) { m.newItems.WithLabelValues(watcher).Inc() }

// Matched counts an article the watcher matched that became an alert of
// its own.
func (m *Metrics) Matched(watcher string) { m.matches.WithLabelValues(watcher).Inc() }

// Recorded counts a message recorded in the outbox, by kind: alert,
// follow_up, also, spike.
func (m *Metrics) Recorded(watcher, kind string) { m.alerts.WithLabelValues(watcher, kind).Inc() }

// sent counts a send to Slack by result.
func (m *Metrics) sent(result string) { m.sends.WithLabelValues(result).Inc() }

var (
	fetchesDesc = prometheus.NewDesc("newsbot_source_fetches_total", "Checks of sources, by source and result (ok, not_modified, error).", []string{"source", "result"}, nil)
	bytesDesc   = prometheus.NewDesc("newsbot_source_fetch_bytes_total", "Bytes of source bodies read (after decompression), by source.", []string{"source"}, nil)
	itemsDesc   = prometheus.NewDesc("newsbot_source_items_total", "Items the checks of a source listed.", []string{"source"}, nil)
	successDesc = prometheus.NewDesc("newsbot_source_last_success_timestamp_seconds", "When a check of the source last succeeded (Unix time).", []string{"source"}, nil)
)

// sourcesCollector makes the counts by source into metrics when scraped.
type sourcesCollector struct{ m *Metrics }

func (c sourcesCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- fetchesDesc
	ch <- bytesDesc
	ch <- itemsDesc
	ch <- successDesc
}

func (c sourcesCollector) Collect(ch chan<- prometheus.Metric) {
	c.m.sourcesMu.Lock()
	counts := make(map[string]sourceCounts, len(c.m.sources))
	for name, sc := range c.m.sources {
		counts[name] = sc
	}
	c.m.sourcesMu.Unlock()
	for name, sc := range counts {
		ch <- prometheus.MustNewConstMetric(fetchesDesc, prometheus.CounterValue, float64(sc.ok), name, "ok")
		ch <- prometheus.MustNewConstMetric(fetchesDesc, prometheus.CounterValue, float64(sc.notModified), name, "not_modified")
		ch <- prometheus.MustNewConstMetric(fetchesDesc, prometheus.CounterValue, float64(sc.failed), name, "error")
		ch <- prometheus.MustNewConstMetric(bytesDesc, prometheus.CounterValue, float64(sc.bytes), name)
		ch <- prometheus.MustNewConstMetric(itemsDesc, prometheus.CounterValue, float64(sc.items), name)
		if sc.lastSuccess > 0 {
			ch <- prometheus.MustNewConstMetric(successDesc, prometheus.GaugeValue, float64(sc.lastSuccess), name)
		}
	}
}

// alertLatency observes an alert's latency as it is posted.
func (m *Metrics) alertLatency(way string, d time.Duration) {
	m.latency.WithLabelValues(way).Observe(d.Seconds())
}
