package algo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
)

// CLARANSConfig holds the two parameters of Ng & Han's randomized search.
// The zero value is the published default for each algorithm.
type CLARANSConfig struct {
	// NumLocal is the number of restarts: independent local searches from
	// k medoids drawn uniformly, the best of which is returned. 0 means 2,
	// Ng & Han's recommendation and ELKI's default. Negative is an error.
	NumLocal int

	// MaxNeighbor is how many neighbours a local search examines in a row
	// without improvement before it declares a local optimum. Below 1 it
	// is a fraction of the k(n−k) single swaps around the current medoids,
	// from 1 on an absolute count of neighbours; either way rounded up,
	// and at least 1. 0 means the default. Negative, NaN or infinite is an
	// error.
	//
	// CLARANS: a neighbour is one swap (slot, non-medoid), so a fraction
	// r examines ⌈r·k(n−k)⌉ swaps. The default is Ng & Han's rule (TKDE
	// 2002): 1.25% of k(n−k) (ELKI's rate too), but no fewer than 250, so
	// small problems get 250 draws even where that exceeds k(n−k) (they
	// are drawn with replacement).
	//
	// FastCLARANS: a neighbour is one non-medoid x tried against all k
	// slots at once, k swaps, so a fraction r of the k(n−k) swaps is
	// ⌈r·(n−k)⌉ candidates (ELKI counts the same way). The default is
	// 2.5% of n−k, twice CLARANS's rate (Schubert & Rousseeuw 2021 and
	// ELKI's FastCLARANS: a candidate costs about what one CLARANS
	// neighbour costs, one row of n dissimilarities, yet covers k swaps),
	// with the same floor of 250 candidates; a search also ends once all
	// n−k candidates have failed, so at n−k ≤ 250 every search ends in a
	// proven swap-local optimum.
	MaxNeighbor float64
}

const (
	// claransDefaultNumLocal is Ng & Han's numlocal = 2.
	claransDefaultNumLocal = 2
	// claransDefaultRate is Ng & Han's maxneighbor = 1.25% of k(n−k).
	claransDefaultRate = 0.0125
	// claransDefaultFloor is Ng & Han's lower bound on the default
	// maxneighbor: 250 neighbours.
	claransDefaultFloor = 250
	// fastCLARANSDefaultRate doubles it, as ELKI's FastCLARANS does
	// following Schubert & Rousseeuw 2021.
	fastCLARANSDefaultRate = 2 * claransDefaultRate
	// claransMaxCount caps a neighbour count computed from a float, far
	// above anything that can run, so the conversion cannot overflow.
	claransMaxCount = 1 << 62
)

// CLARANS is Clustering Large Applications based on RANdomized Search of
// Ng & Han, "CLARANS: A Method for Clustering Objects for Spatial Data
// Mining", IEEE TKDE 14(5), 2002, doi:10.1109/TKDE.2002.1033770.
//
// It searches the graph whose nodes are sets of k medoids and whose edges
// are single swaps. Each of cfg.NumLocal restarts draws k medoids
// uniformly with rng, then repeatedly draws a uniform random neighbour
// (medoid slot, non-medoid x) and moves to it if it lowers the total
// deviation by more than 1e-12 × the current loss (the tolerance of the
// PAM family, so floating noise never loops); after MaxNeighbor
// consecutive neighbours without improvement it stops. Neighbours are
// drawn with replacement, as in the paper. The medoids with the lowest
// loss over all restarts are returned (the first on ties).
//
// A neighbour costs one row of n dissimilarities and O(n) to evaluate
// from the cached nearest and second-nearest medoid of every object; a
// swap O(n) more (plus O(k) per object whose second-nearest medoid is
// replaced). Memory is O(n + k), allocated once per call. With the
// default a local search examines at least max(250, ⌈0.0125·k(n−k)⌉)
// neighbours, O(k n²) time overall; CLARANS does not guarantee a
// swap-local optimum, only that MaxNeighbor random neighbours in a row
// failed. Use FastCLARANS, which finds better medoids in less time, or
// FasterPAM when all of the data can be searched.
//
// Iterations in the result is the number of neighbours examined over all
// restarts, Swaps the number of swaps applied over all restarts.
//
// Errors: ErrEmpty for a nil or empty d, ErrInvalidK unless 1 ≤ k < n,
// ErrConfig for a negative NumLocal or a negative, NaN or infinite
// MaxNeighbor, ErrRandRequired for a nil rng.
func CLARANS(d Dissimilarity, k int, cfg CLARANSConfig, rng *rand.Rand) (*KMedoidsResult, error) {
	return CLARANSContext(context.Background(), d, k, cfg, rng)
}

