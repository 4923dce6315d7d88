package algo

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// Assignment kernel tuning. The numbers come from BenchmarkAssignKernels
// (see bench_kmeans_test.go); they only change speed, never results.
const (
	// kmBlock is the number of rows packed and scored together: a
	// multiple of kmMR and of kmTileRows.
	kmBlock = 132

	// kmTileRows×kmPanel is the register block of the AVX2 kernel: six
	// rows by sixteen centres is twelve YMM accumulators, enough
	// independent FMAs to cover their latency, with four registers left
	// for the panel and the broadcasts.
	kmTileRows = 6
	kmPanel    = 16
	// kmHalfPanel is the width of the AVX2 kernel's last panel when k
	// rounded up to it is not a multiple of kmPanel: k=100 computes 104
	// products a row rather than 112.
	kmHalfPanel = 8

	// kmPrefetchRows is how far ahead packing prefetches a row: enough
	// to cover a miss to memory while rows are centred.
	kmPrefetchRows = 16

	// kmMR×kmNR is the register block of the pure-Go kernel: 4 rows by 2
	// centres is the largest block the Go compiler keeps in the 15 usable
	// XMM registers without spilling on every step (4×4 and 3×4 spill and
	// run slower).
	kmMR = 4
	kmNR = 2

	// kmGemmChunk bounds the centres per Gemm call so that gonum stays on
	// its serial path (it goes parallel from 4 blocks of 64): the caller,
	// not this package, decides parallelism.
	kmGemmChunk = 64

	// kmRoundoff is the unit roundoff of float32.
	kmRoundoff = 1.0 / (1 << 24)
)

// kmPath names the kernel that computes the products of a block.
type kmPath int

const (
	kmPathGemmCols kmPath = iota // Gemm, out is centres×rows: axpy over rows (used)
	kmPathGemmRows               // Gemm, out is rows×centres: axpy over centres (baseline)
	kmPathPanels                 // pure-Go 4×2 register block over packed panels (baseline)
	kmPathAVX2                   // assembly 6×16 register block with FMA (used where the CPU has it)
)

// AssignKernel names the product kernel NewAssigner uses on this machine
// and build: "avx512-fma" or "avx2-fma" (assembly, 16 centres of a tile in
// 512- or 256-bit registers) or "gonum-gemm" (portable), for benchmark
// reports.
func AssignKernel() string {
	if kmDefaultPath() == kmPathAVX2 {
		if kmTileWide {
			return "avx512-fma"
		}
		return "avx2-fma"
	}
	return "gonum-gemm"
}

// kmDefaultPath is the kernel NewAssigner uses.
func kmDefaultPath() kmPath {
	if kmHaveAVX2 {
		return kmPathAVX2
	}
	return kmPathGemmCols
}

