package algo

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
)

// Dissimilarity is any symmetric, non-negative dissimilarity over n
// objects numbered 0..n-1, with At(i, i) == 0. The k-medoids code needs
// nothing more: no triangle inequality, no vectors. All algorithms only
// read it, so one value may serve concurrent runs.
//
// The concrete types LowerTriangle, DenseMatrix and Vectors are recognised
// by the algorithms and read through their slices directly; any other
// implementation works too but pays an interface call per element.
// Implementations must return finite, non-negative values: the algorithms
// do not re-check the O(n²) entries of a caller's type.
type Dissimilarity interface {
	// Len is the number of objects n.
	Len() int
	// At is the dissimilarity between objects i and j, both in [0, n).
	At(i, j int) float32
}

// maxTrianglePairs bounds a LowerTriangle to 2^38 entries (1 TiB of
// float32): far beyond any machine shoal runs on, but small enough that
// index arithmetic on int cannot overflow. Whether the memory is actually
// there is the caller's business; MatrixBytes says how much is needed.
const maxTrianglePairs = 1 << 38

// LowerTriangle stores the n(n-1)/2 dissimilarities below the diagonal of a
// symmetric matrix with zero diagonal, row by row: (1,0), (2,0), (2,1),
// (3,0), ... It is the same layout as R's dist objects read by rows of the
// lower triangle, and half the memory of a DenseMatrix.
type LowerTriangle struct {
	n    int
	data []float32
}

// NewLowerTriangle allocates a zeroed triangle for n objects. It returns
// ErrEmpty for n < 1 and ErrTooLarge when n(n-1)/2 exceeds 2^38 entries
// or n exceeds the int32 range used for assignments.
func NewLowerTriangle(n int) (*LowerTriangle, error) {
	if n < 1 {
		return nil, fmt.Errorf("%w: n=%d", ErrEmpty, n)
	}
	if n > math.MaxInt32 || trianglePairs(n) > maxTrianglePairs {
		return nil, fmt.Errorf("%w: a dissimilarity matrix of n=%d objects needs %d bytes", ErrTooLarge, n, MatrixBytes(n))
	}
	return &LowerTriangle{n: n, data: make([]float32, trianglePairs(n))}, nil
}

// trianglePairs is n(n-1)/2 without intermediate overflow for n < 2^32.
func trianglePairs(n int) int64 {
	if n < 2 {
		return 0
	}
	return int64(n) * int64(n-1) / 2
}

// MatrixBytes is the memory, in bytes, that a LowerTriangle of n objects
// needs: 4·n(n-1)/2. It saturates at math.MaxInt64 instead of overflowing,
// so a caller can compare it with available memory for any n.
func MatrixBytes(n int) int64 {
	if n < 2 {
		return 0
	}
	if n > 1<<31 { // 2·n² would overflow int64
		return math.MaxInt64
	}
	return trianglePairs(n) * 4
}

// Len is the number of objects.
func (m *LowerTriangle) Len() int { return m.n }

// At returns the dissimilarity between i and j; At(i, i) is 0. It panics
// on indices out of range, like a slice.
func (m *LowerTriangle) At(i, j int) float32 {
	if i == j {
		if uint(i) >= uint(m.n) {
			panic(fmt.Sprintf("algo: LowerTriangle index %d out of range [0,%d)", i, m.n))
		}
		return 0
	}
	if i < j {
		i, j = j, i
	}
	if uint(i) >= uint(m.n) || j < 0 {
		panic(fmt.Sprintf("algo: LowerTriangle index (%d,%d) out of range [0,%d)", i, j, m.n))
	}
	return m.data[i*(i-1)/2+j]
}

// Set stores v as the dissimilarity between i and j (and j and i). It
// panics when v is negative, NaN or infinite, when i == j and v != 0, or
// on indices out of range: a bad value stored here would silently corrupt
// every algorithm that reads it, so it is treated as a programming error.
// Callers loading untrusted values check them first (NewDenseMatrix does).
func (m *LowerTriangle) Set(i, j int, v float32) {
	if !(v >= 0) || math.IsInf(float64(v), 1) {
		panic(fmt.Sprintf("algo: LowerTriangle.Set(%d, %d, %v): dissimilarity must be finite and non-negative", i, j, v))
	}
	if i < j {
		i, j = j, i
	}
	if uint(i) >= uint(m.n) || j < 0 {
		panic(fmt.Sprintf("algo: LowerTriangle index (%d,%d) out of range [0,%d)", i, j, m.n))
	}
	if i == j {
		if v != 0 {
			panic(fmt.Sprintf("algo: LowerTriangle.Set(%d, %d, %v): the diagonal is 0", i, j, v))
		}
		return
	}
	m.data[i*(i-1)/2+j] = v
}