// CLARANSContext is CLARANS that gives up when ctx ends: it checks ctx
// before every restart and every stopEvery neighbours, so a huge
// MaxNeighbor or NumLocal cannot hold it, and then returns ErrCancelled,
// wrapping the context's cause.
func CLARANSContext(ctx context.Context, d Dissimilarity, k int, cfg CLARANSConfig, rng *rand.Rand) (*KMedoidsResult, error) {
	numLocal, maxNb, err := claransCheck(d, k, cfg, rng, false)
	if err != nil {
		return nil, err
	}
	stop := newStopper(ctx)
	c := newClaransRun(d, k)
	for range numLocal {
		if err := stop.err(); err != nil {
			return nil, err
		}
		c.restart(rng)
		if err := c.searchCLARANS(rng, maxNb, stop); err != nil {
			return nil, err
		}
		c.keepBest()
	}
	return c.result(), nil
}

// FastCLARANS is the variant of CLARANS by Schubert & Rousseeuw, "Fast
// and Eager k-Medoids Clustering: O(k) Runtime Improvement of the PAM,
// CLARA, and CLARANS Algorithms", Information Systems 101 (2021),
// doi:10.1016/j.is.2021.101804 (SISAP 2019, doi:10.1007/978-3-030-32047-8_16).
//
// A neighbour is a random non-medoid x evaluated against the removal of
// every medoid at once, in one O(n + k) pass over the objects with the
// FastPAM1 trick (shared gain of the objects x catches plus per-slot
// removal losses from the nearest/second-nearest cache); the best of the
// k swaps for x is applied if it lowers the loss by more than 1e-12 × the
// current loss. The shared gain is added to every slot's loss before the
// slots are compared; ELKI's implementation compares the slots' losses
// without it against a minimum that includes it, so it can miss the best
// slot and even reject an improving candidate.
//
// Candidates are drawn uniformly from the non-medoids not yet tried since
// the last swap: a candidate that failed fails again until the medoids
// change, so drawing it again would waste a row. When all n−k have failed
// the medoids are a proven swap-local optimum (as FasterPAM's) and the
// local search stops even if MaxNeighbor is not reached. Otherwise the
// restarts, MaxNeighbor (counted in candidates, default max(250, 2.5% of n−k); see
// CLARANSConfig) and the result (Iterations = candidates examined over
// all restarts, Swaps = swaps applied) are as for CLARANS.
//
// A candidate costs one row of n dissimilarities and O(n + k); a swap
// O(n + k) more. Memory is O(n + k), allocated once per call.
//
// Errors: as CLARANS.
func FastCLARANS(d Dissimilarity, k int, cfg CLARANSConfig, rng *rand.Rand) (*KMedoidsResult, error) {
	return FastCLARANSContext(context.Background(), d, k, cfg, rng)
}

// FastCLARANSContext is FastCLARANS that gives up when ctx ends, checking
// it as CLARANSContext does (every stopEvery candidates).
func FastCLARANSContext(ctx context.Context, d Dissimilarity, k int, cfg CLARANSConfig, rng *rand.Rand) (*KMedoidsResult, error) {
	numLocal, maxNb, err := claransCheck(d, k, cfg, rng, true)
	if err != nil {
		return nil, err
	}
	stop := newStopper(ctx)
	c := newClaransRun(d, k)
	for range numLocal {
		if err := stop.err(); err != nil {
			return nil, err
		}
		c.restart(rng)
		if err := c.searchFast(rng, maxNb, stop); err != nil {
			return nil, err
		}
		c.keepBest()
	}
	return c.result(), nil
}