// Assigner finds, for each row, the nearest of k centres by squared
// Euclidean distance. It is the hot loop of k-means: workers call it on
// their shards once per Lloyd iteration or mini-batch.
//
// Method. Distances are expanded as ‖x‖² + ‖c‖² − 2x·c and the products x·c
// for a block of kmBlock rows against all centres are computed in float32.
// On amd64 with AVX2 and FMA an assembly kernel (assign_amd64.s) keeps a
// 6-row × 16-centre block of products in twelve YMM registers for the
// whole sweep over the dimensions, and a second routine takes each row's
// best and second-best value eight lanes at a time: on one goroutine at
// d=32, k=100 this runs at about 50 GFLOP/s, five times gonum's blas32.Gemm
// (see BenchmarkAssignKernels). Elsewhere, and under the purego build tag,
// blas32.Gemm computes C·Xᵀ: its SSE assembly axpy runs along the
// kmBlock rows of the block, a long vector whatever k is. Gemm calls are
// serial (at most kmGemmChunk centres each, below gonum's threshold for
// going parallel): the caller owns parallelism. Two other kernels are
// kept, unexported, as benchmark baselines: Gemm as X·Cᵀ (axpy along the
// centres, short for small k) and a pure-Go 4-row × 2-centre register
// block. The products differ between kernels only in float32 rounding,
// which the exactness rule below absorbs: every kernel gives the same
// labels and distances. Both data and
// centres are first shifted by the mean μ of the centres (distances do not
// change under translation), so that data far from the origin does not
// lose its distances to cancellation: the norms in the expansion are those
// of x − μ, not of x.
//
// Exactness. The expansion is only used to choose the label. With
// u = 2⁻²⁴ and tol_j = (d+4)·u·(‖x−μ‖ + ‖c_j−μ‖)², a Higham-style bound on
// the float32 error of each expanded distance, a row whose best expanded
// distance is not separated from the others by these bounds is a near
// tie: every centre that could be the nearest is rescored exactly and the
// smallest wins (lowest index on equal distances). The reported distance
// of the winner is always recomputed directly as Σ(x_t − c_t)² in float64
// from the original float32 values (so it is never negative, unlike the
// expansion, which would need clamping) and rounded to float32 in Assign.
// Labels therefore agree with a naive float64 loop except where the bound
// would fail, which the tests look for and have not found.
//
// Screen. On the AVX2 path with d ≥ 24 and k ≥ 16, a row is first
// labelled from a quarter of its dimensions and kept when its exact
// distance to that centre proves it nearest (assign_screen.go); only the
// other rows take the full products. Labels and distances are the same
// bits either way.
//
// Cost: 2·n·k·d flops for the products (about a quarter of that for rows
// the screen settles), O(n·d) for packing and the exact winner distance,
// O(n·k) for the argmin, O(k²·d) in SetCentres for the screen; no
// allocation after NewAssigner.
//
// An Assigner is not safe for concurrent use; give each goroutine its own.
type Assigner struct {
	k, d int
	kp   int // k rounded up to a multiple of kmNR (kmHalfPanel for AVX2)
	set  bool
	path kmPath

	centres  []float32 // k×d as given, for exact distances
	mu       []float32 // d: mean of the centres
	muSum    []float64 // d: scratch for the mean
	cn       []float32 // kp: ‖c_j − μ‖², +Inf for padding
	cs       []float64 // k: ‖c_j − μ‖
	cnMax    float64   // max_j ‖c_j − μ‖
	tolScale float64   // (d+4)·u

	// centres64 is centres in float64 for the exact distances' kernel
	// (kmDist64x4C64AVX2), which then converts only the rows; nil
	// without AVX2 or where d is not a multiple of 4.
	centres64 []float64

	// Centred centres in the layout of the path: kmNR-wide (panels) or
	// kmPanel-wide (AVX2, the last one kmHalfPanel-wide when kp is not a
	// multiple of kmPanel) panels transposed within a panel, d×k (rows),
	// k×d (cols).
	cc []float32

	// Per-block scratch.
	xb   []float32 // packed centred rows
	xn   []float32 // ‖x−μ‖² per block row
	out  []float32 // expanded distances minus ‖x−μ‖²: kmBlock×kp or k×kmBlock
	b1   []float32 // best expanded value per block row
	b2   []float32 // second best
	j1   []int32   // index of the best
	lab  []int32   // labels of the block
	dist []float64 // exact squared distances of the block
	easy []int32   // block rows labelled without rescoring, distance pending

	rescored int64 // rows decided by exact rescoring (near ties), for tests

	// screen, on the AVX2 path where it pays, labels most rows from a
	// few dimensions (see assign_screen.go); nil elsewhere.
	screen *kmScreen
}

// NewAssigner returns an Assigner for k centres of dimension d. It
// allocates all scratch once; SetCentres must be called before use. For
// k < 1 or d < 1 the Assigner is returned unusable and its methods report
// ErrInvalidK or ErrShape.
func NewAssigner(k, d int) *Assigner {
	return newAssigner(k, d, kmDefaultPath())
}

// newAssigner lets benchmarks force a product kernel.
func newAssigner(k, d int, path kmPath) *Assigner {
	a := &Assigner{k: k, d: d, path: path}
	if k < 1 || d < 1 {
		return a
	}
	a.kp = (k + kmNR - 1) / kmNR * kmNR
	if path == kmPathAVX2 {
		a.kp = (k + kmHalfPanel - 1) / kmHalfPanel * kmHalfPanel
	}
	a.centres = make([]float32, k*d)
	if kmHaveAVX2 && d%4 == 0 {
		a.centres64 = make([]float64, k*d)
	}
	a.mu = make([]float32, d)
	a.muSum = make([]float64, d)
	// Padding centres (AVX2 panels) are zero vectors with norm +Inf, so
	// they never win.
	a.cn = make([]float32, a.kp)
	for j := k; j < a.kp; j++ {
		a.cn[j] = float32(math.Inf(1))
	}
	a.cs = make([]float64, k)
	a.tolScale = float64(d+4) * kmRoundoff
	a.cc = make([]float32, a.kp*d)
	a.xb = make([]float32, kmBlock*d)
	a.xn = make([]float32, kmBlock)
	a.out = make([]float32, kmBlock*a.kp)
	a.b1 = make([]float32, kmBlock)
	a.b2 = make([]float32, kmBlock)
	a.j1 = make([]int32, kmBlock)
	a.lab = make([]int32, kmBlock)
	a.easy = make([]int32, 0, kmBlock)
	a.dist = make([]float64, kmBlock)
	if path == kmPathAVX2 {
		a.screen = newScreen(k, d, a.kp)
	}
	return a
}

// fullPanels is how many of the AVX2 path's kp centre columns lie in
// kmPanel-wide panels; the rest, when there is any, form the one
// kmHalfPanel-wide panel after them.
func (a *Assigner) fullPanels() int { return a.kp / kmPanel * kmPanel }

