package algo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// KMeansPlusPlus picks k initial centres among the n rows of x (n×d,
// row-major) by greedy k-means++: Arthur & Vassilvitskii, "k-means++: The
// Advantages of Careful Seeding", SODA 2007 (doi:10.5555/1283383.1283494),
// with the greedy local trials of their paper's experiments and of
// scikit-learn's _kmeans_plusplus.
//
// The first centre is a row drawn with probability proportional to its
// weight. Each further centre is chosen by drawing localTrials candidate
// rows with probability proportional to w·D², D being the distance to the
// nearest centre chosen so far, and keeping the candidate that most
// lowers Σ w·D² (the first on ties). localTrials 0 means 2 + ⌊ln k⌋, as in
// scikit-learn; 1 is plain k-means++. w may be nil (all weights 1);
// weights must be finite, non-negative and not all zero. Rows of weight
// zero are never chosen.
//
// The result is k×d and new. When the data holds fewer than k distinct
// rows of positive weight, the missing centres repeat chosen rows (drawn
// by weight): k-means cannot do better on such data. Distances are
// accumulated in float64, so the result depends only on x, w, k,
// localTrials and the sequence of rng.
//
// Cost O(n·k·d·localTrials) time and O(n) extra memory.
func KMeansPlusPlus(x []float32, n, d, k int, w []float32, localTrials int, rng *rand.Rand) ([]float32, error) {
	s, err := NewKMeansPlusPlusSeeder(x, n, d, w)
	if err != nil {
		return nil, err
	}
	return s.Seed(k, localTrials, rng)
}

// KMeansPlusPlusSeeder runs KMeansPlusPlus on one sample as often as
// asked, each time with its own random stream, and prepares what depends
// on the sample alone once: the weights in float64 and, with AVX2, the
// rows transposed for the candidates' kernel. The coordinator tries ten
// seedings of one sample, and making the transposed copy for each was a
// fifth of their time: in `perf record -g` of the 1M-row bench job the
// kernel zeroing the copies' fresh pages took 1.15% of the CPU, the
// seedings 5.7% in all. A seeder is safe for concurrent use; x and w
// must not change while it is used.
type KMeansPlusPlusSeeder struct {
	x    []float32
	n, d int
	w    []float64
	xt   *kmTransposed // nil without AVX2
}

// NewKMeansPlusPlusSeeder checks the n×d sample x and its weights w (nil
// for all 1) and prepares them for Seed.
func NewKMeansPlusPlusSeeder(x []float32, n, d int, w []float32) (*KMeansPlusPlusSeeder, error) {
	if err := kmCheckData(x, n, d); err != nil {
		return nil, err
	}
	if w != nil && len(w) != n {
		return nil, fmt.Errorf("%w: %d weights for %d rows", ErrShape, len(w), n)
	}
	s := &KMeansPlusPlusSeeder{x: x, n: n, d: d}
	if w != nil {
		s.w = make([]float64, n)
		for i, v := range w {
			s.w[i] = float64(v)
		}
	}
	if kmHaveAVX2 {
		s.xt = newKMTransposed(x, n, d)
	}
	return s, nil
}

// Seed picks k centres as KMeansPlusPlus does, from the seeder's sample.
func (s *KMeansPlusPlusSeeder) Seed(k, localTrials int, rng *rand.Rand) ([]float32, error) {
	return kmPlusPlus(s.x, s.n, s.d, k, s.w, localTrials, rng, s.xt)
}

// kmCheckData validates an n×d data block.
func kmCheckData(x []float32, n, d int) error {
	if n < 1 {
		return fmt.Errorf("%w: n=%d", ErrEmpty, n)
	}
	if d < 1 || len(x) != n*d {
		return fmt.Errorf("%w: %d values for n×d = %d×%d", ErrShape, len(x), n, d)
	}
	return nil
}

