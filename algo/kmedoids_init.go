package algo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
)

// Init names a way to choose the initial medoids of a k-medoids run.
type Init int

const (
	// InitBuild is PAM's greedy BUILD (Kaufman & Rousseeuw 1990): the
	// first medoid minimises the total dissimilarity to all objects, each
	// next one reduces the total deviation most. Deterministic, O(kn²):
	// good medoids, but slow beyond a few thousand objects.
	InitBuild Init = iota
	// InitLAB is the Linear Approximate BUILD of Schubert & Rousseeuw
	// (Information Systems 2021): BUILD evaluated on a fresh
	// random subsample of 10+⌈√n⌉ objects per medoid, O(nk) overall.
	InitLAB
	// InitRandom draws k distinct objects uniformly.
	InitRandom
	// InitKMeansPlusPlus is k-means++ seeding (Arthur & Vassilvitskii
	// 2007) on the dissimilarity: the first medoid is uniform, each next
	// one is drawn with probability proportional to D(x)², D(x) being the
	// dissimilarity to the nearest chosen medoid. The dissimilarity
	// itself is squared, whatever it is: for Euclidean vectors that is
	// the classical D² rule; for SqEuclidean it weights by d⁴, which
	// spreads the seeds further apart.
	InitKMeansPlusPlus
)

var kmedInitNames = [...]string{
	InitBuild:          "build",
	InitLAB:            "lab",
	InitRandom:         "random",
	InitKMeansPlusPlus: "kmeans++",
}

// ParseInit turns "build", "lab", "random" or "kmeans++" (case-insensitive;
// "k-means++" is accepted too) into an Init.
func ParseInit(s string) (Init, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	if name == "k-means++" {
		name = "kmeans++"
	}
	for i, n := range kmedInitNames {
		if n == name {
			return Init(i), nil
		}
	}
	return 0, fmt.Errorf("%w: %q (want one of %s)", ErrUnknownInit, s, strings.Join(kmedInitNames[:], ", "))
}

// String returns the name ParseInit accepts.
func (i Init) String() string {
	if i >= 0 && int(i) < len(kmedInitNames) {
		return kmedInitNames[i]
	}
	return fmt.Sprintf("Init(%d)", int(i))
}

// InitialMedoids chooses k distinct medoids with the given method. rng is
// used by LAB, random and k-means++ (ErrRandRequired when nil) and may be
// nil for BUILD. Errors: ErrEmpty for n = 0, ErrInvalidK unless
// 1 ≤ k < n, ErrUnknownInit.
func InitialMedoids(d Dissimilarity, k int, init Init, rng *rand.Rand) ([]int, error) {
	return InitialMedoidsContext(context.Background(), d, k, init, rng)
}

// InitialMedoidsContext is InitialMedoids that gives up when ctx ends:
// BUILD checks ctx before every block of candidates (every few stored
// rows of a LowerTriangle), LAB and k-means++ before every medoid; it then
// returns ErrCancelled, wrapping the context's cause.
func InitialMedoidsContext(ctx context.Context, d Dissimilarity, k int, init Init, rng *rand.Rand) ([]int, error) {
	return InitialMedoidsParallel(ctx, d, k, init, rng, 1)
}

// InitialMedoidsParallel is InitialMedoidsContext with BUILD on a
// LowerTriangle spread over parallelism goroutines (≤ 0 means 1), with
// the same medoids for every parallelism (see kmedBuildTriangle). The
// other methods, O(nk) or less, and BUILD on other types run on the
// calling goroutine.
func InitialMedoidsParallel(ctx context.Context, d Dissimilarity, k int, init Init, rng *rand.Rand, parallelism int) ([]int, error) {
	n, err := kmedLen(d)
	if err != nil {
		return nil, err
	}
	if err := kmedCheckK(n, k); err != nil {
		return nil, err
	}
	if init < 0 || int(init) >= len(kmedInitNames) {
		return nil, fmt.Errorf("%w: Init(%d)", ErrUnknownInit, int(init))
	}
	if init != InitBuild && rng == nil {
		return nil, fmt.Errorf("%w: %s initialisation", ErrRandRequired, init)
	}
	acc := newKmedAccess(d)
	stop := newStopper(ctx)
	switch init {
	case InitLAB:
		return kmedLAB(&acc, k, rng, stop)
	case InitRandom:
		meds := kmedRandom(n, k, rng)
		stop.report(Step{Phase: PhaseBuild, Done: k, Total: k})
		return meds, nil
	case InitKMeansPlusPlus:
		return kmedPlusPlus(&acc, k, rng, stop)
	}
	return kmedBuild(&acc, k, stop, parallelism)
}