// DenseMatrix is a full n×n row-major dissimilarity matrix, as read from a
// file or handed over by another library. It keeps the caller's slice (no
// copy). Rows are contiguous, so it is the fastest type for the k-medoids
// code, at twice the memory of a LowerTriangle.
type DenseMatrix struct {
	n    int
	data []float32
}

// denseSymTol is the relative tolerance NewDenseMatrix accepts between
// d(i,j) and d(j,i): about 80 float32 ulps, enough for a matrix computed by
// another program that summed the two halves in different orders, far
// below any real asymmetry.
const denseSymTol = 1e-5

// NewDenseMatrix wraps data, an n×n row-major matrix, after checking it in
// O(n²): len(data) must be n·n (ErrNotSquare); every entry finite and
// non-negative and the diagonal zero (ErrBadDissimilarity); and
// |d(i,j)-d(j,i)| ≤ 1e-5·max(d(i,j), d(j,i)) (ErrAsymmetric). Each error
// names the first offending (i, j). Within the tolerance the values are
// used as given, not symmetrised: the k-medoids code always reads the row
// of a medoid, d(medoid, object), so its bookkeeping stays consistent.
// The caller must not modify data afterwards.
func NewDenseMatrix(n int, data []float32) (*DenseMatrix, error) {
	if n < 1 {
		return nil, fmt.Errorf("%w: n=%d", ErrEmpty, n)
	}
	if n > math.MaxInt32 || int64(len(data)) != int64(n)*int64(n) {
		return nil, fmt.Errorf("%w: %d values for n=%d (want %d)", ErrNotSquare, len(data), n, int64(n)*int64(n))
	}
	for i := 0; i < n; i++ {
		row := data[i*n : (i+1)*n]
		if row[i] != 0 {
			return nil, fmt.Errorf("%w: diagonal entry (%d,%d) is %v, want 0", ErrBadDissimilarity, i, i, row[i])
		}
		for j, v := range row {
			if !(v >= 0) || math.IsInf(float64(v), 1) {
				return nil, fmt.Errorf("%w: entry (%d,%d) is %v", ErrBadDissimilarity, i, j, v)
			}
		}
	}
	for i := 0; i < n; i++ {
		for j := 0; j < i; j++ {
			a, b := data[i*n+j], data[j*n+i]
			if math.Abs(float64(a)-float64(b)) > denseSymTol*math.Max(float64(a), float64(b)) {
				return nil, fmt.Errorf("%w: entry (%d,%d) is %v but (%d,%d) is %v", ErrAsymmetric, i, j, a, j, i, b)
			}
		}
	}
	return &DenseMatrix{n: n, data: data}, nil
}

// Len is the number of objects.
func (m *DenseMatrix) Len() int { return m.n }

// At returns data[i·n+j]; it panics on indices out of range.
func (m *DenseMatrix) At(i, j int) float32 {
	if uint(j) >= uint(m.n) {
		panic(fmt.Sprintf("algo: DenseMatrix index (%d,%d) out of range [0,%d)", i, j, m.n))
	}
	return m.data[i*m.n+j]
}

// Vectors are n points of dimension d, row-major in Data, whose
// dissimilarity is Metric computed on demand: no n² memory, but every At
// costs O(d). Use BuildLowerTriangle to trade memory for speed when the
// algorithm reads each pair many times (PAM, FasterPAM on all points).
// Build it with NewVectors; the algorithms re-check the shape and metric
// of a hand-built one (ErrShape, ErrUnknownMetric) but not its values.
type Vectors struct {
	Data   []float32
	N, D   int
	Metric Metric
	// Ranges, for Gower only, holds each column's range (1 for a nominal
	// column; see GowerDistance); nil means all 1.
	Ranges []float64
}

