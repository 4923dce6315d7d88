package wire

import (
	"fmt"
	"math"

	"github.com/shoal-io/shoal/algo"
)

// Result is what a worker sends back for a task, or for one part of a task
// whose result is too large for one message.
type Result struct {
	Job    string `json:"job"`
	Task   int    `json:"task"`
	Round  int64  `json:"round"`
	Fit    int    `json:"fit,omitempty"` // the task's Fit
	Kind   Kind   `json:"kind"`
	Part   int    `json:"part"`
	Parts  int    `json:"parts"`
	Worker string `json:"worker,omitempty"`
	Err    *Error `json:"error,omitempty"`

	// KindSums.
	K       int     `json:"k,omitempty"`
	D       int     `json:"d,omitempty"`
	Inertia float64 `json:"inertia,omitempty"`
	N       int64   `json:"n,omitempty"`
	// Pieces, on a KindSums result of a task of several pieces (see
	// Task.PieceShards), is how many sums the arrays hold, one per
	// piece, in the task's shard order: Sums has Pieces×K×D values;
	// Weights, Counts and Inertias Pieces×K; PieceInertia and PieceRows
	// Pieces. 0 means one set of sums for the whole task. The
	// coordinator adds the pieces of a round up a binary tree over them
	// (algo.SumTree), so the merged sums are the same bits however the
	// pieces were grouped into tasks, and so for any number of workers.
	// With NodePieces the sums are of nodes of that tree. Inertia and N
	// stay the task's totals.
	Pieces int `json:"pieces,omitempty"`
	// NodePieces, on the result of a Task.PieceTree task of several
	// sums, is how many pieces each of the Pieces sums holds: nodes of
	// the round's piece tree, in order, from the task's first piece.
	// Nil means one piece each, or with Pieces 0 one sum of all the
	// task's pieces.
	NodePieces []int `json:"node_pieces,omitempty"`
	// Runs, on a KindSums result of a task of several runs (see
	// Task.RunK), is their number: each piece's sums hold the runs'
	// sums one after another (run r's K_r×D sums, K_r weights, counts
	// and inertias), K is the runs' total, and PieceInertia and
	// PieceRows hold Pieces×Runs values, piece by piece, run by run.
	// Pieces is then at least 1.
	Runs int `json:"runs,omitempty"`

	// KindStats: one summary per feature column, or one histogram per
	// query of the task (see Task.Quantiles).
	Moments []algo.Moments       `json:"moments,omitempty"`
	Hists   []*algo.QuantileHist `json:"hists,omitempty"`

	// KindLevels: each feature column's sorted distinct values (nil for
	// a column that is not nominal).
	Levels [][]string `json:"levels,omitempty"`

	// KindMedoids.
	Loss       float64 `json:"loss,omitempty"`
	Iterations int     `json:"iterations,omitempty"`
	Swaps      int     `json:"swaps,omitempty"`
	// Silhouettes when the task asked for them.
	Silhouette       *float64 `json:"silhouette,omitempty"`
	MedoidSilhouette *float64 `json:"medoid_silhouette,omitempty"`

	Sums      []float64 `json:"-"` // KindSums: K × D
	Weights   []float64 `json:"-"` // KindSums: K
	Counts    []int64   `json:"-"` // KindSums, KindLabel with CountsOnly: K
	Inertias  []float64 `json:"-"` // KindSums: K, each centre's share of Inertia
	Rows      []int64   `json:"-"` // global rows (sample, keep, label, medoids)
	Points    []float32 `json:"-"` // sample, keep, medoids: len(Rows) × D
	RowWeight []float32 `json:"-"` // sample, keep: per-row weight when the job has one
	Labels    []int32   `json:"-"` // KindLabel
	Distances []float64 `json:"-"` // KindLabel
	Costs     []float64 `json:"-"` // KindScore: one per set

	PieceInertia []float64 `json:"-"` // KindSums with Pieces: each piece's Inertia
	PieceRows    []int64   `json:"-"` // KindSums with Pieces: each piece's rows
	// RowRun stands in the header for Rows when they are consecutive,
	// as a label task's rows are unless rows were dropped: 8 bytes per
	// row fewer on the wire (9 rather than 20 per label, with the
	// cluster ids of k ≤ 256 sent in a byte each). It is set
	// only on the wire; EncodeResult and DecodeResult turn Rows into a
	// run and back.
	RowRun *RowRun `json:"row_run,omitempty"`
}

// RowRun is the rows First, First+1, …, First+N-1.
type RowRun struct {
	First int64 `json:"first"`
	N     int   `json:"n"`
}

