package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/shoal-io/shoal/internal/wire"
)

// jobSummary is the --json form of a finished job: what printSummary
// shows, as one JSON document with snake_case keys, for scripts and
// schedulers. It is built from the model and the paths the job wrote,
// so any command that ends with a model (run, submit --wait, assign)
// prints the same document.
type jobSummary struct {
	JobID     string `json:"job_id"`
	Algorithm string `json:"algorithm"`
	K         int    `json:"k"`
	Metric    string `json:"metric"`
	// Rows are the rows used; RowsDropped those left out by --nulls drop.
	Rows        int64    `json:"rows"`
	RowsDropped int64    `json:"rows_dropped"`
	Features    []string `json:"features"`
	// Loss is the objective the algorithm minimised: inertia for k-means
	// and mini-batch, total deviation for k-medoids.
	Loss             float64  `json:"loss"`
	TotalDeviation   float64  `json:"total_deviation"`
	Inertia          *float64 `json:"inertia,omitempty"`
	Silhouette       *float64 `json:"silhouette,omitempty"`
	MedoidSilhouette *float64 `json:"medoid_silhouette,omitempty"`
	Iterations       int      `json:"iterations"`
	Swaps            int      `json:"swaps"`
	Stop             string   `json:"stop"`
	ClusterSizes     []int64  `json:"cluster_sizes"`
	Seconds          float64  `json:"seconds"`
	// Timings are seconds by phase, known where the job ran in this
	// process (run), absent for a service's job (submit --wait).
	Timings map[string]float64 `json:"timings,omitempty"`
	Model   string             `json:"model,omitempty"`  // the model file written, if any
	Labels  string             `json:"labels,omitempty"` // the labels file or dataset written, if any
	// Selection is how a k sweep chose K: the rule, every k's loss and
	// indices, and where the selection report went.
	Selection *wire.ModelSelection `json:"selection,omitempty"`
	// Truth compares the labels with the generator's truth (run --demo).
	Truth *truthScores `json:"truth,omitempty"`
}

// truthScores are external indices against known labels.
type truthScores struct {
	ARI float64 `json:"ari"`
	NMI float64 `json:"nmi"`
}

// newJobSummary builds the summary of job id from its model; spec gives
// the paths written (Model, Out).
func newJobSummary(id string, spec *wire.JobSpec, m *wire.Model) *jobSummary {
	s := &jobSummary{
		JobID: id, Algorithm: m.Algorithm, K: m.K, Metric: m.Metric,
		Rows: m.N, RowsDropped: m.RowsDropped, Features: m.Columns,
		TotalDeviation: m.TotalDeviation, Inertia: m.Inertia,
		Silhouette: m.Silhouette, MedoidSilhouette: m.MedoidSilhouette,
		Iterations: m.Iterations, Swaps: m.Swaps, Stop: m.Stop,
		ClusterSizes: m.ClusterSizes, Seconds: m.Seconds, Timings: m.Timings,
		Model: spec.Model, Labels: spec.Out, Selection: m.Selection,
	}
	if s.Features == nil {
		s.Features = []string{} // a precomputed matrix has no features: [] rather than null
	}
	s.Loss = m.TotalDeviation
	if slices.Contains(wire.KMeansAlgorithms, m.Algorithm) && m.Inertia != nil {
		s.Loss = *m.Inertia
	}
	return s
}

// printJSONSummary writes the --json summary of a finished job: exactly
// one JSON document, ended by a newline.
func printJSONSummary(w io.Writer, id string, spec *wire.JobSpec, m *wire.Model) error {
	return writeJSON(w, newJobSummary(id, spec, m))
}

// writeJSON writes v as one indented JSON document and a newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("writing JSON: %w", err)
	}
	return nil
}
