package algo

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// MiniBatchConfig configures mini-batch k-means. The defaults are
// scikit-learn's MiniBatchKMeans (1.4 and later).
type MiniBatchConfig struct {
	// BatchSize is the number of rows drawn per step. It normalises the
	// batch inertia for early stopping. 0 means 1024 (scikit-learn).
	BatchSize int

	// MaxNoImprovement stops after this many consecutive steps without
	// improvement of the smoothed batch inertia. 0 means 10
	// (scikit-learn); a negative value disables this test.
	MaxNoImprovement int

	// Tol stops when Σ_j ‖c_j(new) − c_j(old)‖², summed over all centres
	// as scikit-learn does (not averaged), is at most Tol·DataVariance.
	// 0 disables the test (scikit-learn's default).
	Tol float64

	// DataVariance is the mean over dimensions of the per-dimension
	// variance of the data, which scales Tol as in scikit-learn; the
	// caller computes it (one pass over the data or a sample). Required
	// when Tol > 0.
	DataVariance float64

	// ReassignmentRatio: centres whose cumulative weight falls below this
	// fraction of the largest one are moved to candidate rows. 0 means
	// 0.01 (scikit-learn); a negative value disables reassignment.
	ReassignmentRatio float64

	// Rows is the number of rows of the whole data set. The batch inertia
	// is smoothed with weight α = min(1, 2·BatchSize/(Rows+1)) per step,
	// as scikit-learn does. 0 means α = 1: no smoothing.
	Rows int64
}

// Stop reasons returned by MiniBatchState.Step.
const (
	kmStopTol           = "converged: centre shift below tolerance"
	kmStopNoImprovement = "converged: no improvement of the smoothed batch inertia"
)

// MiniBatchState is the coordinator's state for mini-batch k-means
// (Sculley, "Web-Scale K-Means Clustering", WWW 2010,
// doi:10.1145/1772690.1772862): each centre's cumulative weight, which sets
// its learning rate, and the early-stopping state. Between steps workers
// assign the batch rows of their shards with Assigner.AccumulateRows
// against the current centres; the coordinator merges the CentreSums in
// task order and calls Step.
//
// A MiniBatchState is not safe for concurrent use. MarshalBinary and
// UnmarshalBinary save and restore it for checkpoints.
type MiniBatchState struct {
	k, d   int
	cfg    MiniBatchConfig
	cfgErr error

	counts        []float64 // cumulative weight per centre
	steps         int64
	sinceReassign int64 // rows seen since the last reassignment
	ewa, best     float64
	ewaSet        bool
	bestSet       bool
	noImprove     int64

	order []int // scratch: starved centres
	perm  []int // scratch: candidate rows
}

// NewMiniBatchState returns the state for k centres of dimension d with
// every cumulative weight at zero. An invalid k, d or cfg is reported by
// Step (ErrInvalidK, ErrShape or ErrConfig).
func NewMiniBatchState(k, d int, cfg MiniBatchConfig) *MiniBatchState {
	m := &MiniBatchState{k: k, d: d}
	m.cfg, m.cfgErr = kmMiniBatchDefaults(cfg)
	if k < 1 {
		m.cfgErr = fmt.Errorf("%w: k=%d", ErrInvalidK, k)
		return m
	}
	if d < 1 {
		m.cfgErr = fmt.Errorf("%w: d=%d", ErrShape, d)
		return m
	}
	m.counts = make([]float64, k)
	m.order = make([]int, 0, k)
	return m
}

// kmMiniBatchDefaults fills the zero values and validates cfg.
func kmMiniBatchDefaults(cfg MiniBatchConfig) (MiniBatchConfig, error) {
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 1024
	}
	if cfg.MaxNoImprovement == 0 {
		cfg.MaxNoImprovement = 10
	}
	if cfg.ReassignmentRatio == 0 {
		cfg.ReassignmentRatio = 0.01
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case cfg.BatchSize < 1:
		return cfg, fmt.Errorf("%w: BatchSize=%d", ErrConfig, cfg.BatchSize)
	case !finite(cfg.Tol) || cfg.Tol < 0:
		return cfg, fmt.Errorf("%w: Tol=%v", ErrConfig, cfg.Tol)
	case !finite(cfg.DataVariance) || cfg.DataVariance < 0:
		return cfg, fmt.Errorf("%w: DataVariance=%v", ErrConfig, cfg.DataVariance)
	case !finite(cfg.ReassignmentRatio):
		return cfg, fmt.Errorf("%w: ReassignmentRatio=%v", ErrConfig, cfg.ReassignmentRatio)
	case cfg.Rows < 0:
		return cfg, fmt.Errorf("%w: Rows=%d", ErrConfig, cfg.Rows)
	}
	return cfg, nil
}