// check reports whether the Assigner can run.
func (a *Assigner) check() error {
	if a.k < 1 {
		return fmt.Errorf("%w: k=%d", ErrInvalidK, a.k)
	}
	if a.d < 1 {
		return fmt.Errorf("%w: d=%d", ErrShape, a.d)
	}
	if !a.set {
		return fmt.Errorf("%w: centres not set", ErrShape)
	}
	return nil
}

// SetCentres copies the k×d row-major centres c and precomputes their
// mean, centred norms and packed layout (O(k·d)). It returns ErrShape if
// len(c) != k·d and ErrNotFinite if a value is NaN or infinite; on error
// the previous centres stay in place.
func (a *Assigner) SetCentres(c []float32) error {
	if a.k < 1 {
		return fmt.Errorf("%w: k=%d", ErrInvalidK, a.k)
	}
	if a.d < 1 {
		return fmt.Errorf("%w: d=%d", ErrShape, a.d)
	}
	k, d := a.k, a.d
	if len(c) != k*d {
		return fmt.Errorf("%w: %d centre values, want k×d = %d×%d", ErrShape, len(c), k, d)
	}
	for i, v := range c {
		if v-v != 0 { // NaN for NaN and ±Inf
			return fmt.Errorf("%w: centre %d, dimension %d is %v", ErrNotFinite, i/d, i%d, v)
		}
	}
	copy(a.centres, c)
	for i := range a.centres64 {
		a.centres64[i] = float64(c[i])
	}
	// The mean, summed over centres in index order for each dimension.
	mu := a.muSum[:d]
	clear(mu)
	for j := 0; j < k; j++ {
		for t, v := range c[j*d : (j+1)*d] {
			mu[t] += float64(v)
		}
	}
	for t, s := range mu {
		a.mu[t] = float32(s / float64(k))
	}
	// Centre j's value in dimension t goes to cc[base+t·stride].
	a.cnMax = 0
	for j := 0; j < k; j++ {
		var base, stride int
		switch a.path {
		case kmPathPanels:
			base, stride = (j/kmNR)*kmNR*d+j%kmNR, kmNR
		case kmPathAVX2:
			base, stride = (j/kmPanel)*kmPanel*d+j%kmPanel, kmPanel
			if full := a.fullPanels(); j >= full { // the half panel
				base, stride = full*d+j-full, kmHalfPanel
			}
		case kmPathGemmRows:
			base, stride = j, k
		case kmPathGemmCols:
			base, stride = j*d, 1
		}
		var s float64
		for t, x := range c[j*d : (j+1)*d] {
			v := x - a.mu[t]
			s += float64(v) * float64(v)
			a.cc[base+t*stride] = v
		}
		a.cn[j] = float32(s)
		a.cs[j] = math.Sqrt(s)
		a.cnMax = math.Max(a.cnMax, a.cs[j])
	}
	if a.screen != nil {
		a.screen.set(a)
	}
	a.set = true
	return nil
}

// Assign writes, for each of the n rows of x (n×d row-major), the index of
// the nearest centre to labels and its squared distance (>= 0) to dist2.
// labels and dist2 must have length n. A row holding NaN gets label 0 and
// distance NaN.
func (a *Assigner) Assign(x []float32, n int, labels []int32, dist2 []float32) error {
	return a.assign(x, n, labels, len(dist2), func(lo int, d []float64) {
		for i, v := range d {
			dist2[lo+i] = float32(v)
		}
	})
}

// AssignExact is Assign with the distances in float64, exactly as
// computed (Assign rounds them to float32): callers that take minima over
// several Assigners, or sum the distances, get the same values as one
// Assigner over all the centres.
func (a *Assigner) AssignExact(x []float32, n int, labels []int32, dist2 []float64) error {
	return a.assign(x, n, labels, len(dist2), func(lo int, d []float64) { copy(dist2[lo:], d) })
}

// assign checks the shapes, labels the rows block by block and hands each
// block's exact distances, starting at row lo, to put.
func (a *Assigner) assign(x []float32, n int, labels []int32, ndist int, put func(lo int, d []float64)) error {
	if err := a.check(); err != nil {
		return err
	}
	if n < 0 || len(x) != n*a.d {
		return fmt.Errorf("%w: %d values for n×d = %d×%d", ErrShape, len(x), n, a.d)
	}
	if len(labels) != n || ndist != n {
		return fmt.Errorf("%w: %d labels and %d distances for %d rows", ErrShape, len(labels), ndist, n)
	}
	for lo := 0; lo < n; lo += kmBlock {
		nb := min(kmBlock, n-lo)
		a.block(x, nil, lo, nb)
		copy(labels[lo:lo+nb], a.lab[:nb])
		put(lo, a.dist[:nb])
	}
	return nil
}

