package algo

import (
	"math"
	"math/bits"
)

// The screen. Most rows of data worth clustering lie well inside their
// centre's cell: nearer to it than half its distance to any other centre.
// Such a row's nearest centre is certain from that one distance (the
// triangle inequality: Elkan, "Using the Triangle Inequality to
// Accelerate k-Means", ICML 2003), so the products with the other k−1
// centres, most of a block's arithmetic, are not needed to label it.
//
// The AVX2 path therefore first guesses each row's centre from a few of
// its dimensions, the run of ds consecutive ones in which the centres are
// most spread out (consecutive, so that a row's are packed with vector
// loads): the same assembly kernels over ds rather than d dimensions, a
// quarter of the products at d = 32. Only the best column of each row is
// wanted, not its value nor the second best that the full path's
// rounding check needs, so kmGuessRowsAVX2 finds it with one min per
// value, the column riding in the value's low bits; over so few
// dimensions that scan, not the products, was most of the guess's cost.
//
// The guess g is then checked: the row's exact squared distance to c_g
// (kmDist64, which the row needs anyway) must be below reach2[g], the
// square of half c_g's distance to its nearest other centre, shrunk by a
// margin far above the rounding of either side. A row that passes has g
// as its one nearest centre by a relative margin no rounding can cross,
// so it gets the label and distance the full path would give it. Rows
// that fail, because the guess was wrong or the row lies near a cell's
// edge, take the full path together.
//
// Where few rows pass (centres close together for their clusters'
// spread), the screen costs more than it saves: it watches how many pass
// and turns itself off, for the current centres, once fewer than
// kmScreenKeep of them do.
const (
	// kmScreenMinD is the smallest dimension screened: below it the
	// screen's dimensions are too large a share of the products.
	kmScreenMinD = 24
	// kmScreenMinK is the fewest centres screened: with fewer, the
	// products are a small part of a row's cost.
	kmScreenMinK = 16
	// kmScreenWarm is how many rows are screened before the pass rate
	// is judged.
	kmScreenWarm = 4 * kmBlock
	// kmScreenKeep is the pass rate below which the screen turns off:
	// where every row passes it costs about 0.6 of the full path
	// (BenchmarkAssignScreen), and a row that fails pays the full path
	// on top, so below about 70% it loses.
	kmScreenKeep = 0.8
	// kmScreenMargin shrinks each cell's half-width (relatively), far
	// above the float64 rounding of a row's exact distance.
	kmScreenMargin = 1e-6
	// kmScreenTiny is 2⁻¹⁰⁰: a squared distance between centres from
	// the float32 kernel at least this large has lost at most d·2⁻¹⁵⁰
	// to subnormal terms, nothing beside the margin.
	kmScreenTiny = 0x1p-100
	// kmGuessBits is the most low bits of a float32 value the screen's
	// guess gives to its column: replacing 12 of the 23 fraction bits moves
	// a value by under 2⁻¹¹ of itself, which can only make a near tie
	// guess the other centre; the check proves or rejects that guess like
	// any other. Past 4096 columns the guess takes both best values
	// (kmTop2RowsAVX2).
	kmGuessBits = 12
)

// kmScreen is an Assigner's screen for its current centres (see above).
type kmScreen struct {
	ds int       // how many dimensions are screened
	t0 int       // the first of them: dimensions t0, …, t0+ds−1
	cc []float32 // centred centres over those, in the AVX2 panel layout for dimension ds
	cn []float32 // kp: their squared norms over those; +Inf for padding
	// keep serves kmGuessRowsAVX2, which guesses each row's centre from
	// values whose low bits hold their column (from all): the bits it
	// keeps of a value, 0 where kp needs too many (see kmGuessBits).
	keep int32
	// reach2[j] bounds the squared distance to c_j of a row whose
	// nearest centre is certainly c_j.
	reach2  []float64
	sep     []float32 // k: scratch for one centre's squared distances to the others
	nearest []float32 // k: scratch, each centre's squared distance to its nearest other
	spread  []float64 // d: scratch, the centres' spread per dimension

	// Per-block scratch.
	all  []int32   // 0, 1, …, max(kmBlock, kp)−1
	lab  []int32   // the block's labels while the failed rows are relabelled
	dist []float64 // and their distances
	hard []int32   // rows (indices into x) that failed
	pos  []int32   // their positions in the block

	tried, passed int64
	off           bool
}

// newScreen returns the screen of an Assigner with k centres of dimension
// d on the AVX2 path (kp centre columns), or nil where it does not pay.
func newScreen(k, d, kp int) *kmScreen {
	if d < kmScreenMinD || k < kmScreenMinK {
		return nil
	}
	ds := min(16, max(8, d/4))
	s := &kmScreen{
		ds:      ds,
		cc:      make([]float32, kp*ds),
		cn:      make([]float32, kp),
		reach2:  make([]float64, k),
		sep:     make([]float32, k),
		nearest: make([]float32, k),
		spread:  make([]float64, d),
		all:     make([]int32, max(kmBlock, kp)),
		lab:     make([]int32, kmBlock),
		dist:    make([]float64, kmBlock),
		hard:    make([]int32, 0, kmBlock),
		pos:     make([]int32, 0, kmBlock),
	}
	for j := k; j < kp; j++ {
		s.cn[j] = float32(math.Inf(1))
	}
	if b := bits.Len(uint(kp - 1)); b <= kmGuessBits {
		s.keep = ^int32(1<<b - 1)
	}
	for i := range s.all {
		s.all[i] = int32(i)
	}
	return s
}