// Step applies one mini-batch update to centres (k×d, row-major) from
// batch, the merged sums of the batch rows assigned against these
// centres, and reports whether to stop and why.
//
// Update. Each centre j that received weight b_j moves to
// (v_j·c_j + Σ w·x)/(v_j + b_j) and v_j grows by b_j. This is Sculley's
// per-point rule c ← (1 − 1/v)·c + x/v, v ← v + 1, applied to the batch's
// points one after the other, summed in closed form: with assignments
// fixed for the batch, as Sculley does, both give the same centre.
//
// Reassignment, as scikit-learn's _mini_batch_step with the caller
// choosing the rows. It runs when some v_j is still 0 or when 10·k rows
// have gone by since the last one. After the update, the centres with
// v_j < ReassignmentRatio·max v are starved; the lightest of them (ties to
// the lower index), at most half the batch rows and at most as many as
// there are candidates, move to rows of reassignCandidates (n_c×d
// row-major, n_c <= k suggested): distinct candidates drawn uniformly
// with rng, or the first ones in order if rng is nil. The coordinator
// picks the candidates from the batch deterministically, e.g. rows chosen
// by Hash(seed, step, row). Reassigned centres get the smallest v of the
// centres not reassigned, so they are not reassigned again at once (the
// scikit-learn rule; it also lowers their learning rate). With no
// candidates nothing is reassigned.
//
// Stopping, as scikit-learn's _mini_batch_convergence. The first step
// never stops (its inertia comes from the initial centres). The batch
// inertia divided by BatchSize is smoothed (see MiniBatchConfig.Rows);
// the run stops with reason "converged: centre shift below tolerance"
// when Tol > 0 and the summed squared centre shift (reassignments
// included) is at most Tol·DataVariance, or with "converged: no
// improvement of the smoothed batch inertia" after MaxNoImprovement steps
// without a new minimum. reason is empty when stop is false.
//
// Cost O(k·d + n_c·d + k log k). On error nothing is changed.
func (m *MiniBatchState) Step(centres []float32, batch *CentreSums, reassignCandidates []float32, rng *rand.Rand) (stop bool, reason string, err error) {
	if m.cfgErr != nil {
		return false, "", m.cfgErr
	}
	k, d := m.k, m.d
	if len(centres) != k*d {
		return false, "", fmt.Errorf("%w: %d centre values, want k×d = %d×%d", ErrShape, len(centres), k, d)
	}
	if batch == nil {
		return false, "", fmt.Errorf("%w: nil CentreSums", ErrShape)
	}
	if err := batch.check(); err != nil {
		return false, "", err
	}
	if batch.K != k || batch.D != d {
		return false, "", fmt.Errorf("%w: batch sums are %d×%d, state %d×%d", ErrShape, batch.K, batch.D, k, d)
	}
	if len(reassignCandidates)%d != 0 {
		return false, "", fmt.Errorf("%w: %d candidate values is not a multiple of d=%d", ErrShape, len(reassignCandidates), d)
	}
	for j, w := range batch.Weights {
		if err := kmCheckWeight(w); err != nil {
			return false, "", fmt.Errorf("%w: centre %d", err, j)
		}
	}
	if batch.Rows < 0 || math.IsNaN(batch.Inertia) {
		return false, "", fmt.Errorf("%w: batch with %d rows and inertia %v", ErrShape, batch.Rows, batch.Inertia)
	}

	// Decide on reassignment before the update, as scikit-learn does.
	reassign := false
	if m.cfg.ReassignmentRatio > 0 {
		m.sinceReassign += batch.Rows
		if slices.Contains(m.counts, 0) || m.sinceReassign >= 10*int64(k) {
			reassign = true
			m.sinceReassign = 0
		}
	}

	var shift float64
	for j := 0; j < k; j++ {
		b := batch.Weights[j]
		if b == 0 {
			continue
		}
		v := m.counts[j]
		c := centres[j*d : (j+1)*d]
		sum := batch.Sums[j*d : (j+1)*d]
		for t := range c {
			nc := float32((v*float64(c[t]) + sum[t]) / (v + b))
			e := float64(nc) - float64(c[t])
			shift += e * e
			c[t] = nc
		}
		m.counts[j] = v + b
	}

	if nc := len(reassignCandidates) / d; reassign && nc > 0 {
		shift += m.reassign(centres, reassignCandidates, nc, batch.Rows, rng)
	}

	m.steps++
	if m.steps == 1 {
		return false, "", nil
	}
	bi := batch.Inertia / float64(m.cfg.BatchSize)
	if !m.ewaSet {
		m.ewa, m.ewaSet = bi, true
	} else {
		alpha := 1.0
		if m.cfg.Rows > 0 {
			alpha = math.Min(1, 2*float64(m.cfg.BatchSize)/float64(m.cfg.Rows+1))
		}
		m.ewa = m.ewa*(1-alpha) + bi*alpha
	}
	if m.cfg.Tol > 0 && shift <= m.cfg.Tol*m.cfg.DataVariance {
		return true, kmStopTol, nil
	}
	if !m.bestSet || m.ewa < m.best {
		m.best, m.bestSet, m.noImprove = m.ewa, true, 0
	} else {
		m.noImprove++
	}
	if m.cfg.MaxNoImprovement > 0 && m.noImprove >= int64(m.cfg.MaxNoImprovement) {
		return true, kmStopNoImprovement, nil
	}
	return false, "", nil
}