// Accumulate assigns the n rows of x and adds each row, times its weight
// (w has length n, or is nil for weight 1), into s: the sum and weight of
// its centre, its count, and its weighted squared distance to Inertia and
// Inertias. It adds to what s already holds, so one CentreSums can gather
// several record batches; rows are added in order, so the same rows in the
// same order give bit-identical sums. s must have the Assigner's k and d.
func (a *Assigner) Accumulate(x []float32, n int, w []float32, s *CentreSums) error {
	if err := a.check(); err != nil {
		return err
	}
	if n < 0 || len(x) != n*a.d {
		return fmt.Errorf("%w: %d values for n×d = %d×%d", ErrShape, len(x), n, a.d)
	}
	if w != nil && len(w) != n {
		return fmt.Errorf("%w: %d weights for %d rows", ErrShape, len(w), n)
	}
	if err := a.checkSums(s); err != nil {
		return err
	}
	for i, v := range w {
		if err := kmCheckWeight(float64(v)); err != nil {
			return fmt.Errorf("%w: row %d", err, i)
		}
	}
	for lo := 0; lo < n; lo += kmBlock {
		nb := min(kmBlock, n-lo)
		a.block(x, nil, lo, nb)
		a.add(x, nil, lo, nb, w, s)
	}
	return nil
}

// AccumulateRows is Accumulate restricted to the rows of x (a shard of
// len(x)/d rows) whose indices are listed in rows, in that order: a
// mini-batch drawn from a shard. w, if not nil, is indexed like x (one
// weight per shard row), not like rows. Repeated indices are added again.
func (a *Assigner) AccumulateRows(x []float32, rows []int32, w []float32, s *CentreSums) error {
	if err := a.check(); err != nil {
		return err
	}
	if len(x)%a.d != 0 {
		return fmt.Errorf("%w: %d values is not a multiple of d=%d", ErrShape, len(x), a.d)
	}
	n := len(x) / a.d
	if w != nil && len(w) != n {
		return fmt.Errorf("%w: %d weights for %d rows", ErrShape, len(w), n)
	}
	if err := a.checkSums(s); err != nil {
		return err
	}
	for i, r := range rows {
		if r < 0 || int(r) >= n {
			return fmt.Errorf("%w: rows[%d]=%d outside [0, %d)", ErrShape, i, r, n)
		}
		if w != nil {
			if err := kmCheckWeight(float64(w[r])); err != nil {
				return fmt.Errorf("%w: row %d", err, r)
			}
		}
	}
	for lo := 0; lo < len(rows); lo += kmBlock {
		nb := min(kmBlock, len(rows)-lo)
		a.block(x, rows, lo, nb)
		a.add(x, rows, lo, nb, w, s)
	}
	return nil
}

func (a *Assigner) checkSums(s *CentreSums) error {
	if s == nil {
		return fmt.Errorf("%w: nil CentreSums", ErrShape)
	}
	if err := s.check(); err != nil {
		return err
	}
	if s.K != a.k || s.D != a.d {
		return fmt.Errorf("%w: sums are %d×%d, assigner %d×%d", ErrShape, s.K, s.D, a.k, a.d)
	}
	return nil
}

// kmCheckWeight rejects negative, NaN and infinite weights.
func kmCheckWeight(v float64) error {
	if !(v >= 0) || math.IsInf(v, 1) {
		return fmt.Errorf("%w: %v", ErrBadWeight, v)
	}
	return nil
}

// kmRow returns row r of the block starting at lo: rows[lo+r] if rows is
// given, lo+r otherwise.
func kmRow(x []float32, d int, rows []int32, i int) []float32 {
	if rows != nil {
		i = int(rows[i])
	}
	return x[i*d : (i+1)*d : (i+1)*d]
}

// add folds the block's labels and exact distances into s.
func (a *Assigner) add(x []float32, rows []int32, lo, nb int, w []float32, s *CentreSums) {
	d := a.d
	for i := 0; i < nb; i++ {
		wi := 1.0
		if w != nil {
			r := lo + i
			if rows != nil {
				r = int(rows[r])
			}
			wi = float64(w[r])
		}
		s.add(kmRow(x, d, rows, lo+i), int(a.lab[i]), wi, a.dist[i])
	}
}

// block labels nb rows starting at lo (through rows if not nil) into
// a.lab and a.dist.
func (a *Assigner) block(x []float32, rows []int32, lo, nb int) {
	switch a.path {
	case kmPathPanels:
		a.packPanels(x, rows, lo, nb)
		a.productsPanels(nb)
		a.bestRows(nb)
	case kmPathAVX2:
		if a.screen.active() {
			a.screenBlock(x, rows, lo, nb)
			return
		}
		ahead := prefetchBlock(x, rows, lo, nb, a.d)
		a.packCentred(x, rows, lo, nb)
		a.productsAVX2(nb, x, ahead)
	case kmPathGemmRows:
		a.packRows(x, rows, lo, nb)
		a.productsGemmRows(nb)
		a.bestRows(nb)
	default:
		a.packCols(x, rows, lo, nb)
		a.productsGemmCols(nb)
	}
	a.choose(x, rows, lo, nb)
}