// rowRun returns the run that rows are, if they are consecutive and the
// result has another per-row array that bounds a run when decoding.
func (r *Result) rowRun() *RowRun {
	rows := r.Rows
	if len(rows) == 0 || (r.Labels == nil && r.Points == nil && r.RowWeight == nil) {
		return nil
	}
	first := rows[0]
	if first < 0 || first > math.MaxInt64-int64(len(rows)) {
		return nil
	}
	for i, v := range rows {
		if v != first+int64(i) {
			return nil
		}
	}
	return &RowRun{First: first, N: len(rows)}
}

// RowBytes is what one row of r takes in EncodeResult's frame (its
// per-row arrays, the header aside): what a sender divides a message's
// room by to cut a result into parts that fit. Parts of a result whose
// rows are a run, or whose labels fit a byte, keep that.
func (r *Result) RowBytes() int {
	n := len(r.Rows)
	if n == 0 {
		return 0
	}
	size := 8
	if r.rowRun() != nil {
		size = 0
	}
	size += 4*len(r.Points)/n + 4*len(r.RowWeight)/n + 8*len(r.Distances)/n
	if r.Labels != nil {
		var w frameWriter
		w.i32Small("labels", r.Labels)
		size += w.size / n
	}
	return size
}

// expandRowRun turns a decoded run back into Rows. A run may not be
// longer than the per-row arrays that came with it (validate then checks
// that the lengths agree), so a header cannot make a decoder allocate
// more than a few times the message's size.
func (r *Result) expandRowRun() error {
	run := r.RowRun
	if run == nil {
		return nil
	}
	r.RowRun = nil
	if r.Rows != nil {
		return fmt.Errorf("%w: a result with both rows and a row run", ErrDecode)
	}
	if run.N <= 0 || run.N > len(r.Labels)+len(r.Points)+len(r.RowWeight) ||
		run.First < 0 || run.First > math.MaxInt64-int64(run.N) {
		return fmt.Errorf("%w: row run of %d rows from %d", ErrDecode, run.N, run.First)
	}
	r.Rows = make([]int64, run.N)
	for i := range r.Rows {
		r.Rows[i] = run.First + int64(i)
	}
	return nil
}

// MaxPieces bounds Result.Pieces: a task returns at most this many sums.
const MaxPieces = 1 << 16

// MaxRoundPieces bounds the pieces of a round (Task.FirstPiece).
const MaxRoundPieces = 1 << 30

// Key identifies a result part for deduplication.
func (r *Result) Key() string {
	if r.Fit != 0 {
		return fmt.Sprintf("%s/f%d/%d/%d/%d", r.Job, r.Fit, r.Round, r.Task, r.Part)
	}
	return fmt.Sprintf("%s/%d/%d/%d", r.Job, r.Round, r.Task, r.Part)
}

// EncodeResult returns the wire form of r.
func EncodeResult(r *Result) ([]byte, error) {
	var w frameWriter
	w.f64("sums", r.Sums)
	w.f64("weights", r.Weights)
	w.i64("counts", r.Counts)
	w.f64("inertias", r.Inertias)
	if run := r.rowRun(); run != nil {
		h := *r
		h.RowRun, h.Rows = run, nil
		r = &h
	}
	w.i64("rows", r.Rows)
	w.f32("points", r.Points)
	w.f32("row_weight", r.RowWeight)
	w.i32Small("labels", r.Labels) // a byte a label for k ≤ 256
	w.f64("distances", r.Distances)
	w.f64("costs", r.Costs)
	w.f64("piece_inertia", r.PieceInertia)
	w.i64("piece_rows", r.PieceRows)
	return w.finish(r)
}

