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
// lessons of each course are due now; courses are the slugs of the
// courses served, whose counters start at zero.
func New(due func(context.Context) (map[string]int, error), courses ...string) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.readers = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dripcourse_reader_events_total",
		Help: "Reader actions by course: signup, confirm, enroll, unsubscribe, resubscribe."}, []string{"event", "course"})
	m.sends = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dripcourse_sends_total",
		Help: "Lesson send attempts by course and result: sent, retry, failed."}, []string{"result", "course"})
	m.latency = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "dripcourse_send_seconds",
		Help: "Time to render, send and record one lesson.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)})
	m.tick = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "dripcourse_tick_seconds",
		Help: "Duration of one dispatch pass.", Buckets: prometheus.ExponentialBuckets(0.001, 4, 10)})
	m.tickErrs = prometheus.NewCounter(prometheus.CounterOpts{Name: "dripcourse_tick_errors_total",
		Help: "Dispatch passes that ended with an error."})
	m.bounces = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dripcourse_bounce_reports_total",
		Help: "Bounce and complaint reports recorded, by kind (hard, soft, complaint, ignore), whether the failure was about our own sending (an alert, never charged to the reader), and whether it matched a reader."},
		[]string{"kind", "our_sending", "matched"})
	m.refused = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dripcourse_bounce_refused_total",
		Help: "Bounce messages and webhook requests refused, by the way they came (smtp, raw, a provider's name) and the reason."},
		[]string{"way", "reason"})
	m.reg.MustRegister(m.readers, m.sends, m.latency, m.tick, m.tickErrs, dueCollector{due: due, courses: courses}, m.bounces, m.refused,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, c := range courses {
		for _, e := range []drip.EventKind{drip.EventSignup, drip.EventConfirm, drip.EventEnroll, drip.EventUnsubscribe, drip.EventResubscribe} {
			m.readers.WithLabelValues(string(e), c)
		}
		for _, r := range []drip.DeliveryStatus{drip.DeliverySent, drip.DeliveryRetry, drip.DeliveryFailed} {
			m.sends.WithLabelValues(string(r), c)
		}
	}
	for _, k := range []string{"hard", "soft", "complaint", "ignore"} {
		m.bounces.WithLabelValues(k, "false", "true")
	}
	m.bounces.WithLabelValues("soft", "true", "true")
	return m
}

// dueDesc is the lessons due now, per course.
var dueDesc = prometheus.NewDesc("dripcourse_deliveries_due", "Lessons due now and not yet sent, by course.", []string{"course"}, nil)

// dueCollector asks the database, at each scrape, what is due per course:
// every course served shows, with 0 when nothing of it is due. When the
// database does not answer, every course reads -1.
type dueCollector struct {
	due     func(context.Context) (map[string]int, error)
	courses []string
}

func (c dueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- dueDesc }

func (c dueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := c.due(ctx)
	seen := map[string]bool{}
	for _, course := range c.courses {
		n := float64(counts[course])
		if err != nil {
			n = -1
		}
		seen[course] = true
		ch <- prometheus.MustNewConstMetric(dueDesc, prometheus.GaugeValue, n, course)
	}
	for course, n := range counts {
		if !seen[course] {
			ch <- prometheus.MustNewConstMetric(dueDesc, prometheus.GaugeValue, float64(n), course)
		}
	}
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Reader counts a reader's action about course.
func (m *Metrics) Reader(e drip.EventKind, course string) {
	if m != nil {
		m.readers.WithLabelValues(string(e), course).Inc()
	}
}

// Send records one lesson attempt; it fits delivery.Runner.Observe.
func (m *Metrics) Send(course string, result drip.DeliveryStatus, took time.Duration) {
	if m != nil {
		m.sends.WithLabelValues(string(result), course).Inc()
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