// NewVectors checks that data holds n rows of d finite values and that m is
// known, and wraps it without copying. Errors: ErrEmpty for n < 1,
// ErrShape for d < 1 or len(data) != n·d, ErrUnknownMetric, and
// ErrBadDissimilarity naming the row and column of a NaN or infinity.
func NewVectors(data []float32, n, d int, m Metric) (*Vectors, error) {
	if n < 1 {
		return nil, fmt.Errorf("%w: n=%d", ErrEmpty, n)
	}
	if d < 1 || n > math.MaxInt32 || int64(len(data)) != int64(n)*int64(d) {
		return nil, fmt.Errorf("%w: %d values for n=%d rows of d=%d", ErrShape, len(data), n, d)
	}
	if !m.valid() {
		return nil, fmt.Errorf("%w: Metric(%d)", ErrUnknownMetric, int(m))
	}
	for i, v := range data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("%w: row %d, column %d is %v", ErrBadDissimilarity, i/d, i%d, v)
		}
	}
	return &Vectors{Data: data, N: n, D: d, Metric: m}, nil
}

// Len is the number of points.
func (v *Vectors) Len() int { return v.N }

// At computes the metric between points i and j, rounded to float32
// exactly as Distance would give it; At(i, i) is 0.
func (v *Vectors) At(i, j int) float32 {
	if i == j {
		if uint(i) >= uint(v.N) {
			panic(fmt.Sprintf("algo: Vectors index %d out of range [0,%d)", i, v.N))
		}
		return 0
	}
	return float32(v.distance(v.row(i), v.row(j)))
}

// distance is Distance under v's metric, with v's ranges for Gower.
func (v *Vectors) distance(a, b []float32) float64 {
	if v.Metric == Gower {
		return metricGower(a, b, v.Ranges)
	}
	return Distance(v.Metric, a, b)
}

func (v *Vectors) row(i int) []float32 { return v.Data[i*v.D : (i+1)*v.D : (i+1)*v.D] }

// norms returns |x_i| for every point, computed as Distance computes them,
// so that cosine kernels using them agree with Distance bit for bit. It is
// nil for other metrics.
func (v *Vectors) norms() []float64 {
	if v.Metric != Cosine {
		return nil
	}
	out := make([]float64, v.N)
	for i := range out {
		r := v.row(i)
		out[i] = math.Sqrt(metricDot(r, r))
	}
	return out
}

// vecFill sets out[t] = d(i, js[t]) or, when js is nil, out[t] = d(i, lo+t),
// with the kernels of Distance (so the values agree with it bit for bit)
// and no interface call per pair; the metric switch is a predictable
// branch next to an O(d) loop.
func vecFill(v *Vectors, norms []float64, i int, lo int, js []int32, out []float32) {
	a := v.row(i)
	t0 := 0
	if kmHaveAVX2 && v.D%4 == 0 && (v.Metric == Euclidean || v.Metric == SqEuclidean) {
		t0 = vecFillL2x4(v, i, lo, js, out)
	}
	for t := t0; t < len(out); t++ {
		j := lo + t
		if js != nil {
			j = int(js[t])
		}
		if j == i {
			out[t] = 0
			continue
		}
		b := v.row(j)
		var d float64
		switch v.Metric {
		case Euclidean:
			d = math.Sqrt(metricSqL2(a, b))
		case SqEuclidean:
			d = metricSqL2(a, b)
		case Manhattan:
			d = metricL1(a, b)
		case Cosine:
			d = metricCosine(metricDot(a, b), norms[i], norms[j])
		case Gower:
			d = metricGower(a, b, v.Ranges)
		case Jaccard:
			d = metricJaccard(a, b)
		default:
			panic(fmt.Sprintf("algo: unknown metric %d", int(v.Metric)))
		}
		out[t] = float32(d)
	}
}