// DecodeResult parses a result and checks its arrays against each other.
func DecodeResult(b []byte) (*Result, error) {
	r := new(Result)
	f, err := readFrame(b, r)
	if err != nil {
		return nil, err
	}
	for _, get := range []func() error{
		func() (e error) { r.Sums, e = f.f64("sums"); return },
		func() (e error) { r.Weights, e = f.f64("weights"); return },
		func() (e error) { r.Counts, e = f.i64("counts"); return },
		func() (e error) { r.Inertias, e = f.f64("inertias"); return },
		func() (e error) { r.Rows, e = f.i64("rows"); return },
		func() (e error) { r.Points, e = f.f32("points"); return },
		func() (e error) { r.RowWeight, e = f.f32("row_weight"); return },
		func() (e error) { r.Labels, e = f.i32("labels"); return },
		func() (e error) { r.Distances, e = f.f64("distances"); return },
		func() (e error) { r.Costs, e = f.f64("costs"); return },
		func() (e error) { r.PieceInertia, e = f.f64("piece_inertia"); return },
		func() (e error) { r.PieceRows, e = f.i64("piece_rows"); return },
	} {
		if err := get(); err != nil {
			return nil, err
		}
	}
	if err := r.expandRowRun(); err != nil {
		return nil, err
	}
	if err := r.validate(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Result) validate() error {
	if r.Job == "" {
		return fmt.Errorf("%w: result without a job", ErrDecode)
	}
	if r.Parts < 1 || r.Part < 0 || r.Part >= r.Parts || r.Parts > MaxResultParts {
		return fmt.Errorf("%w: part %d of %d (at most %d parts)", ErrDecode, r.Part, r.Parts, MaxResultParts)
	}
	if r.Err != nil {
		return nil
	}
	if r.K < 0 || r.D < 0 {
		return fmt.Errorf("%w: bad shape k=%d d=%d", ErrDecode, r.K, r.D)
	}
	if r.Pieces < 0 || r.Pieces > MaxPieces || (r.Pieces > 0 && r.Kind != KindSums) {
		return fmt.Errorf("%w: %d pieces on a %s result (at most %d, on sums only)", ErrDecode, r.Pieces, r.Kind, MaxPieces)
	}
	if r.Pieces == 0 && (r.PieceInertia != nil || r.PieceRows != nil) {
		return fmt.Errorf("%w: piece totals without pieces", ErrDecode)
	}
	if r.NodePieces != nil {
		if len(r.NodePieces) != r.Pieces {
			return fmt.Errorf("%w: %d node sizes for %d sums", ErrDecode, len(r.NodePieces), r.Pieces)
		}
		for _, n := range r.NodePieces {
			if n < 1 || n > MaxRoundPieces || n&(n-1) != 0 {
				return fmt.Errorf("%w: a node of %d pieces (a power of two up to %d)", ErrDecode, n, MaxRoundPieces)
			}
		}
	}
	if r.Kind == KindSums {
		p := int64(max(r.Pieces, 1))
		if int64(len(r.Sums)) != p*int64(r.K)*int64(r.D) || int64(len(r.Weights)) != p*int64(r.K) ||
			int64(len(r.Counts)) != p*int64(r.K) || int64(len(r.Inertias)) != p*int64(r.K) {
			return fmt.Errorf("%w: sums of %d/%d/%d values for %d pieces of k=%d d=%d", ErrDecode, len(r.Sums), len(r.Weights), len(r.Counts), p, r.K, r.D)
		}
		if r.Runs < 0 || r.Runs > MaxRuns || (r.Runs > 0 && r.Pieces == 0) {
			return fmt.Errorf("%w: sums of %d runs in %d pieces", ErrDecode, r.Runs, r.Pieces)
		}
		if r.Pieces > 0 && (len(r.PieceInertia) != r.Pieces*max(r.Runs, 1) || len(r.PieceRows) != r.Pieces*max(r.Runs, 1)) {
			return fmt.Errorf("%w: %d piece inertias and %d piece row counts for %d pieces", ErrDecode, len(r.PieceInertia), len(r.PieceRows), r.Pieces)
		}
	}
	if r.Kind == KindValidity {
		k, kd := int64(r.K), int64(r.K)*int64(r.D)
		if int64(len(r.Counts)) != k || (r.Sums != nil && int64(len(r.Sums)) != kd) ||
			(r.Weights != nil && int64(len(r.Weights)) != k) || (r.Inertias != nil && int64(len(r.Inertias)) != k) {
			return fmt.Errorf("%w: validity sums of %d/%d/%d/%d values for k=%d d=%d", ErrDecode,
				len(r.Counts), len(r.Sums), len(r.Weights), len(r.Inertias), r.K, r.D)
		}
	}
	if r.Kind == KindLabel && r.Counts != nil && len(r.Counts) != r.K {
		return fmt.Errorf("%w: %d label counts for k=%d", ErrDecode, len(r.Counts), r.K)
	}
	n := len(r.Rows)
	if r.Points != nil && (r.D == 0 || int64(len(r.Points)) != int64(n)*int64(r.D)) {
		return fmt.Errorf("%w: %d point values for %d rows of d=%d", ErrDecode, len(r.Points), n, r.D)
	}
	if r.RowWeight != nil && len(r.RowWeight) != n {
		return fmt.Errorf("%w: %d weights for %d rows", ErrDecode, len(r.RowWeight), n)
	}
	if r.Labels != nil && (len(r.Labels) != n || len(r.Distances) != n) {
		return fmt.Errorf("%w: %d labels and %d distances for %d rows", ErrDecode, len(r.Labels), len(r.Distances), n)
	}
	return nil
}