// kmPlusPlus is KMeansPlusPlus with float64 weights (k-means|| candidate
// weights are row counts, which float32 would round above 2^24). xt is x
// transposed for the candidates' kernel, or nil to have it made here when
// the CPU runs that kernel.
func kmPlusPlus(x []float32, n, d, k int, w []float64, localTrials int, rng *rand.Rand, xt *kmTransposed) ([]float32, error) {
	if k < 1 || k > n {
		return nil, fmt.Errorf("%w: k=%d with n=%d rows", ErrInvalidK, k, n)
	}
	if localTrials < 0 {
		return nil, fmt.Errorf("%w: localTrials=%d", ErrConfig, localTrials)
	}
	if localTrials == 0 {
		localTrials = 2 + int(math.Log(float64(k)))
	}
	if rng == nil {
		return nil, ErrRandRequired
	}
	weight := func(i int) float64 { return 1 }
	if w != nil {
		var total float64
		for i, v := range w {
			if err := kmCheckWeight(v); err != nil {
				return nil, fmt.Errorf("%w: row %d", err, i)
			}
			total += v
		}
		if total == 0 || math.IsInf(total, 0) {
			return nil, fmt.Errorf("%w: total weight %v", ErrBadWeight, total)
		}
		weight = func(i int) float64 { return w[i] }
	}
	row := func(i int) []float32 { return x[i*d : (i+1)*d : (i+1)*d] }

	// pot[i] = w_i·D_i², cum its running sum for the draws.
	pot := make([]float64, n)
	trial := make([]float64, n)
	best := make([]float64, n)
	cum := make([]float64, n)
	dist := make([]float32, n)
	for i := range pot {
		pot[i] = weight(i) // the first draw is by weight alone
	}
	// prefix fills cum with the running sums of p, for drawRow; a
	// centre's local trials all draw from the same sums.
	var total float64
	last := -1 // the last row of positive p
	prefix := func(p []float64) {
		var s float64
		last = -1
		for i, v := range p {
			s += v
			cum[i] = s
			if v > 0 {
				last = i
			}
		}
		total = s
	}
	drawRow := func(p []float64) int {
		r := rng.Float64() * total
		i := sort.Search(n, func(i int) bool { return cum[i] > r })
		if i >= n || p[i] == 0 { // r rounded onto the end of the sums
			i = last
		}
		return i
	}
	draw := func(p []float64) int {
		prefix(p)
		return drawRow(p)
	}

	var cd *kmCandidates
	if kmHaveAVX2 {
		if xt == nil {
			xt = newKMTransposed(x, n, d)
		}
		cd = xt.candidates(d, localTrials)
	}
	centres := make([]float32, k*d)
	first := draw(pot)
	copy(centres, row(first))
	var current float64
	for i := range pot {
		pot[i] = weight(i) * kmDist64(row(i), row(first))
		current += pot[i]
	}
	for c := 1; c < k; c++ {
		if current == 0 {
			// Every row of positive weight coincides with a centre.
			for i := range pot {
				trial[i] = weight(i)
			}
			copy(centres[c*d:], row(draw(trial)))
			continue
		}
		bestPot, bestRow := math.Inf(1), -1
		prefix(pot)
		if cd != nil {
			// Every candidate is drawn from the same sums, so all are
			// drawn first and their distances computed in one pass.
			for tr := range cd.cands {
				cd.cands[tr] = drawRow(pot)
			}
			cd.distances(x, d)
		}
		for tr := 0; tr < localTrials; tr++ {
			var cand int
			if cd != nil {
				cand = cd.cands[tr]
				dist = cd.out[tr*cd.np : tr*cd.np+n]
			} else {
				cand = drawRow(pot)
				kmDistRows(x, n, d, row(cand), dist)
			}
			s := kmTrialPotential(pot, dist, w, trial)
			if s < bestPot {
				bestPot, bestRow = s, cand
				trial, best = best, trial
			}
		}
		copy(centres[c*d:], row(bestRow))
		pot, best = best, pot
		current = bestPot
	}
	return centres, nil
}

// kmTrialPotential sets trial[i] = min(pot[i], w_i·dist[i]), the
// potential of each row with the candidate added, and returns their sum.
// All values are finite and non-negative, so a row already on a centre
// (potential 0) stays at 0 without a test. The sum runs in four chains,
// which the adder overlaps; one chain made every row wait four cycles.
func kmTrialPotential(pot []float64, dist []float32, w []float64, trial []float64) float64 {
	n := len(pot)
	dist, trial = dist[:n], trial[:n]
	if w != nil {
		w = w[:n]
	}
	var s0, s1, s2, s3 float64
	i := 0
	if n4 := n &^ 3; kmHaveAVX2 && n4 > 0 {
		var wp *float64
		if w != nil {
			wp = &w[0]
		}
		var lanes [4]float64
		kmTrialPotentialAVX2(&pot[0], &dist[0], wp, &trial[0], n4, &lanes)
		s0, s1, s2, s3, i = lanes[0], lanes[1], lanes[2], lanes[3], n4
	}
	for ; i+4 <= n; i += 4 {
		e0, e1, e2, e3 := float64(dist[i]), float64(dist[i+1]), float64(dist[i+2]), float64(dist[i+3])
		if w != nil {
			e0, e1, e2, e3 = e0*w[i], e1*w[i+1], e2*w[i+2], e3*w[i+3]
		}
		v0, v1, v2, v3 := pot[i], pot[i+1], pot[i+2], pot[i+3]
		if e0 < v0 {
			v0 = e0
		}
		if e1 < v1 {
			v1 = e1
		}
		if e2 < v2 {
			v2 = e2
		}
		if e3 < v3 {
			v3 = e3
		}
		trial[i], trial[i+1], trial[i+2], trial[i+3] = v0, v1, v2, v3
		s0 += v0
		s1 += v1
		s2 += v2
		s3 += v3
	}
	for ; i < n; i++ {
		e := float64(dist[i])
		if w != nil {
			e *= w[i]
		}
		v := pot[i]
		if e < v {
			v = e
		}
		trial[i] = v
		s0 += v
	}
	return (s0 + s1) + (s2 + s3)
}

