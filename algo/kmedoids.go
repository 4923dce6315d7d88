package algo

import (
	"fmt"
	"math"
)

// kmedDefaultMaxIter is the number of SWAP passes (or Alternating
// iterations) used when a caller passes maxIter ≤ 0, the default of the
// kmedoids package. FasterPAM usually converges in under 10 passes. PAM
// and FastPAM1 make one swap per pass and from a LAB or random start often
// need about k passes or more (105 at n=5000, k=100 in the benchmark):
// give them a larger maxIter, or start them from BUILD.
const kmedDefaultMaxIter = 100

// kmedSwapTol is the relative tolerance below which a swap is not taken:
// a swap must change the total deviation by less than -1e-12 × the current
// total deviation, as in ELKI's PAM family. It keeps floating-point noise
// from swapping back and forth between equivalent medoids forever.
const kmedSwapTol = 1e-12

// KMedoidsResult is what every k-medoids algorithm returns.
type KMedoidsResult struct {
	// Medoids are indices into the dissimilarity, in medoid-slot order:
	// slot i of the initial medoids is slot i here, whatever was swapped
	// into it.
	Medoids []int
	// Assignment is the slot (0..k-1) of a nearest medoid for every
	// object. A medoid is always assigned to its own slot; other ties
	// are broken by the algorithm's bookkeeping, not by slot number.
	Assignment []int32
	// Loss is the total deviation Σ_o d(o, nearest medoid), summed in
	// float64 in object order, so it equals TotalDeviation(d, Medoids)
	// bit for bit.
	Loss float64
	// Iterations counts SWAP passes (Alternating: iterations), including
	// the last one that found nothing to improve, unless maxIter ended
	// the run first.
	Iterations int
	// Swaps counts medoid replacements performed.
	Swaps int
}

// TotalDeviation is the k-medoids loss of a medoid set: the sum over all
// objects of the dissimilarity to the nearest medoid, read as d(medoid,
// object) and summed in float64 in object order. It also returns the slot
// of the nearest medoid per object, ties going to the lowest slot.
// O(nk). Duplicate medoids are allowed (the loss is well defined); it has
// no error return, so it panics when medoids is empty or holds an index
// outside [0, n), as indexing would.
func TotalDeviation(d Dissimilarity, medoids []int) (float64, []int32) {
	n := d.Len()
	if len(medoids) == 0 {
		panic("algo: TotalDeviation of an empty medoid set")
	}
	for _, m := range medoids {
		if m < 0 || m >= n {
			panic(fmt.Sprintf("algo: TotalDeviation: medoid %d out of range [0,%d)", m, n))
		}
	}
	acc := newKmedAccess(d)
	buf := make([]float32, n)
	best := make([]float32, n)
	assign := make([]int32, n)
	for s, m := range medoids {
		row := acc.row(m, buf)
		if s == 0 {
			copy(best, row)
			continue
		}
		for o, v := range row {
			if v < best[o] {
				best[o] = v
				assign[o] = int32(s)
			}
		}
	}
	var loss float64
	for _, v := range best {
		loss += float64(v)
	}
	return loss, assign
}

// kmedLen validates a caller's Dissimilarity and returns its number of
// objects: ErrEmpty for nil (also a typed nil of the concrete types) or no
// objects, ErrShape or ErrUnknownMetric for Vectors built by hand with
// inconsistent fields.
func kmedLen(d Dissimilarity) (int, error) {
	switch t := d.(type) {
	case nil:
		return 0, fmt.Errorf("%w: nil dissimilarity", ErrEmpty)
	case *LowerTriangle:
		if t == nil {
			return 0, fmt.Errorf("%w: nil *LowerTriangle", ErrEmpty)
		}
	case *DenseMatrix:
		if t == nil {
			return 0, fmt.Errorf("%w: nil *DenseMatrix", ErrEmpty)
		}
	case *Vectors:
		if t == nil {
			return 0, fmt.Errorf("%w: nil *Vectors", ErrEmpty)
		}
		if t.D < 1 || t.N > math.MaxInt32 || int64(len(t.Data)) != int64(t.N)*int64(t.D) {
			return 0, fmt.Errorf("%w: %d values for n=%d rows of d=%d", ErrShape, len(t.Data), t.N, t.D)
		}
		if !t.Metric.valid() {
			return 0, fmt.Errorf("%w: Metric(%d)", ErrUnknownMetric, int(t.Metric))
		}
		if t.Ranges != nil && len(t.Ranges) != t.D {
			return 0, fmt.Errorf("%w: %d ranges for d=%d", ErrShape, len(t.Ranges), t.D)
		}
	}
	n := d.Len()
	if n < 1 {
		return 0, fmt.Errorf("%w: n=%d", ErrEmpty, n)
	}
	return n, nil
}