// set prepares the screen for the Assigner's new centres: their centred
// values in a.cc are laid out for dimension d (see SetCentres).
func (s *kmScreen) set(a *Assigner) {
	k, d, ds := a.k, a.d, s.ds
	s.tried, s.passed, s.off = 0, 0, false
	// The dimensions in which the centres spread most tell them apart
	// best: the run of ds with the largest total, the first on ties.
	clear(s.spread)
	for j := range k {
		for t, v := range a.centres[j*d : (j+1)*d] {
			e := float64(v) - float64(a.mu[t])
			s.spread[t] += e * e
		}
	}
	best := math.Inf(-1)
	for t0 := 0; t0+ds <= d; t0++ {
		var sum float64
		for _, v := range s.spread[t0 : t0+ds] {
			sum += v
		}
		if sum > best {
			best, s.t0 = sum, t0
		}
	}
	full := a.fullPanels()
	for j := range k {
		base, stride := (j/kmPanel)*kmPanel*ds+j%kmPanel, kmPanel
		if j >= full {
			base, stride = full*ds+j-full, kmHalfPanel
		}
		var n float64
		for t := range ds {
			v := a.centres[j*d+s.t0+t] - a.mu[s.t0+t]
			n += float64(v) * float64(v)
			s.cc[base+t*stride] = v
		}
		s.cn[j] = float32(n)
	}
	// reach2[j] = (½·min_{i≠j} ‖c_j − c_i‖·(1 − margin))². The squared
	// distances come from the float32 kernel, whose relative error on a
	// sum of squares is below (d+3)·2⁻²⁴; they are shrunk by four times
	// that first, so the bound stays below the exact one.
	shrink := 1 - 4*float64(d+4)*kmRoundoff
	nearest := s.nearest
	for j := range nearest {
		nearest[j] = float32(math.Inf(1))
	}
	// Each pair once: centre j against the centres after it.
	for j := range k - 1 {
		sep := s.sep[j+1 : k]
		kmDistRows(a.centres[(j+1)*d:], k-j-1, d, a.centres[j*d:(j+1)*d], sep)
		// Centres are finite: no NaN here, so plain comparisons do.
		nj, after := nearest[j], nearest[j+1:k]
		for q, v := range sep[:len(after)] {
			if v < nj {
				nj = v
			}
			if v < after[q] {
				after[q] = v
			}
		}
		nearest[j] = nj
	}
	for j, v := range nearest {
		h := 0.5 * math.Sqrt(float64(v)*shrink) * (1 - kmScreenMargin)
		s.reach2[j] = h * h
		// A float32 sum of squares that overflowed (+Inf) bounds nothing,
		// and one down among the subnormals may have lost its relative
		// accuracy: such a centre's rows take the full path.
		if math.IsInf(float64(v), 1) || v < kmScreenTiny {
			s.reach2[j] = 0
		}
	}
}

// active reports whether the screen runs on the next block.
func (s *kmScreen) active() bool { return s != nil && !s.off }

// screenBlock labels nb rows starting at lo (through rows if not nil) into
// a.lab and a.dist, as block does on the AVX2 path, screening them first.
func (a *Assigner) screenBlock(x []float32, rows []int32, lo, nb int) {
	s := a.screen
	d, ds := a.d, s.ds
	ahead := prefetchBlock(x, rows, lo, nb, d)
	// The screened dimensions of the centred rows, row-major, padded to
	// a whole tile with zero rows.
	t0 := s.t0
	for i := range nb {
		kmCentreAVX2(&a.xb[i*ds], &kmRow(x, d, rows, lo+i)[t0], &a.mu[t0], ds, &kmRow(x, d, rows, lo+min(i+kmPrefetchRows, nb-1))[t0])
	}
	clear(a.xb[nb*ds : (nb+kmTileRows-1)/kmTileRows*kmTileRows*ds])
	a.productsTiles(nb, ds, s.cc, s.cn, x, ahead, s)
	// Every guess's exact distance, which a passing row keeps. A padding
	// column never wins the guess (its +Inf takes a NaN's bits there),
	// and these bits index the centres: one out of range becomes centre
	// 0, which the check then proves or rejects like any guess.
	for i, j := range a.j1[:nb] {
		if uint32(j) >= uint32(a.k) {
			j = 0
		}
		a.lab[i] = j
	}
	a.exactDistances(x, rows, lo, s.all[:nb])
	hard, pos := s.hard[:0], s.pos[:0]
	for i := range nb {
		// NaN and +Inf distances fail: such rows take the full path.
		if !(a.dist[i] < s.reach2[a.lab[i]]) {
			r := lo + i
			if rows != nil {
				r = int(rows[r])
			}
			hard, pos = append(hard, int32(r)), append(pos, int32(i))
		}
	}
	s.tried += int64(nb)
	s.passed += int64(nb - len(pos))
	if s.tried >= kmScreenWarm && float64(s.passed) < kmScreenKeep*float64(s.tried) {
		s.off = true
	}
	if len(hard) == 0 {
		return
	}
	copy(s.lab[:nb], a.lab[:nb])
	copy(s.dist[:nb], a.dist[:nb])
	m := len(hard)
	a.packCentred(x, hard, 0, m)
	a.productsAVX2(m, x, nil)
	a.choose(x, hard, 0, m)
	for q, i := range pos {
		s.lab[i], s.dist[i] = a.lab[q], a.dist[q]
	}
	copy(a.lab[:nb], s.lab[:nb])
	copy(a.dist[:nb], s.dist[:nb])
}