// vecFillL2x4 is vecFill for Euclidean and squared Euclidean vectors
// whose dimension is a multiple of 4, four pairs per call of the AVX2
// kernel kmDist64x4AVX2. Its four lanes sum the terms of dimensions t ≡ l
// (mod 4) in increasing t, and metricSqL2 combines the same lanes as
// (s0+s1)+(s2+s3) with no tail when 4 divides d, so the values are
// Distance's bit for bit. It fills out[:t0] for the largest multiple of
// four t0 ≤ len(out) and returns t0; vecFill does the rest.
func vecFillL2x4(v *Vectors, i int, lo int, js []int32, out []float32) int {
	d := v.D
	a := &v.Data[i*d]
	var lanes [16]float64
	t0 := len(out) &^ 3
	var j [4]int
	for t := 0; t < t0; t += 4 {
		for p := range j {
			if js != nil {
				j[p] = int(js[t+p])
			} else {
				j[p] = lo + t + p
			}
		}
		kmDist64x4AVX2(a, a, a, a, &v.Data[j[0]*d], &v.Data[j[1]*d], &v.Data[j[2]*d], &v.Data[j[3]*d], d, &lanes)
		for p, jp := range j {
			s := (lanes[4*p] + lanes[4*p+1]) + (lanes[4*p+2] + lanes[4*p+3])
			switch {
			case jp == i:
				s = 0
			case v.Metric == Euclidean:
				s = math.Sqrt(s)
			}
			out[t+p] = float32(s)
		}
	}
	return t0
}

// kmPairPoints converts the n points of dimension d (a multiple of 4) to
// float64 in pairs for kmTriRowL2AVX512: points 2m and 2m+1 take the 2d
// values from 2md on, dimensions 4q..4q+3 of point 2m at 2md+8q and those
// of point 2m+1 right after; a last unpaired point is paired with zeros.
func kmPairPoints(data []float32, n, d int) []float64 {
	out := make([]float64, (n+1)/2*2*d)
	for i := range n {
		base := i/2*2*d + i%2*4
		row := data[i*d : (i+1)*d]
		for t, x := range row {
			out[base+t/4*8+t%4] = float64(x)
		}
	}
	return out
}

// BuildLowerTriangle computes all n(n-1)/2 dissimilarities of v into a new
// LowerTriangle, with parallelism goroutines (≤ 0 means 1): the caller
// decides, algo starts no goroutines of its own otherwise. Work is handed
// out in blocks of rows and, within a block, in tiles of columns that stay
// in cache. Each entry is computed by the same arithmetic whatever the
// parallelism, so the result is identical for every parallelism, and equal
// to float32(Distance(...)). O(n²d) time, 2n(n-1) bytes, plus, while it
// runs, 8nd bytes (16nd with AVX-512) of float64 copies of the points
// for the (squared) Euclidean kernels when 4 divides d.
func BuildLowerTriangle(v *Vectors, parallelism int) (*LowerTriangle, error) {
	return BuildLowerTriangleContext(context.Background(), v, parallelism)
}