// reassign moves starved centres to candidate rows and returns the
// squared distance they moved.
func (m *MiniBatchState) reassign(centres, cand []float32, nc int, batchRows int64, rng *rand.Rand) float64 {
	k, d := m.k, m.d
	maxc := slices.Max(m.counts)
	lim := m.cfg.ReassignmentRatio * maxc
	m.order = m.order[:0]
	for j, v := range m.counts {
		if v < lim {
			m.order = append(m.order, j)
		}
	}
	if len(m.order) == k { // ratio > 1: keep the heaviest centre
		m.order = slices.DeleteFunc(m.order, func(j int) bool { return m.counts[j] == maxc })
	}
	slices.SortFunc(m.order, func(a, b int) int {
		switch {
		case m.counts[a] < m.counts[b]:
			return -1
		case m.counts[a] > m.counts[b]:
			return 1
		}
		return a - b
	})
	n := min(len(m.order), int(batchRows/2), nc)
	if n == 0 {
		return 0
	}
	moved := m.order[:n]

	// Candidate rows: the first n, or n distinct ones drawn with rng
	// (a partial Fisher–Yates shuffle of 0..nc−1).
	if cap(m.perm) < nc {
		m.perm = make([]int, nc)
	}
	perm := m.perm[:nc]
	for i := range perm {
		perm[i] = i
	}
	if rng != nil {
		for i := 0; i < n; i++ {
			r := i + rng.IntN(nc-i)
			perm[i], perm[r] = perm[r], perm[i]
		}
	}

	var shift float64
	for i, j := range moved {
		src := cand[perm[i]*d : (perm[i]+1)*d]
		c := centres[j*d : (j+1)*d]
		for t := range c {
			e := float64(src[t]) - float64(c[t])
			shift += e * e
		}
		copy(c, src)
	}

	// The smallest weight among the centres that stay: mark the moved
	// ones with −1 (weights are never negative), take the minimum of the
	// rest.
	for _, j := range moved {
		m.counts[j] = -1
	}
	minc := math.Inf(1)
	for _, v := range m.counts {
		if v >= 0 {
			minc = math.Min(minc, v)
		}
	}
	for _, j := range moved {
		m.counts[j] = minc
	}
	return shift
}

