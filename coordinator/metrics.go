package coordinator

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the coordinator's Prometheus metrics. A nil *Metrics records
// nothing.
type Metrics struct {
	jobs      *prometheus.CounterVec
	running   prometheus.Gauge
	tasks     *prometheus.CounterVec
	results   *prometheus.CounterVec
	roundTime *prometheus.HistogramVec
	rows      prometheus.Counter
	exhausted prometheus.Counter
	progressM *prometheus.CounterVec
}

// NewMetrics creates the coordinator metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "shoal", Subsystem: "coordinator", Name: "jobs_total",
			Help: "Jobs that ended, by final state.",
		}, []string{"state"}),
		running: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "shoal", Subsystem: "coordinator", Name: "jobs_running",
			Help: "Jobs running now.",
		}),
		tasks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "shoal", Subsystem: "coordinator", Name: "tasks_published_total",
			Help: "Tasks published to the work queue, by kind.",
		}, []string{"kind"}),
		results: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "shoal", Subsystem: "coordinator", Name: "results_total",
			Help: "Result messages received: used, duplicate (a redelivered task's second result) or stale (an earlier round's).",
		}, []string{"outcome"}),
		roundTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "shoal", Subsystem: "coordinator", Name: "round_seconds",
			Help:    "Time from publishing a round of tasks to its last result, by task kind.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}, []string{"kind"}),
		rows: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "shoal", Subsystem: "coordinator", Name: "rows_labelled_total",
			Help: "Rows written by label passes.",
		}),
		exhausted: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "shoal", Subsystem: "coordinator", Name: "tasks_exhausted_total",
			Help: "Tasks that ran out of deliveries (their job failed).",
		}),
		progressM: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "shoal", Subsystem: "coordinator", Name: "progress_messages_total",
			Help: "Workers' progress messages: used, or ignored (garbled, or about no task being waited for).",
		}, []string{"outcome"}),
	}
	reg.MustRegister(m.jobs, m.running, m.tasks, m.results, m.roundTime, m.rows, m.exhausted, m.progressM)
	return m
}

// jobRunning counts a job as running until the returned func is called,
// however the job's run ends (a shutdown ends it without a final state).
func (m *Metrics) jobRunning() (stopped func()) {
	if m == nil {
		return func() {}
	}
	m.running.Inc()
	return m.running.Dec
}

func (m *Metrics) jobEnded(state string) {
	if m != nil {
		m.jobs.WithLabelValues(state).Inc()
	}
}

func (m *Metrics) published(kind string, n int) {
	if m != nil {
		m.tasks.WithLabelValues(kind).Add(float64(n))
	}
}

func (m *Metrics) result(outcome string) {
	if m != nil {
		m.results.WithLabelValues(outcome).Inc()
	}
}

func (m *Metrics) round(kind string, d time.Duration) {
	if m != nil {
		m.roundTime.WithLabelValues(kind).Observe(d.Seconds())
	}
}

func (m *Metrics) labelled(n int) {
	if m != nil {
		m.rows.Add(float64(n))
	}
}

func (m *Metrics) taskExhausted() {
	if m != nil {
		m.exhausted.Inc()
	}
}

func (m *Metrics) progress(outcome string) {
	if m != nil {
		m.progressM.WithLabelValues(outcome).Inc()
	}
}