// BuildLowerTriangleContext is BuildLowerTriangle that gives up when ctx
// ends: every goroutine checks ctx before each block of 64 rows, and the
// call then returns ErrCancelled, wrapping the context's cause, and no
// matrix.
func BuildLowerTriangleContext(ctx context.Context, v *Vectors, parallelism int) (*LowerTriangle, error) {
	if v == nil || v.N < 1 {
		return nil, fmt.Errorf("%w: no vectors", ErrEmpty)
	}
	if v.D < 1 || int64(len(v.Data)) != int64(v.N)*int64(v.D) {
		return nil, fmt.Errorf("%w: %d values for n=%d rows of d=%d", ErrShape, len(v.Data), v.N, v.D)
	}
	if !v.Metric.valid() {
		return nil, fmt.Errorf("%w: Metric(%d)", ErrUnknownMetric, int(v.Metric))
	}
	if v.Ranges != nil && len(v.Ranges) != v.D {
		return nil, fmt.Errorf("%w: %d ranges for d=%d", ErrShape, len(v.Ranges), v.D)
	}
	lt, err := NewLowerTriangle(v.N)
	if err != nil {
		return nil, err
	}
	if parallelism < 1 {
		parallelism = 1
	}
	const rowBlock, colTile = 64, 512
	norms := v.norms()
	// The (squared) Euclidean AVX2 path reads the points converted to
	// float64 once here (8nd bytes), instead of converting both points of
	// every pair.
	var f64, pairs []float64
	if kmHaveAVX2 && v.D%4 == 0 && (v.Metric == Euclidean || v.Metric == SqEuclidean) {
		f64 = make([]float64, len(v.Data))
		for t, x := range v.Data {
			f64[t] = float64(x)
		}
		if kmHaveAVX512 {
			pairs = kmPairPoints(v.Data, v.N, v.D)
		}
	}
	nblocks := (v.N + rowBlock - 1) / rowBlock
	if parallelism > nblocks {
		parallelism = nblocks
	}
	// Blocks are taken from the bottom (the longest rows) first so the
	// last blocks handed out are the short ones and goroutines finish
	// together.
	var next atomic.Int64
	stop := newStopper(ctx)
	var stopped atomic.Bool
	// rowsDone counts the rows of finished blocks, for the progress
	// report; the lock keeps the reports in order and never concurrent.
	var reportMu sync.Mutex
	rowsDone := 0
	work := func() {
		for {
			b := nblocks - 1 - int(next.Add(1)-1)
			if b < 0 || stopped.Load() {
				return
			}
			if stop.err() != nil {
				stopped.Store(true)
				return
			}
			lo, hi := b*rowBlock, min((b+1)*rowBlock, v.N)
			for c0 := 0; c0 < hi-1; c0 += colTile {
				for i := max(lo, c0+1); i < hi; i++ {
					c1 := min(c0+colTile, i)
					base := i * (i - 1) / 2
					t := c0
					if m8 := (c1 - c0) &^ 7; pairs != nil && m8 > 0 {
						// c0, a multiple of colTile, starts a pair.
						d := v.D
						kmTriRowL2AVX512(&f64[i*d], &pairs[c0*d], d, m8, v.Metric == Euclidean, &lt.data[base+c0])
						t += m8
					}
					if m4 := (c1 - t) &^ 3; f64 != nil && m4 > 0 {
						d := v.D
						kmTriRowL2AVX2(&f64[i*d], &f64[t*d], d, m4, v.Metric == Euclidean, &lt.data[base+t])
						t += m4
					}
					vecFill(v, norms, i, t, nil, lt.data[base+t:base+c1])
				}
			}
			if stop.reporting() {
				reportMu.Lock()
				rowsDone += hi - lo
				stop.report(Step{Phase: PhaseMatrix, Done: rowsDone, Total: v.N})
				reportMu.Unlock()
			}
		}
	}
	if parallelism == 1 {
		work()
	} else {
		var wg sync.WaitGroup
		for range parallelism {
			wg.Go(work)
		}
		wg.Wait()
	}
	if stopped.Load() {
		return nil, stop.err()
	}
	return lt, nil
}

// kmedAccess reads a Dissimilarity for the k-medoids and silhouette code
// with one type switch per row instead of one interface call per element.
// Everything it hands out is read-only: a row of a DenseMatrix is the
// matrix's own memory.
type kmedAccess struct {
	n     int
	lt    *LowerTriangle
	dm    *DenseMatrix
	vec   *Vectors
	norms []float64 // |x_i| for cosine Vectors
	gen   Dissimilarity
}

func newKmedAccess(d Dissimilarity) kmedAccess {
	a := kmedAccess{n: d.Len()}
	switch t := d.(type) {
	case *LowerTriangle:
		a.lt = t
	case *DenseMatrix:
		a.dm = t
	case *Vectors:
		a.vec = t
		a.norms = t.norms()
	default:
		a.gen = d
	}
	return a
}

// row returns d(x, o) for all o in [0, n). buf (length ≥ n) is filled and
// returned, except for a DenseMatrix, whose own row is returned.
func (a *kmedAccess) row(x int, buf []float32) []float32 {
	n := a.n
	switch {
	case a.dm != nil:
		return a.dm.data[x*n : (x+1)*n : (x+1)*n]
	case a.lt != nil:
		buf = buf[:n]
		base := x * (x - 1) / 2
		copy(buf[:x], a.lt.data[base:base+x])
		buf[x] = 0
		// Column x below the diagonal: entry (o, x) sits at
		// o(o-1)/2 + x, and consecutive o are o apart.
		data := a.lt.data
		idx := x*(x+1)/2 + x
		for o := x + 1; o < n; o++ {
			buf[o] = data[idx]
			idx += o
		}
		return buf
	case a.vec != nil:
		buf = buf[:n]
		vecFill(a.vec, a.norms, x, 0, nil, buf)
		return buf
	default:
		buf = buf[:n]
		for o := range buf {
			buf[o] = a.gen.At(x, o)
		}
		return buf
	}
}