// prefetchBlock starts fetching a gathered block's rows (rows not nil)
// and returns the next block's, which the AVX2 paths prefetch a few at a
// time between their tiles (productsTiles): all at once, the screen's
// exact distances then waited on memory, and spreading them took 30% off
// a screened step task (BenchmarkSumsTask/centres=fitted). Only the first
// block, which no earlier block prefetched, is asked for whole here.
func prefetchBlock(x []float32, rows []int32, lo, nb, d int) (ahead []int32) {
	if rows == nil {
		return nil
	}
	if lo == 0 {
		kmPrefetchGather(&x[0], &rows[0], nb, d)
	}
	return rows[lo+nb : min(len(rows), lo+nb+kmBlock)]
}

// at returns the expanded value of block row i and centre j.
func (a *Assigner) at(i, j int) float32 {
	if a.path == kmPathGemmCols {
		return a.out[j*kmBlock+i]
	}
	return a.out[i*a.kp+j]
}

// packRows writes the centred rows row-major into xb and their norms.
func (a *Assigner) packRows(x []float32, rows []int32, lo, nb int) {
	d := a.d
	mu := a.mu[:d:d]
	for i := 0; i < nb; i++ {
		dst := a.xb[i*d : (i+1)*d : (i+1)*d]
		var s float32
		for t, v := range kmRow(x, d, rows, lo+i) {
			v -= mu[t]
			dst[t] = v
			s += v * v
		}
		a.xn[i] = s
	}
}

// packPanels writes the centred rows into kmMR-row panels, transposed
// within a panel (panel p, dimension t, row r at p·kmMR·d + t·kmMR + r),
// padding the last panel with zero rows.
func (a *Assigner) packPanels(x []float32, rows []int32, lo, nb int) {
	const mr = kmMR
	d := a.d
	mu := a.mu[:d:d]
	for p := 0; p*mr < nb; p++ {
		dst := a.xb[p*mr*d : (p+1)*mr*d]
		for r := range mr {
			i := p*mr + r
			if i >= nb {
				for t := range d {
					dst[t*mr+r] = 0
				}
				continue
			}
			var s float32
			for t, v := range kmRow(x, d, rows, lo+i) {
				v -= mu[t]
				dst[t*mr+r] = v
				s += v * v
			}
			a.xn[i] = s
		}
	}
}

// packCentred writes the centred rows row-major into xb and their norms
// with the AVX2 routine, padding to a whole tile with zero rows.
func (a *Assigner) packCentred(x []float32, rows []int32, lo, nb int) {
	d := a.d
	for i := range nb {
		next := kmRow(x, d, rows, lo+min(i+kmPrefetchRows, nb-1))
		a.xn[i] = kmCentreAVX2(&a.xb[i*d], &kmRow(x, d, rows, lo+i)[0], &a.mu[0], d, &next[0])
	}
	clear(a.xb[nb*d : (nb+kmTileRows-1)/kmTileRows*kmTileRows*d])
}

// productsAVX2 fills out[i·kp + j] = ‖c_j−μ‖² − 2(x_i−μ)·(c_j−μ) one
// 6-row tile at a time with the assembly kernel, and takes each row's best
// and second-best value while the tile is in cache.
//
// Between tiles it prefetches the rows of x listed in ahead, the next
// block's: a mini-batch's rows are scattered over the shard, each one a
// cache (and TLB) miss, and fetched while this block computes they are
// in cache when the next block is packed. Prefetching a few rows ahead
// within the packing loop alone left most of that latency exposed.
func (a *Assigner) productsAVX2(nb int, x []float32, ahead []int32) {
	a.productsTiles(nb, a.d, a.cc, a.cn, x, ahead, nil)
}

// productsTiles is productsAVX2 for rows packed in a.xb with dimension
// dp (d, or the screen's ds) against the centres cc and norms cn laid
// out for it. For the screen (guess not nil) a row's best column, to
// within its guess's rounding, is all that is kept: a.j1 alone is set.
func (a *Assigner) productsTiles(nb, dp int, cc, cn []float32, x []float32, ahead []int32, guess *kmScreen) {
	kp := a.kp
	full := a.fullPanels()
	tiles := (nb + kmTileRows - 1) / kmTileRows
	per := (len(ahead) + tiles - 1) / tiles
	for p := 0; p*kmTileRows < nb; p++ {
		if m := min(per, len(ahead)); m > 0 {
			kmPrefetchGather(&x[0], &ahead[0], m, a.d)
			ahead = ahead[m:]
		}
		tile, out := &a.xb[p*kmTileRows*dp], p*kmTileRows*kp
		if full > 0 {
			tilePanels(tile, dp, cc, cn, full/kmPanel, a.out[out:], kp)
		}
		if full < kp {
			kmTile8AVX2(tile, dp, &cc[full*dp], &cn[full], &a.out[out+full], kp)
		}
		i := p * kmTileRows
		if guess != nil && guess.keep != 0 {
			kmGuessRowsAVX2(&a.out[i*kp], kp, min(nb-i, kmTileRows), &guess.all[0], guess.keep, &a.j1[i])
			continue
		}
		kmTop2RowsAVX2(&a.out[i*kp], kp, min(nb-i, kmTileRows), &a.b1[i], &a.b2[i], &a.j1[i])
	}
}

