package worker

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/shoal-io/shoal/internal/wire"
)

// Metrics are the worker's Prometheus metrics. A nil *Metrics records
// nothing, so tests and embedded runs need not register any.
type Metrics struct {
	tasks        *prometheus.CounterVec
	failures     *prometheus.CounterVec
	redeliveries prometheus.Counter
	duration     *prometheus.HistogramVec
	rows         prometheus.Counter
}

// NewMetrics creates the worker metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		tasks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "shoal", Subsystem: "worker", Name: "tasks_total",
			Help: "Tasks executed, by kind.",
		}, []string{"kind"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "shoal", Subsystem: "worker", Name: "task_failures_total",
			Help: "Tasks that failed, by error code.",
		}, []string{"code"}),
		redeliveries: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "shoal", Subsystem: "worker", Name: "redeliveries_total",
			Help: "Tasks received that had been delivered before.",
		}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "shoal", Subsystem: "worker", Name: "task_seconds",
			Help:    "Task execution time, by kind.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 4, 10),
		}, []string{"kind"}),
		rows: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "shoal", Subsystem: "worker", Name: "rows_total",
			Help: "Rows labelled or accumulated.",
		}),
	}
	reg.MustRegister(m.tasks, m.failures, m.redeliveries, m.duration, m.rows)
	return m
}

func (m *Metrics) taskDone(kind string, d time.Duration, res *wire.Result) {
	if m == nil {
		return
	}
	m.tasks.WithLabelValues(kind).Inc()
	m.duration.WithLabelValues(kind).Observe(d.Seconds())
	if res != nil {
		m.rows.Add(float64(max(res.N, int64(len(res.Labels)))))
	}
}

func (m *Metrics) taskFailed(code string) {
	if m != nil {
		m.failures.WithLabelValues(code).Inc()
	}
}

func (m *Metrics) redelivered() {
	if m != nil {
		m.redeliveries.Inc()
	}
}
