// Package metrics holds dripcourse's Prometheus metrics in a registry of
// its own (never the global one), so tests and several servers in one
// process do not share counters. Other packages are handed the small
// functions they need; only cmd sees the registry.
package metrics

import (
	"context"
	"net/http"
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
	m.reg.MustRegister(m.readers, m.sends, m.latency, m.tick, m.tickErrs, dueGauge,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, e := range []drip.EventKind{drip.EventSignup, drip.EventConfirm, drip.EventUnsubscribe, drip.EventResubscribe} {
		m.readers.WithLabelValues(string(e))
	}
	for _, r := range []drip.DeliveryStatus{drip.DeliverySent, drip.DeliveryRetry, drip.DeliveryFailed} {
		m.sends.WithLabelValues(string(r))
	}
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