// claransCheck validates the inputs of CLARANS and FastCLARANS and
// resolves the defaults: the number of restarts and the number of
// consecutive failed neighbours that ends a local search.
func claransCheck(d Dissimilarity, k int, cfg CLARANSConfig, rng *rand.Rand, fast bool) (numLocal, maxNb int, err error) {
	name := "CLARANS"
	if fast {
		name = "FastCLARANS"
	}
	n := 0
	if d != nil {
		n = d.Len()
	}
	if err := kmedCheckK(n, k); err != nil {
		return 0, 0, err
	}
	if cfg.NumLocal < 0 {
		return 0, 0, fmt.Errorf("%w: %s NumLocal=%d, want ≥ 0 (0 means %d)", ErrConfig, name, cfg.NumLocal, claransDefaultNumLocal)
	}
	m := cfg.MaxNeighbor
	if !(m >= 0) || math.IsInf(m, 1) {
		return 0, 0, fmt.Errorf("%w: %s MaxNeighbor=%v, want a finite value ≥ 0 (0 means the default)", ErrConfig, name, m)
	}
	if rng == nil {
		return 0, 0, fmt.Errorf("%w: %s", ErrRandRequired, name)
	}
	numLocal = cfg.NumLocal
	if numLocal == 0 {
		numLocal = claransDefaultNumLocal
	}
	// Swaps per neighbour: 1 for CLARANS, k for FastCLARANS, so a rate is
	// a fraction of the k(n−k) swaps either way.
	perNeighbour := float64(k)
	rate := claransDefaultRate
	if fast {
		perNeighbour, rate = 1, fastCLARANSDefaultRate
	}
	if m == 0 {
		return numLocal, claransCount(max(claransDefaultFloor, rate*perNeighbour*float64(n-k))), nil
	}
	count := m
	if m < 1 {
		count = m * perNeighbour * float64(n-k)
	}
	return numLocal, claransCount(count), nil
}

// claransCount rounds a neighbour count up and clamps it to [1, 2^62].
func claransCount(c float64) int {
	c = math.Ceil(c)
	switch {
	case c < 1:
		return 1
	case c >= claransMaxCount:
		return claransMaxCount
	}
	return int(c)
}

// claransRun is the scratch of one CLARANS or FastCLARANS call: one
// k-medoids state reused by every restart, a permutation that keeps the
// non-medoids in one slice for O(1) uniform draws, and the best medoids
// seen so far.
type claransRun struct {
	s *kmedState
	// perm holds every object once: perm[slot] is the medoid of that
	// slot for slot < k, and perm[k:] are the non-medoids.
	perm     []int32
	best     []int
	bestLoss float64
	bestLast bool // the best medoids are those in s
	iters    int
	swaps    int
}

// newClaransRun allocates the scratch for n objects and k medoids (1 ≤ k
// < n, validated by the caller). The state starts on medoids 0..k-1 until
// the first restart.
func newClaransRun(d Dissimilarity, k int) *claransRun {
	n := d.Len()
	perm := make([]int32, n)
	start := make([]int, k)
	for i := range perm {
		perm[i] = int32(i)
	}
	for i := range start {
		start[i] = i
	}
	return &claransRun{
		s:        newKmedState(d, start),
		perm:     perm,
		best:     make([]int, k),
		bestLoss: math.Inf(1),
	}
}

// restart draws k medoids uniformly (a partial Fisher-Yates shuffle of
// perm, k draws) and assigns every object to them. O(nk).
func (c *claransRun) restart(rng *rand.Rand) {
	n, k := len(c.perm), c.s.k
	for i := 0; i < k; i++ {
		j := i + rng.IntN(n-i)
		c.perm[i], c.perm[j] = c.perm[j], c.perm[i]
	}
	for slot := range c.s.med {
		c.s.med[slot] = int(c.perm[slot])
	}
	c.s.assignAll()
}