// kmDistRows writes the squared Euclidean distance of each of the n
// row-major rows of x to c into out, in float32. k-means++ only draws by
// these values, so float32 rounding is harmless there, and it is several
// times faster than kmDist64's float64 sums in the O(n·k·trials·d)
// seeding loop. With AVX2 the assembly computes them eight dimensions at
// a time (BenchmarkKMeansPlusPlus); its sums round differently from the
// loop below, so a seeding may differ between the two paths in the last
// bits of a distance, and rarely in a draw.
func kmDistRows(x []float32, n, d int, c, out []float32) {
	if n == 0 {
		return
	}
	if kmHaveAVX2 {
		_ = x[n*d-1]
		_ = c[d-1]
		_ = out[n-1]
		n4 := 0
		if d%8 == 0 {
			n4 = n &^ 3
		}
		if n4 > 0 {
			kmDistRows4AVX2(&x[0], n4, d, &c[0], &out[0])
		}
		if n4 < n {
			kmDistRowsAVX2(&x[n4*d], n-n4, d, &c[0], &out[n4])
		}
		return
	}
	for i := range n {
		out[i] = float32(kmDist32(x[i*d:(i+1)*d:(i+1)*d], c))
	}
}

// kmCandidates computes the distances of a k-means++ step's candidates
// to every row at once, with the rows transposed so that each SIMD lane
// is a row: the kernel keeps a block of rows in L1 while every candidate
// passes over it, and no lane sums need adding up.
type kmCandidates struct {
	*kmTransposed           // shared, read only
	cands         []int     // the step's candidate rows
	c             []float32 // their values, row-major, padded to an even count
	out           []float32 // candidate j's squared distance to row i at j·np + i
}

// kmTransposed is a sample transposed for the candidates' kernel; it
// depends on the sample alone, so seedings of one sample share it.
type kmTransposed struct {
	// xt holds dimension t of row i at t·stride + i, rows past n zero.
	// The stride is np plus one cache line: at a multiple of 4 KiB, as
	// np often is, every dimension of a block would fall in the same L1
	// sets and evict the others.
	xt     []float32
	stride int
	np     int // n rounded up to the kernels' blocks of 64 rows
}

func newKMTransposed(x []float32, n, d int) *kmTransposed {
	np := (n + 63) &^ 63
	stride := np + 16
	t := &kmTransposed{xt: make([]float32, d*stride), stride: stride, np: np}
	for f := range d {
		dst := t.xt[f*stride : f*stride+n]
		for i := range dst {
			dst[i] = x[i*d+f]
		}
	}
	return t
}

// candidates returns the scratch of one seeding's steps over t, for
// trials candidates a step.
func (t *kmTransposed) candidates(d, trials int) *kmCandidates {
	pairs := (trials + 1) / 2
	return &kmCandidates{kmTransposed: t, cands: make([]int, trials),
		c: make([]float32, 2*pairs*d), out: make([]float32, 2*pairs*t.np)}
}

// distances fills out for the candidates in cands. With an odd number of
// candidates the last is computed twice.
func (cd *kmCandidates) distances(x []float32, d int) {
	for j, r := range cd.cands {
		copy(cd.c[j*d:(j+1)*d], x[r*d:(r+1)*d])
	}
	m := len(cd.cands)
	if m%2 == 1 {
		copy(cd.c[m*d:], cd.c[(m-1)*d:m*d])
	}
	pairs, blocks := len(cd.c)/(2*d), cd.np/64
	if kmHaveAVX512 {
		kmCandDistAVX512(&cd.xt[0], cd.stride, blocks, d, &cd.c[0], pairs, &cd.out[0])
	} else {
		kmCandDistAVX2(&cd.xt[0], cd.stride, blocks, d, &cd.c[0], pairs, &cd.out[0])
	}
}

// kmDist32 is the squared Euclidean distance of two float32 vectors with
// four float32 accumulators.
func kmDist32(x, c []float32) float64 {
	c = c[:len(x)]
	var s0, s1, s2, s3 float32
	t := 0
	for ; t+4 <= len(x); t += 4 {
		e0 := x[t] - c[t]
		e1 := x[t+1] - c[t+1]
		e2 := x[t+2] - c[t+2]
		e3 := x[t+3] - c[t+3]
		s0 += e0 * e0
		s1 += e1 * e1
		s2 += e2 * e2
		s3 += e3 * e3
	}
	for ; t < len(x); t++ {
		e := x[t] - c[t]
		s0 += e * e
	}
	return float64((s0 + s1) + (s2 + s3))
}