// kmedBuild is PAM's BUILD. The first medoid has the smallest row sum; each
// next one the largest gain Σ_o max(0, nd(o) - d(x,o)), where nd is the
// dissimilarity to the nearest medoid so far. Ties go to the lowest index.
// O(kn²) time, O(n) memory.
func kmedBuild(acc *kmedAccess, k int, stop stopper, parallelism int) ([]int, error) {
	if acc.lt != nil {
		return kmedBuildTriangle(acc.lt, k, stop, parallelism)
	}
	n := acc.n
	buf := make([]float32, n)
	nd := make([]float32, n)
	isMed := make([]bool, n)
	meds := make([]int, 0, k)
	blocks := newKmedBlockReader(acc)
	best, first := math.Inf(1), 0
	for x0 := 0; x0 < n; x0 += kmedBlock {
		if err := stop.err(); err != nil {
			return nil, err
		}
		for b, row := range blocks.block(x0) {
			var sum float64
			for _, v := range row {
				sum += float64(v)
			}
			if sum < best {
				best, first = sum, x0+b
			}
		}
	}
	meds = append(meds, first)
	isMed[first] = true
	copy(nd, acc.row(first, buf))
	reportBuild(stop, len(meds), k, nd)
	for len(meds) < k {
		bestGain, bestX := -1.0, -1
		for x0 := 0; x0 < n; x0 += kmedBlock {
			if err := stop.err(); err != nil {
				return nil, err
			}
			for b, row := range blocks.block(x0) {
				if isMed[x0+b] {
					continue
				}
				var gain float64
				for o, v := range row[:len(nd)] {
					if v < nd[o] {
						gain += float64(nd[o]) - float64(v)
					}
				}
				if gain > bestGain {
					bestGain, bestX = gain, x0+b
				}
			}
		}
		meds = append(meds, bestX)
		isMed[bestX] = true
		for o, v := range acc.row(bestX, buf) {
			nd[o] = min(nd[o], v)
		}
		reportBuild(stop, len(meds), k, nd)
	}
	return meds, nil
}

// kmedBuildTriangle is kmedBuild on a LowerTriangle. Each step streams
// the stored triangle once, in memory order, and lets every pair (i, j)
// add to the gains of both i and j, instead of expanding n full rows per
// step: half the reads, no transposition. Same criterion and tie rule as
// kmedBuild; the gains are summed in another order, so they may differ
// from it in the last bits.
//
// The stored rows are cut into buildChunks chunks of about equal pair
// counts, whatever the parallelism; each chunk sums its pairs' gains into
// its own array (n float64, in cache), and the arrays are added in chunk
// order. parallelism goroutines (≤ 0 means 1) take chunks in turn, so the
// gains, and the medoids, are the same bit for bit for every parallelism.
func kmedBuildTriangle(lt *LowerTriangle, k int, stop stopper, parallelism int) ([]int, error) {
	n, data := lt.n, lt.data
	bounds := buildChunkBounds(n)
	nc := len(bounds) - 1
	parts := make([][]float64, nc)
	for c := range parts {
		parts[c] = make([]float64, n)
	}
	nd := make([]float32, n)
	// chunk sums the contributions of stored rows [lo, hi) into part:
	// with first, the row sums; after, the gains against nd.
	chunk := func(part []float64, lo, hi int, first bool) error {
		clear(part)
		if !first {
			return buildGainRows(data, nd, part, lo, hi, stop)
		}
		for i := lo; i < hi; i++ {
			if i%triangleStopRows == 0 {
				if err := stop.err(); err != nil {
					return err
				}
			}
			row := data[i*(i-1)/2 : i*(i-1)/2+i]
			var gi float64
			for j, v := range row {
				gi += float64(v)
				part[j] += float64(v)
			}
			part[i] += gi
		}
		return nil
	}
	sweep := func(first bool) error {
		var next atomic.Int64
		var failed atomic.Pointer[error]
		work := func() {
			for {
				c := int(next.Add(1) - 1)
				if c >= nc || failed.Load() != nil {
					return
				}
				if err := chunk(parts[c], bounds[c], bounds[c+1], first); err != nil {
					failed.Store(&err)
					return
				}
			}
		}
		if p := min(max(parallelism, 1), nc); p == 1 {
			work()
		} else {
			var wg sync.WaitGroup
			for range p - 1 {
				wg.Go(work)
			}
			work()
			wg.Wait()
		}
		if e := failed.Load(); e != nil {
			return *e
		}
		return nil
	}
	// gain[x] = base[x] + Σ_c parts[c][x], added in chunk order.
	gain := make([]float64, n)
	total := func(base []float32) {
		for x := range gain {
			g := 0.0
			if base != nil {
				g = float64(base[x]) // d(x, x) = 0: a candidate first serves itself
			}
			for _, part := range parts {
				g += part[x]
			}
			gain[x] = g
		}
	}
	if err := sweep(true); err != nil {
		return nil, err
	}
	total(nil)
	first := 0
	for i, v := range gain {
		if v < gain[first] {
			first = i
		}
	}
	meds := make([]int, 0, k)
	isMed := make([]bool, n)
	for o := range n {
		nd[o] = lt.At(first, o)
	}
	meds = append(meds, first)
	isMed[first] = true
	reportBuild(stop, len(meds), k, nd)
	for len(meds) < k {
		if err := sweep(false); err != nil {
			return nil, err
		}
		total(nd)
		bestGain, bestX := -1.0, -1
		for x, g := range gain {
			if !isMed[x] && g > bestGain {
				bestGain, bestX = g, x
			}
		}
		meds = append(meds, bestX)
		isMed[bestX] = true
		for o := range n {
			nd[o] = min(nd[o], lt.At(bestX, o))
		}
		reportBuild(stop, len(meds), k, nd)
	}
	return meds, nil
}