// tilePanels runs the kernel of productsAVX2 for the first panels
// 16-centre panels of cc (dimension d, norms cn) against the tile at x,
// output row r at out[r·stride]: pairs of panels in 512-bit registers
// where the CPU has them (kmTileWide), the rest in 256-bit ones. Both
// give the same bits.
func tilePanels(x *float32, d int, cc, cn []float32, panels int, out []float32, stride int) {
	done := 0
	if kmTileWide && panels >= 2 {
		pairs := panels / 2
		kmTile2AVX512(x, d, &cc[0], pairs, &cn[0], &out[0], stride)
		done = 2 * pairs
	}
	if done < panels {
		at := done * kmPanel
		kmTileAVX2(x, d, &cc[at*d], panels-done, &cn[at], &out[at], stride)
	}
}

// kmTileWide selects kmTile2AVX512 in tilePanels; a variable so that
// tests and benchmarks can compare it with kmTileAVX2.
var kmTileWide = kmHaveAVX512

// packCols writes the centred rows transposed into xb (dimension t of
// block row i at t·kmBlock + i) and their norms.
func (a *Assigner) packCols(x []float32, rows []int32, lo, nb int) {
	d := a.d
	mu := a.mu[:d:d]
	for i := 0; i < nb; i++ {
		var s float32
		for t, v := range kmRow(x, d, rows, lo+i) {
			v -= mu[t]
			a.xb[t*kmBlock+i] = v
			s += v * v
		}
		a.xn[i] = s
	}
}

// productsPanels fills out[i·kp + j] = ‖c_j−μ‖² − 2(x_i−μ)·(c_j−μ) with
// the pure-Go kernel.
func (a *Assigner) productsPanels(nb int) {
	d, kp := a.d, a.kp
	cn := a.cn
	np := (nb + kmMR - 1) / kmMR
	var o [kmMR * kmNR]float32
	for p := 0; p < np; p++ {
		xp := a.xb[p*kmMR*d : (p+1)*kmMR*d]
		for q := 0; q < kp/kmNR; q++ {
			kmKernel4x2(xp, a.cc[q*kmNR*d:(q+1)*kmNR*d], &o)
			c0 := cn[q*kmNR]
			c1 := c0
			if q*kmNR+1 < len(cn) {
				c1 = cn[q*kmNR+1]
			}
			for r := 0; r < kmMR; r++ {
				row := a.out[(p*kmMR+r)*kp+q*kmNR:]
				row[0] = c0 - 2*o[r*kmNR]
				row[1] = c1 - 2*o[r*kmNR+1]
			}
		}
	}
}

// productsGemmRows fills out[i·kp + j] = ‖c_j−μ‖² − 2(x_i−μ)·(c_j−μ) with
// blas32.Gemm on the row-major block and the d×k centres.
func (a *Assigner) productsGemmRows(nb int) {
	d, k, kp := a.d, a.k, a.kp
	for i := 0; i < nb; i++ {
		copy(a.out[i*kp:i*kp+k], a.cn)
	}
	xb := blas32.General{Rows: nb, Cols: d, Stride: d, Data: a.xb[:nb*d]}
	for j0 := 0; j0 < k; j0 += kmGemmChunk {
		j1 := min(k, j0+kmGemmChunk)
		ct := blas32.General{Rows: d, Cols: j1 - j0, Stride: k, Data: a.cc[j0:]}
		out := blas32.General{Rows: nb, Cols: j1 - j0, Stride: kp, Data: a.out[j0:]}
		blas32.Gemm(blas.NoTrans, blas.NoTrans, -2, xb, ct, 1, out)
	}
}

// productsGemmCols fills out[j·kmBlock + i] = ‖c_j−μ‖² − 2(x_i−μ)·(c_j−μ)
// with blas32.Gemm on the k×d centres and the transposed block, and finds
// each row's best and second-best value. It works in chunks of
// kmGemmChunk centres so that the argmin reads what Gemm just wrote while
// it is in cache; centres are swept in order, so ties go to the lowest
// index.
func (a *Assigner) productsGemmCols(nb int) {
	d, k := a.d, a.k
	b1, b2, j1 := a.b1[:nb], a.b2[:nb], a.j1[:nb]
	for i := range b1 {
		b1[i], b2[i] = float32(math.Inf(1)), float32(math.Inf(1))
	}
	clear(j1)
	xt := blas32.General{Rows: d, Cols: nb, Stride: kmBlock, Data: a.xb}
	for j0 := 0; j0 < k; j0 += kmGemmChunk {
		je := min(k, j0+kmGemmChunk)
		for j := j0; j < je; j++ {
			row, c := a.out[j*kmBlock:j*kmBlock+nb], a.cn[j]
			for i := range row {
				row[i] = c
			}
		}
		cc := blas32.General{Rows: je - j0, Cols: d, Stride: d, Data: a.cc[j0*d : je*d]}
		out := blas32.General{Rows: je - j0, Cols: nb, Stride: kmBlock, Data: a.out[j0*kmBlock:]}
		blas32.Gemm(blas.NoTrans, blas.NoTrans, -2, cc, xt, 1, out)
		for j := j0; j < je; j++ {
			row := a.out[j*kmBlock : j*kmBlock+nb]
			for i, v := range row {
				if v < b2[i] {
					if v < b1[i] {
						b2[i], b1[i], j1[i] = b1[i], v, int32(j)
					} else {
						b2[i] = v
					}
				}
			}
		}
	}
}