// kmedCheckK validates k for n objects: k-medoids needs 1 ≤ k < n.
func kmedCheckK(n, k int) error {
	if n < 1 {
		return fmt.Errorf("%w: n=%d", ErrEmpty, n)
	}
	if k < 1 || k >= n {
		return fmt.Errorf("%w: k=%d, n=%d", ErrInvalidK, k, n)
	}
	return nil
}

// kmedCheckMedoids validates an initial medoid set: 1 ≤ k < n, every index
// in [0, n), no duplicates.
func kmedCheckMedoids(d Dissimilarity, medoids []int) error {
	n, err := kmedLen(d)
	if err != nil {
		return err
	}
	if err := kmedCheckK(n, len(medoids)); err != nil {
		return err
	}
	seen := make(map[int]int, len(medoids))
	for s, m := range medoids {
		if m < 0 || m >= n {
			return fmt.Errorf("%w: medoid %d (slot %d) out of range [0,%d)", ErrMedoids, m, s, n)
		}
		if t, dup := seen[m]; dup {
			return fmt.Errorf("%w: object %d is medoid of slots %d and %d", ErrMedoids, m, t, s)
		}
		seen[m] = s
	}
	return nil
}

func kmedMaxIter(maxIter int) int {
	if maxIter <= 0 {
		return kmedDefaultMaxIter
	}
	return maxIter
}

// kmedNear caches, per object, the slot and dissimilarity of its nearest
// and second-nearest medoid (as in Schubert & Rousseeuw 2021). With
// k = 1 there is no second: si is -1 and sd is +Inf.
type kmedNear struct {
	ni int32
	nd float32
	si int32
	sd float32
}

// kmedState is the scratch of one k-medoids run, allocated once per call
// (ELKI's Instance): the medoids, which object is a medoid of which slot,
// the nearest/second-nearest cache, per-slot removal losses and buffers.
// Nothing in it is allocated per candidate or per swap.
type kmedState struct {
	acc     kmedAccess
	n, k    int
	med     []int   // object per slot
	slotOf  []int32 // slot per object, -1 for non-medoids
	near    []kmedNear
	removal []float64 // Δ loss of removing each slot's medoid, no replacement
	// sd is near[o].sd for every o, contiguous for the AVX2 kernel of
	// bestSwapInto; updateRemoval refreshes it, nil without AVX2.
	sd     []float32
	ploss  []float64 // per-candidate copy of removal
	buf    []float32 // row buffer
	blocks *kmedBlockReader
	loss   float64
}

// newKmedState copies medoids (already validated) and assigns every object
// to its nearest and second-nearest medoid, O(nk).
func newKmedState(d Dissimilarity, medoids []int) *kmedState {
	n, k := d.Len(), len(medoids)
	s := &kmedState{
		acc:     newKmedAccess(d),
		n:       n,
		k:       k,
		med:     append([]int(nil), medoids...),
		slotOf:  make([]int32, n),
		near:    make([]kmedNear, n),
		removal: make([]float64, k),
		ploss:   make([]float64, k),
		buf:     make([]float32, n),
	}
	if kmHaveAVX2 {
		s.sd = make([]float32, n)
	}
	s.blocks = newKmedBlockReader(&s.acc)
	s.assignAll()
	return s
}

// assignAll recomputes the nearest/second-nearest cache and the loss from
// scratch, reading the row of each medoid. A medoid always takes its own
// slot as nearest, even if a duplicate object at distance 0 is another
// medoid, so that "x is a medoid" and "x is nearest to itself" agree;
// once there (at 0) no later slot can displace it, as v < 0 is impossible.
func (s *kmedState) assignAll() {
	inf := float32(math.Inf(1))
	for o := range s.slotOf {
		s.slotOf[o] = -1
		s.near[o] = kmedNear{ni: -1, nd: inf, si: -1, sd: inf}
	}
	for slot, m := range s.med {
		s.slotOf[m] = int32(slot)
	}
	for slot, m := range s.med {
		row := s.acc.row(m, s.buf)
		for o, v := range row {
			nr := &s.near[o]
			if o == m || v < nr.nd {
				nr.si, nr.sd = nr.ni, nr.nd
				nr.ni, nr.nd = int32(slot), v
			} else if v < nr.sd {
				nr.si, nr.sd = int32(slot), v
			}
		}
	}
	s.loss = s.sumNearest()
}

func (s *kmedState) sumNearest() float64 {
	var loss float64
	for o := range s.near {
		loss += float64(s.near[o].nd)
	}
	return loss
}

// tol is the improvement a swap must beat: 1e-12 of the current loss.
func (s *kmedState) tol() float64 { return kmedSwapTol * s.loss }

// updateRemoval recomputes, for every slot, how much the loss would grow
// if its medoid were removed and each of its objects fell back to its
// second-nearest medoid: Σ_{o: nearest(o)=slot} (sd(o) - nd(o)). O(n).
func (s *kmedState) updateRemoval() {
	clear(s.removal)
	for o := range s.near {
		nr := &s.near[o]
		s.removal[nr.ni] += float64(nr.sd) - float64(nr.nd)
	}
	if s.sd != nil {
		for o := range s.near {
			s.sd[o] = s.near[o].sd
		}
	}
}