// buildGainRows adds to part the BUILD gains of the pairs of the stored
// rows [lo, hi) of a LowerTriangle (data) against nd, the dissimilarity
// of every object to its nearest medoid: for each row i in order, first
// Σ_j max(nd[j]−d(i,j), 0) over j < i (i as a medoid would serve j
// better) summed in j order into part[i], and max(nd[i]−d(i,j), 0) into
// each part[j] (j would serve i better).
//
// max(·, 0) instead of a test: the comparisons are unpredictable, and
// adding +0 to a sum of non-negative terms changes no bit, so the sums
// are those of "if v < nd[j] { gi += nd[j]-v }". Rows go two at a time,
// so that two running sums hide each other's latency; every part[j] and
// every row sum still receives its terms in the same order, so the sums
// are the same bit for bit as one row at a time. The AVX2 kernel does
// the columns below the largest multiple of four.
func buildGainRows(data, nd []float32, part []float64, lo, hi int, stop stopper) error {
	polled := 0
	i := lo
	for ; i < hi; i += 2 {
		if i-polled >= triangleStopRows || i == lo {
			if err := stop.err(); err != nil {
				return err
			}
			polled = i
		}
		row0 := data[i*(i-1)/2 : i*(i-1)/2+i]
		ndi0 := nd[i]
		if i+1 == hi {
			var gi float64
			ndr, pr := nd[:len(row0)], part[:len(row0)]
			for j, v := range row0 {
				gi += float64(max(ndr[j]-v, 0))
				pr[j] += float64(max(ndi0-v, 0))
			}
			part[i] += gi
			break
		}
		row1 := data[(i+1)*i/2 : (i+1)*i/2+i+1]
		ndi1 := nd[i+1]
		var g [2]float64
		j0 := 0
		if m4 := i &^ 3; kmHaveAVX2 && m4 > 0 {
			kmBuildGain2AVX2(&row0[0], &row1[0], &nd[0], &part[0], m4, ndi0, ndi1, &g)
			j0 = m4
		}
		g0, g1 := g[0], g[1]
		for j := j0; j < i; j++ {
			v0, v1, ndj := row0[j], row1[j], nd[j]
			g0 += float64(max(ndj-v0, 0))
			g1 += float64(max(ndj-v1, 0))
			p := part[j] + float64(max(ndi0-v0, 0))
			part[j] = p + float64(max(ndi1-v1, 0))
		}
		part[i] += g0
		v := row1[i]
		g1 += float64(max(nd[i]-v, 0))
		part[i] += float64(max(ndi1-v, 0))
		part[i+1] += g1
	}
	return nil
}

// buildChunks is the number of chunks of stored rows BUILD sums
// separately on a LowerTriangle: enough for two to eight goroutines to
// finish together, few enough that the n-value partial arrays (added once
// per step) cost little next to the n²/2 pairs.
const buildChunks = 16

// buildChunkBounds cuts the stored rows 1..n-1 of a LowerTriangle into at
// most buildChunks ranges [b[c], b[c+1]) of about equal numbers of pairs.
// It depends on n alone.
func buildChunkBounds(n int) []int {
	b := []int{1}
	pairs := float64(n) * float64(n-1) / 2
	for c := 1; c < buildChunks; c++ {
		// Rows 1..r-1 hold r(r-1)/2 pairs: r ≈ √(2·pairs·c/chunks).
		r := int(math.Sqrt(2 * pairs * float64(c) / buildChunks))
		if r > b[len(b)-1] && r < n {
			b = append(b, r)
		}
	}
	if b[len(b)-1] < n {
		b = append(b, n)
	}
	return b
}