// bestRows finds the best and second-best value of each row of out
// (layout rows × centres).
func (a *Assigner) bestRows(nb int) {
	k, kp := a.k, a.kp
	for i := 0; i < nb; i++ {
		b1, b2 := float32(math.Inf(1)), float32(math.Inf(1))
		j1 := 0
		for j, v := range a.out[i*kp : i*kp+k] {
			if v < b2 {
				if v < b1 {
					b1, b2, j1 = v, b1, j
				} else {
					b2 = v
				}
			}
		}
		a.b1[i], a.b2[i], a.j1[i] = b1, b2, int32(j1)
	}
}

// kmKernel4x2 computes the 4×2 products of a packed row panel and a packed
// centre panel (both transposed within the panel) into o, row-major.
// Reslicing by a constant lets the compiler drop the bounds checks.
func kmKernel4x2(xp, cp []float32, o *[kmMR * kmNR]float32) {
	var s00, s01, s10, s11, s20, s21, s30, s31 float32
	for len(xp) >= 4 && len(cp) >= 2 {
		x0, x1, x2, x3 := xp[0], xp[1], xp[2], xp[3]
		c0, c1 := cp[0], cp[1]
		s00 += x0 * c0
		s01 += x0 * c1
		s10 += x1 * c0
		s11 += x1 * c1
		s20 += x2 * c0
		s21 += x2 * c1
		s30 += x3 * c0
		s31 += x3 * c1
		xp = xp[4:]
		cp = cp[2:]
	}
	*o = [kmMR * kmNR]float32{s00, s01, s10, s11, s20, s21, s30, s31}
}

// choose settles each row's label from b1, b2 and j1, rescoring near
// ties exactly, and computes the winner's exact distance.
//
// With v_j = ‖c_j−μ‖² − 2(x−μ)·(c_j−μ) (the expansion without the
// row's own norm, which all centres share) and
// tol_j = tolScale·(‖x−μ‖ + ‖c_j−μ‖)², the exact v*_j lies in
// [v_j − tol_j, v_j + tol_j]. A cheap test with the largest centre norm
// settles most rows; otherwise U = min_j (v_j + tol_j) bounds the best
// exact value and every centre with v_j − tol_j ≤ U is rescored.
func (a *Assigner) choose(x []float32, rows []int32, lo, nb int) {
	k, d := a.k, a.d
	easy := a.easy[:0]
	for i := 0; i < nb; i++ {
		b1, b2, j1 := a.b1[i], a.b2[i], int(a.j1[i])
		// (‖x−μ‖ + max‖c−μ‖)² <= 2(‖x−μ‖² + max‖c−μ‖²): no square root
		// on the common path.
		// A gap that is NaN (products that overflowed float32) is no
		// evidence: such rows take the exact path below.
		if float64(b2)-float64(b1) > 4*a.tolScale*(float64(a.xn[i])+a.cnMax*a.cnMax) {
			a.lab[i] = int32(j1)
			easy = append(easy, int32(i))
			continue
		}
		xr := kmRow(x, d, rows, lo+i)
		sx := math.Sqrt(float64(a.xn[i]))
		cs := a.cs[:k:k]
		u := math.Inf(1)
		for j := 0; j < k; j++ {
			r := sx + cs[j]
			u = math.Min(u, float64(a.at(i, j))+a.tolScale*r*r)
		}
		// Expanded values that overflowed bound nothing: every centre is
		// then rescored.
		all := math.IsNaN(u)
		// Ascending j keeps the lowest index on equal distances.
		best, bj, cand := math.Inf(1), j1, 0
		for j := 0; j < k; j++ {
			r := sx + cs[j]
			if all || float64(a.at(i, j))-a.tolScale*r*r <= u {
				cand++
				if e := kmDist64(xr, a.centres[j*d:(j+1)*d]); e < best {
					best, bj = e, j
				}
			}
		}
		if cand > 1 {
			a.rescored++
		}
		if math.IsInf(best, 1) { // NaN row: no candidate compared below +Inf
			best = kmDist64(xr, a.centres[bj*d:(bj+1)*d])
		}
		a.lab[i] = int32(bj)
		a.dist[i] = best
	}
	a.exactDistances(x, rows, lo, easy)
}