// bestSwapFor evaluates making non-medoid x (whose dissimilarity row is
// row) a medoid against the removal of every slot at once, in one pass
// over the objects (the FastPAM1 idea of Schubert & Rousseeuw): the shared
// gain acc of objects that move to x, plus per slot the removal loss
// corrected for objects that x catches. It returns the first slot with the
// lowest change and that change ΔTD. O(n + k), no allocation.
func (s *kmedState) bestSwapFor(row []float32) (int, float64) {
	return s.bestSwapInto(row, s.ploss)
}

// bestSwapInto is bestSwapFor with the per-slot scratch ploss (length k)
// given, so that several goroutines can evaluate candidates against the
// same state at once: it reads s and writes only ploss.
func (s *kmedState) bestSwapInto(row []float32, ploss []float64) (int, float64) {
	near := s.near[:len(row)]
	if s.k == 1 {
		// Removing the only medoid: every object moves to x.
		var delta float64
		for o, v := range row {
			delta += float64(v) - float64(near[o].nd)
		}
		return 0, delta
	}
	copy(ploss, s.removal)
	var acc float64
	o0 := 0
	if n8 := len(row) &^ 7; n8 > 0 && len(s.sd) >= n8 {
		// Most objects keep their medoids (v ≥ sd); the kernel skips
		// eight of them at a time and does the rest as below, in order.
		acc = kmSwapGainAVX2(&row[0], &s.sd[0], &near[0], n8, &ploss[0])
		o0 = n8
	}
	for o := o0; o < len(row); o++ {
		v := row[o]
		nr := &near[o]
		if v < nr.nd {
			acc += float64(v) - float64(nr.nd)
			ploss[nr.ni] += float64(nr.nd) - float64(nr.sd)
		} else if v < nr.sd {
			ploss[nr.ni] += float64(v) - float64(nr.sd)
		}
	}
	best, bestDelta := 0, ploss[0]+acc
	for i := 1; i < len(ploss); i++ {
		if d := ploss[i] + acc; d < bestDelta {
			best, bestDelta = i, d
		}
	}
	return best, bestDelta
}

// doSwap makes object x, whose dissimilarity row is row, the medoid of
// slot b and updates the cache in one pass over the row. Objects whose nearest or second-nearest medoid
// was the removed one and that x does not catch get their second nearest
// recomputed over all k medoids: O(n) plus O(k) per such object.
func (s *kmedState) doSwap(b int, x int, row []float32) {
	old := s.med[b]
	s.slotOf[old] = -1
	s.slotOf[x] = int32(b)
	s.med[b] = x
	b32 := int32(b)
	var loss float64
	for o, v := range row {
		nr := &s.near[o]
		switch {
		case o == x:
			if nr.ni != b32 {
				nr.si, nr.sd = nr.ni, nr.nd
			}
			nr.ni, nr.nd = b32, 0
		case nr.ni == b32: // lost its nearest medoid
			if v < nr.sd {
				nr.nd = v // x is nearer than the second: x takes over
			} else {
				nr.ni, nr.nd = nr.si, nr.sd
				nr.si, nr.sd = s.secondNearest(o, int(nr.ni), b, v)
			}
		case v < nr.nd:
			nr.si, nr.sd = nr.ni, nr.nd
			nr.ni, nr.nd = b32, v
		case v < nr.sd:
			nr.si, nr.sd = b32, v
		case nr.si == b32: // lost its second nearest, x is not nearer
			nr.si, nr.sd = s.secondNearest(o, int(nr.ni), b, v)
		}
		loss += float64(nr.nd)
	}
	s.loss = loss
}

// secondNearest scans all medoids except slot nearest for the one nearest
// to o; slot b's dissimilarity v is already known. O(k).
func (s *kmedState) secondNearest(o, nearest, b int, v float32) (int32, float32) {
	si, sd := int32(b), v
	if b == nearest {
		si, sd = -1, float32(math.Inf(1))
	}
	for slot, m := range s.med {
		if slot == nearest || slot == b {
			continue
		}
		if d := s.acc.at(m, o); d < sd {
			si, sd = int32(slot), d
		}
	}
	return si, sd
}

// result packages the state into a KMedoidsResult that owns its slices.
func (s *kmedState) result(iter, swaps int) *KMedoidsResult {
	assign := make([]int32, s.n)
	for o := range s.near {
		assign[o] = s.near[o].ni
	}
	return &KMedoidsResult{
		Medoids:    append([]int(nil), s.med...),
		Assignment: assign,
		Loss:       s.loss,
		Iterations: iter,
		Swaps:      swaps,
	}
}