// gather sets out[t] = d(x, idx[t]).
func (a *kmedAccess) gather(x int, idx []int32, out []float32) {
	out = out[:len(idx)]
	switch {
	case a.dm != nil:
		r := a.dm.data[x*a.n : (x+1)*a.n]
		for t, j := range idx {
			out[t] = r[j]
		}
	case a.lt != nil:
		data := a.lt.data
		for t, j32 := range idx {
			j := int(j32)
			switch {
			case j < x:
				out[t] = data[x*(x-1)/2+j]
			case j > x:
				out[t] = data[j*(j-1)/2+x]
			default:
				out[t] = 0
			}
		}
	case a.vec != nil:
		vecFill(a.vec, a.norms, x, 0, idx, out)
	default:
		for t, j := range idx {
			out[t] = a.gen.At(x, int(j))
		}
	}
}

// at is one element, for the rare paths (recomputing a second-nearest
// medoid) where a whole row would cost more than it saves.
func (a *kmedAccess) at(i, j int) float32 {
	switch {
	case a.dm != nil:
		return a.dm.data[i*a.n+j]
	case a.lt != nil:
		if i == j {
			return 0
		}
		if i < j {
			i, j = j, i
		}
		return a.lt.data[i*(i-1)/2+j]
	case a.vec != nil:
		if i == j {
			return 0
		}
		v := a.vec
		if v.Metric == Cosine {
			return float32(metricCosine(metricDot(v.row(i), v.row(j)), a.norms[i], a.norms[j]))
		}
		return float32(v.distance(v.row(i), v.row(j)))
	default:
		return a.gen.At(i, j)
	}
}

// kmedBlock is how many consecutive rows kmedBlockReader fetches at once:
// 32 float32 are two 64-byte cache lines of each stored LowerTriangle row,
// and 32 rows of n values (128n bytes, 640 KiB at n = 5000) stay in L2.
// Measured at n = 5000 (a 50 MB triangle, larger than L3): a FasterPAM
// evaluation pass took about half the time of row-by-row reading; 16
// gained less, 64 and 128 no more.
const kmedBlock = 32

// blockPrefetch is how many stored rows ahead kmedBlockReader prefetches
// the segment it will read.
const blockPrefetch = 16

// kmedBlockReader hands out the rows of consecutive objects in blocks.
// The algorithms that sweep over all candidates (BUILD, the swap passes,
// silhouettes) read every row once per pass; for a LowerTriangle the part
// of row x above the diagonal is column x, one value per stored row and so
// one cache miss per value. Reading kmedBlock rows together turns that
// into one miss per cache line. For a DenseMatrix the rows are returned
// in place; other types are read row by row.
type kmedBlockReader struct {
	acc  *kmedAccess
	buf  []float32
	rows [][]float32
}

func newKmedBlockReader(acc *kmedAccess) *kmedBlockReader {
	r := &kmedBlockReader{acc: acc, rows: make([][]float32, kmedBlock)}
	if acc.dm == nil {
		r.buf = make([]float32, kmedBlock*acc.n)
	}
	return r
}

// block returns d(x0+b, ·) for b = 0 .. min(kmedBlock, n-x0)-1. The rows
// are valid until the next call and must not be modified.
func (r *kmedBlockReader) block(x0 int) [][]float32 {
	a, n := r.acc, r.acc.n
	cnt := min(kmedBlock, n-x0)
	rows := r.rows[:cnt]
	if a.dm != nil {
		for b := range rows {
			x := x0 + b
			rows[b] = a.dm.data[x*n : (x+1)*n : (x+1)*n]
		}
		return rows
	}
	for b := range rows {
		rows[b] = r.buf[b*n : (b+1)*n : (b+1)*n]
	}
	if a.lt == nil {
		for b, row := range rows {
			a.row(x0+b, row)
		}
		return rows
	}
	data := a.lt.data
	for b, row := range rows {
		x := x0 + b
		base := x * (x - 1) / 2
		copy(row[:x], data[base:base+x])
		row[x] = 0
	}
	// Entries (o, x0+b) for o > x0+b: kmedBlock consecutive values of
	// stored row o.
	for o := x0 + 1; o < n; o++ {
		base := o*(o-1)/2 + x0
		// Each o reads another stored row, a stride the hardware
		// prefetcher does not follow: ask for the segment of row o+16
		// now, so that many misses are in flight at once.
		if kmHaveAVX2 && o+blockPrefetch < n {
			q := o + blockPrefetch
			kmPrefetchSeg(&data[q*(q-1)/2+x0])
		}
		seg := data[base : base+min(cnt, o-x0)]
		for b, v := range seg {
			rows[b][o] = v
		}
	}
	return rows
}