// triangleStopRows is how many stored rows of a LowerTriangle BUILD
// streams between two polls of the stopper: at most triangleStopRows·n
// values, a few milliseconds.
const triangleStopRows = 256

// kmedLAB is LAB: each medoid is chosen by BUILD's criterion evaluated on a
// random subsample S of 10+⌈√n⌉ non-medoids only: the first minimises
// Σ_{y∈S} d(x,y), each next one minimises Σ_{y∈S} min(d(x,y), nd(y)) over
// x ∈ S. nd is kept exact for all objects (one row per medoid), so the
// whole run is O(nk) dissimilarities plus O(k·|S|²) = O(nk).
func kmedLAB(acc *kmedAccess, k int, rng *rand.Rand, stop stopper) ([]int, error) {
	n := acc.n
	ssize := min(n, 10+int(math.Ceil(math.Sqrt(float64(n)))))
	pool := make([]int32, n) // pool[:avail] are the non-medoids
	for i := range pool {
		pool[i] = int32(i)
	}
	avail := n
	nd := make([]float32, n)
	for i := range nd {
		nd[i] = float32(math.Inf(1))
	}
	buf := make([]float32, n)
	dist := make([]float32, ssize)
	meds := make([]int, 0, k)
	for len(meds) < k {
		if err := stop.err(); err != nil {
			return nil, err
		}
		m := min(ssize, avail)
		// Partial Fisher-Yates: pool[:m] becomes a uniform sample.
		for i := 0; i < m; i++ {
			j := i + rng.IntN(avail-i)
			pool[i], pool[j] = pool[j], pool[i]
		}
		sample := pool[:m]
		best, bestT := math.Inf(1), 0
		for t, x := range sample {
			acc.gather(int(x), sample, dist[:m])
			var sum float64
			for u, y := range sample {
				sum += float64(min(dist[u], nd[y]))
			}
			if sum < best {
				best, bestT = sum, t
			}
		}
		x := int(sample[bestT])
		meds = append(meds, x)
		avail--
		pool[bestT], pool[avail] = pool[avail], pool[bestT]
		for o, v := range acc.row(x, buf) {
			nd[o] = min(nd[o], v)
		}
		reportBuild(stop, len(meds), k, nd)
	}
	return meds, nil
}

// reportBuild reports that done of k medoids are chosen, with the total
// deviation Σ nd of those, summed only when someone listens. O(n), once
// per medoid: nothing next to the O(n) reads (LAB) or O(n²) (BUILD) that
// chose it.
func reportBuild(stop stopper, done, k int, nd []float32) {
	if !stop.reporting() {
		return
	}
	var loss float64
	for _, v := range nd {
		loss += float64(v)
	}
	stop.report(Step{Phase: PhaseBuild, Done: done, Total: k, Loss: loss})
}

// kmedRandom draws k distinct objects uniformly (partial Fisher-Yates).
func kmedRandom(n, k int, rng *rand.Rand) []int {
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	for i := 0; i < k; i++ {
		j := i + rng.IntN(n-i)
		perm[i], perm[j] = perm[j], perm[i]
	}
	return perm[:k:k]
}

// kmedPlusPlus is k-means++ seeding on the dissimilarity (see
// InitKMeansPlusPlus). If every remaining object coincides with a medoid
// (all weights zero), the next medoid is uniform among the non-medoids so
// that the k medoids stay distinct. O(nk).
func kmedPlusPlus(acc *kmedAccess, k int, rng *rand.Rand, stop stopper) ([]int, error) {
	n := acc.n
	buf := make([]float32, n)
	nd := make([]float32, n)
	isMed := make([]bool, n)
	meds := make([]int, 0, k)
	x := rng.IntN(n)
	for {
		meds = append(meds, x)
		isMed[x] = true
		stop.report(Step{Phase: PhaseBuild, Done: len(meds), Total: k})
		if len(meds) == k {
			return meds, nil
		}
		if err := stop.err(); err != nil {
			return nil, err
		}
		row := acc.row(x, buf)
		var total float64
		for o, v := range row {
			if len(meds) == 1 || v < nd[o] {
				nd[o] = v
			}
			if !isMed[o] {
				total += float64(nd[o]) * float64(nd[o])
			}
		}
		x = -1
		if total > 0 {
			r := rng.Float64() * total
			for o := range nd {
				if isMed[o] || nd[o] == 0 {
					continue
				}
				x = o // last positive weight, in case rounding leaves r > 0
				r -= float64(nd[o]) * float64(nd[o])
				if r < 0 {
					break
				}
			}
		}
		if x < 0 {
			t := rng.IntN(n - len(meds))
			for o := range isMed {
				if !isMed[o] {
					if t == 0 {
						x = o
						break
					}
					t--
				}
			}
		}
	}
}