// exactDistances sets a.dist of the given block rows to their exact
// distance to their labelled centre, four rows at a time: with AVX2 one
// call computes the four rows' distances from the float64 centres (or
// their lane sums, where d is not a multiple of 4), without it kmDist64
// does each. All sum in kmDist64's order, so the distances are the same.
// Converting each centre once in SetCentres rather than in every call
// took 8% off a screened Assign (BenchmarkAssignScreen/sep=5).
func (a *Assigner) exactDistances(x []float32, rows []int32, lo int, block []int32) {
	d := a.d
	centre := func(i int32) []float32 { j := int(a.lab[i]); return a.centres[j*d : (j+1)*d] }
	q := 0
	if a.centres64 != nil {
		centre64 := func(i int32) *float64 { j := int(a.lab[i]); return &a.centres64[j*d : (j+1)*d][0] }
		var out [4]float64
		for ; q+4 <= len(block); q += 4 {
			i0, i1, i2, i3 := block[q], block[q+1], block[q+2], block[q+3]
			x0, x1, x2, x3 := kmRow(x, d, rows, lo+int(i0)), kmRow(x, d, rows, lo+int(i1)), kmRow(x, d, rows, lo+int(i2)), kmRow(x, d, rows, lo+int(i3))
			kmDist64x4C64AVX2(&x0[0], &x1[0], &x2[0], &x3[0], centre64(i0), centre64(i1), centre64(i2), centre64(i3), d, &out)
			a.dist[i0], a.dist[i1], a.dist[i2], a.dist[i3] = out[0], out[1], out[2], out[3]
		}
	} else if kmHaveAVX2 && d >= 4 {
		var lanes [16]float64
		for ; q+4 <= len(block); q += 4 {
			i0, i1, i2, i3 := block[q], block[q+1], block[q+2], block[q+3]
			x0, x1, x2, x3 := kmRow(x, d, rows, lo+int(i0)), kmRow(x, d, rows, lo+int(i1)), kmRow(x, d, rows, lo+int(i2)), kmRow(x, d, rows, lo+int(i3))
			c0, c1, c2, c3 := centre(i0), centre(i1), centre(i2), centre(i3)
			kmDist64x4AVX2(&x0[0], &x1[0], &x2[0], &x3[0], &c0[0], &c1[0], &c2[0], &c3[0], d&^3, &lanes)
			a.dist[i0] = kmDist64Finish(lanes[0:4], x0, c0)
			a.dist[i1] = kmDist64Finish(lanes[4:8], x1, c1)
			a.dist[i2] = kmDist64Finish(lanes[8:12], x2, c2)
			a.dist[i3] = kmDist64Finish(lanes[12:16], x3, c3)
		}
	}
	for _, i := range block[q:] {
		a.dist[i] = kmDist64(kmRow(x, d, rows, lo+int(i)), centre(i))
	}
}

// kmDist64 is the squared Euclidean distance of two float32 vectors,
// accumulated in float64. The differences of float32 values are exact in
// float64, so only the sums round. The order is fixed, whatever the CPU:
// four lanes, lane l summing the terms of dimensions t ≡ l (mod 4) in
// increasing t, then (lane0 + lane1) + (lane2 + lane3). It is the order
// of four-wide vector registers, so AVX2 computes the same values
// (kmDist64x4AVX2), and four independent chains keep a scalar adder busy
// too.
func kmDist64(x, c []float32) float64 {
	n := len(x)
	c = c[:n]
	var s0, s1, s2, s3 float64
	t := 0
	for ; t+4 <= n; t += 4 {
		e0 := float64(x[t]) - float64(c[t])
		e1 := float64(x[t+1]) - float64(c[t+1])
		e2 := float64(x[t+2]) - float64(c[t+2])
		e3 := float64(x[t+3]) - float64(c[t+3])
		// float64(·) rounds the product, so no compiler fuses it into the
		// add: GOAMD64=v3 builds would otherwise differ from the assembly.
		s0 += float64(e0 * e0)
		s1 += float64(e1 * e1)
		s2 += float64(e2 * e2)
		s3 += float64(e3 * e3)
	}
	lanes := [4]float64{s0, s1, s2, s3}
	return kmDist64Finish(lanes[:], x[:n], c)
}

// kmDist64Finish adds the terms past the last multiple of four to their
// lanes and combines the lanes: the end of kmDist64.
func kmDist64Finish(lanes []float64, x, c []float32) float64 {
	t0 := len(x) &^ 3
	s := [4]float64(lanes[:4])
	for t := t0; t < len(x); t++ {
		e := float64(x[t]) - float64(c[t])
		s[t-t0] += float64(e * e)
	}
	return (s[0] + s[1]) + (s[2] + s[3])
}