// Steps returns the number of steps applied so far.
func (m *MiniBatchState) Steps() int64 { return m.steps }

// kmMiniBatchMagic starts an encoded MiniBatchState; the last byte is the
// format version.
var kmMiniBatchMagic = [4]byte{'k', 'm', 'b', 1}

// MarshalBinary encodes the state (configuration, cumulative weights,
// early-stopping state) for a checkpoint, little-endian with a version
// byte.
func (m *MiniBatchState) MarshalBinary() ([]byte, error) {
	if m.cfgErr != nil {
		return nil, m.cfgErr
	}
	b := make([]byte, 0, 4+8*17+8*m.k)
	b = append(b, kmMiniBatchMagic[:]...)
	u := func(v uint64) { b = binary.LittleEndian.AppendUint64(b, v) }
	f := func(v float64) { u(math.Float64bits(v)) }
	flag := func(v bool) uint64 {
		if v {
			return 1
		}
		return 0
	}
	u(uint64(m.k))
	u(uint64(m.d))
	u(uint64(m.cfg.BatchSize))
	u(uint64(m.cfg.MaxNoImprovement))
	f(m.cfg.Tol)
	f(m.cfg.DataVariance)
	f(m.cfg.ReassignmentRatio)
	u(uint64(m.cfg.Rows))
	u(uint64(m.steps))
	u(uint64(m.sinceReassign))
	f(m.ewa)
	u(flag(m.ewaSet))
	f(m.best)
	u(flag(m.bestSet))
	u(uint64(m.noImprove))
	for _, v := range m.counts {
		f(v)
	}
	return b, nil
}

// UnmarshalBinary restores a state written by MarshalBinary. It returns
// ErrConfig, wrapped with what is wrong, for data that is truncated, of
// another version or inconsistent.
func (m *MiniBatchState) UnmarshalBinary(data []byte) error {
	const head = 4 + 8*15
	if len(data) < head || [4]byte(data[:4]) != kmMiniBatchMagic {
		return fmt.Errorf("%w: not an encoded mini-batch state (version %d)", ErrConfig, kmMiniBatchMagic[3])
	}
	p := data[4:]
	u := func() uint64 {
		v := binary.LittleEndian.Uint64(p)
		p = p[8:]
		return v
	}
	f := func() float64 { return math.Float64frombits(u()) }
	k, d := u(), u()
	if k < 1 || d < 1 || d > math.MaxInt32 || k != uint64(len(data)-head)/8 || uint64(len(data)-head) != 8*k {
		return fmt.Errorf("%w: encoded mini-batch state with k=%d d=%d in %d bytes", ErrConfig, k, d, len(data))
	}
	var cfg MiniBatchConfig
	cfg.BatchSize = int(int64(u()))
	cfg.MaxNoImprovement = int(int64(u()))
	cfg.Tol, cfg.DataVariance, cfg.ReassignmentRatio = f(), f(), f()
	cfg.Rows = int64(u())
	cfg, err := kmMiniBatchDefaults(cfg)
	if err != nil {
		return err
	}
	n := MiniBatchState{k: int(k), d: int(d), cfg: cfg, order: make([]int, 0, k)}
	n.steps, n.sinceReassign = int64(u()), int64(u())
	n.ewa = f()
	ewaSet := u()
	n.best = f()
	bestSet := u()
	n.noImprove = int64(u())
	if n.steps < 0 || n.sinceReassign < 0 || n.noImprove < 0 || ewaSet > 1 || bestSet > 1 ||
		math.IsNaN(n.ewa) || math.IsNaN(n.best) {
		return fmt.Errorf("%w: inconsistent encoded mini-batch state", ErrConfig)
	}
	n.ewaSet, n.bestSet = ewaSet == 1, bestSet == 1
	n.counts = make([]float64, k)
	for j := range n.counts {
		n.counts[j] = f()
		if err := kmCheckWeight(n.counts[j]); err != nil {
			return fmt.Errorf("%w: encoded weight of centre %d: %v", ErrConfig, j, n.counts[j])
		}
	}
	*m = n
	return nil
}
