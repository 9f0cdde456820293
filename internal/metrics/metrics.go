// Package metrics holds dripcourse's Prometheus metrics in a registry of
// its own (never the global one), so tests and several servers in one
// process do not share counters. Other packages are handed the small
// functions they need; only cmd sees the registry.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// Metrics is the set of dripcourse metrics.
type Metrics struct {
	reg      *prometheus.Registry
	readers  *prometheus.CounterVec
	sends    *prometheus.CounterVec
	latency  prometheus.Histogram
	tick     prometheus.Histogram
	tickErrs prometheus.Counter
	bounces  *prometheus.CounterVec
	refused  *prometheus.CounterVec
}

// New registers every metric. due is asked, at each scrape, how many
// lessons are due now.
func New(due func(context.Context) (int, error)) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.readers = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dripcourse_reader_events_total",
		Help: "Reader actions: signup, confirm, unsubscribe, resubscribe."}, []string{"event"})
	m.sends = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dripcourse_sends_total",
		Help: "Lesson send attempts by result: sent, retry, failed."}, []string{"result"})
	m.latency = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "dripcourse_send_seconds",
		Help: "Time to render, send and record one lesson.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)})
	m.tick = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "dripcourse_tick_seconds",
		Help: "Duration of one dispatch pass.", Buckets: prometheus.ExponentialBuckets(0.001, 4, 10)})
	m.tickErrs = prometheus.NewCounter(prometheus.CounterOpts{Name: "dripcourse_tick_errors_total",
		Help: "Dispatch passes that ended with an error."})
	dueGauge := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "dripcourse_deliveries_due",
		Help: "Lessons due now and not yet sent."}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := due(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	})
	m.bounces = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dripcourse_bounce_reports_total",
		Help: "Bounce and complaint reports recorded, by kind (hard, soft, complaint, ignore), whether the failure was about our own sending (an alert, never charged to the reader), and whether it matched a reader."},
		[]string{"kind", "our_sending", "matched"})
	m.refused = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dripcourse_bounce_refused_total",
		Help: "Bounce messages and webhook requests refused, by the way they came (smtp, raw, a provider's name) and the reason."},
		[]string{"way", "reason"})
	m.reg.MustRegister(m.readers, m.sends, m.latency, m.tick, m.tickErrs, dueGauge, m.bounces, m.refused,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, e := range []drip.EventKind{drip.EventSignup, drip.EventConfirm, drip.EventUnsubscribe, drip.EventResubscribe} {
		m.readers.WithLabelValues(string(e))
	}
	for _, r := range []drip.DeliveryStatus{drip.DeliverySent, drip.DeliveryRetry, drip.DeliveryFailed} {
		m.sends.WithLabelValues(string(r))
	}
	for _, k := range []string{"hard", "soft", "complaint", "ignore"} {
		m.bounces.WithLabelValues(k, "false", "true")
	}
	m.bounces.WithLabelValues("soft", "true", "true")
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Reader counts a reader's action.
func (m *Metrics) Reader(e drip.EventKind) {
	if m != nil {
		m.readers.WithLabelValues(string(e)).Inc()
	}
}

// Send records one lesson attempt; it fits delivery.Runner.Observe.
func (m *Metrics) Send(result drip.DeliveryStatus, took time.Duration) {
	if m != nil {
		m.sends.WithLabelValues(string(result)).Inc()
		m.latency.Observe(took.Seconds())
	}
}

// Tick records one dispatch pass.
func (m *Metrics) Tick(took time.Duration, err error) {
	if m == nil {
		return
	}
	m.tick.Observe(took.Seconds())
	if err != nil {
		m.tickErrs.Inc()
	}
}

// Bounce counts one bounce or complaint report recorded for the first
// time.
func (m *Metrics) Bounce(kind string, ourSending, unmatched bool) {
	if m != nil {
		m.bounces.WithLabelValues(kind, strconv.FormatBool(ourSending), strconv.FormatBool(!unmatched)).Inc()
	}
}

// BounceRefused counts one bounce message or webhook request refused.
func (m *Metrics) BounceRefused(way, reason string) {
	if m != nil {
		m.refused.WithLabelValues(way, reason).Inc()
	}
}

// WatchBounceRates serves, at each scrape, the rates of the window that
// mail providers judge a sender by: rates returns them by kind (hard,
// soft, complaint) as fractions of the messages sent.
func (m *Metrics) WatchBounceRates(rates func(context.Context) (map[string]float64, error)) {
	m.reg.MustRegister(rateCollector{rates: rates, desc: prometheus.NewDesc("dripcourse_bounce_rate",
		"Bounces and complaints over the last 7 days, as a fraction of the messages sent in them.", []string{"kind"}, nil)})
}

// rateCollector asks for every rate once per scrape.
type rateCollector struct {
	rates func(context.Context) (map[string]float64, error)
	desc  *prometheus.Desc
}

func (c rateCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c rateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	rates, err := c.rates(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for kind, r := range rates {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, r, kind)
	}
}