// setMedoids starts a local search from the given medoids (distinct, in
// range; slot i gets medoids[i]) instead of random ones.
func (c *claransRun) setMedoids(medoids []int) {
	k := c.s.k
	for slot, m := range medoids {
		// perm is a permutation, so m is at some position ≥ slot once
		// slots 0..slot-1 are placed.
		for p := slot; p < len(c.perm); p++ {
			if int(c.perm[p]) == m {
				c.perm[slot], c.perm[p] = c.perm[p], c.perm[slot]
				break
			}
		}
	}
	for slot := 0; slot < k; slot++ {
		c.s.med[slot] = int(c.perm[slot])
	}
	c.s.assignAll()
}

// swap makes the non-medoid at perm position p the medoid of slot, with
// row its dissimilarities, and moves the old medoid to position p.
func (c *claransRun) swap(slot, p int, row []float32) {
	old := c.perm[slot]
	x := int(c.perm[p])
	c.s.doSwap(slot, x, row)
	c.perm[slot], c.perm[p] = int32(x), old
	c.swaps++
}

// searchCLARANS is one CLARANS local search from the current medoids
// (Ng & Han, steps 3–6): uniform random (slot, non-medoid) neighbours
// with replacement, a move on every improvement, until maxNb neighbours
// in a row fail, or stop says so.
func (c *claransRun) searchCLARANS(rng *rand.Rand, maxNb int, stop stopper) error {
	s := c.s
	n, k := s.n, s.k
	for fails := 0; fails < maxNb; {
		if c.iters%stopEvery == 0 {
			if err := stop.err(); err != nil {
				return err
			}
		}
		p := k + rng.IntN(n-k)
		slot := rng.IntN(k)
		c.iters++
		row := s.acc.row(int(c.perm[p]), s.buf)
		if delta := s.pamDelta(row, int32(slot)); delta < -s.tol() {
			c.swap(slot, p, row)
			fails = 0
		} else {
			fails++
		}
	}
	return nil
}

// searchFast is one FastCLARANS local search from the current medoids:
// candidates drawn without replacement from the non-medoids since the
// last swap (perm[k:k+tried] are the ones tried), each evaluated against
// all k slots by bestSwapFor, the best swap applied if it improves; it
// stops after maxNb failures in a row, when every non-medoid has failed,
// or when stop says so.
func (c *claransRun) searchFast(rng *rand.Rand, maxNb int, stop stopper) error {
	s := c.s
	n, k := s.n, s.k
	s.updateRemoval()
	for fails, tried := 0, 0; fails < maxNb && tried < n-k; {
		if c.iters%stopEvery == 0 {
			if err := stop.err(); err != nil {
				return err
			}
		}
		p := k + tried
		j := p + rng.IntN(n-p)
		c.perm[p], c.perm[j] = c.perm[j], c.perm[p]
		tried++
		c.iters++
		row := s.acc.row(int(c.perm[p]), s.buf)
		slot, delta := s.bestSwapFor(row)
		if delta < -s.tol() {
			c.swap(slot, p, row)
			s.updateRemoval()
			fails, tried = 0, 0
		} else {
			fails++
		}
	}
	return nil
}

// keepBest records the current medoids if their loss is the lowest so
// far (strictly: the first restart wins ties).
func (c *claransRun) keepBest() {
	if c.s.loss < c.bestLoss {
		c.bestLoss = c.s.loss
		copy(c.best, c.s.med)
		c.bestLast = true
	} else {
		c.bestLast = false
	}
}

// result returns the best medoids seen, reassigning from scratch (O(nk))
// unless they are the current ones. The loss is recomputed by the same
// float64 sum in object order, so it is the loss recorded for them.
func (c *claransRun) result() *KMedoidsResult {
	if !c.bestLast {
		copy(c.s.med, c.best)
		c.s.assignAll()
	}
	return c.s.result(c.iters, c.swaps)
}
