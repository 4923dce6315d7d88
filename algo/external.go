package algo

import (
	"fmt"
	"math"
)

// External validity indices compare a clustering with a reference
// partition (or two clusterings with each other). Labels are arbitrary
// int64 values, negative ones included (e.g. −1 for noise); only which
// rows share a label matters, not the values.

// kmContingency is the contingency table of two labellings: the nonzero
// cells n_ij with their row and column, and the marginals a_i, b_j, all as
// counts, in order of first appearance so sums are reproducible.
type kmContingency struct {
	n          int64
	cx, cy, cv []int64 // cell row, column, count
	ra, rb     []int64
}

func kmContingencyOf(a, b []int64) (*kmContingency, error) {
	if len(a) != len(b) {
		return nil, fmt.Errorf("%w: %d and %d labels", ErrShape, len(a), len(b))
	}
	if len(a) == 0 {
		return nil, fmt.Errorf("%w: no labels", ErrEmpty)
	}
	ia := make(map[int64]int64)
	ib := make(map[int64]int64)
	cell := make(map[[2]int64]int)
	c := &kmContingency{n: int64(len(a))}
	for i := range a {
		x, ok := ia[a[i]]
		if !ok {
			x = int64(len(ia))
			ia[a[i]] = x
			c.ra = append(c.ra, 0)
		}
		y, ok := ib[b[i]]
		if !ok {
			y = int64(len(ib))
			ib[b[i]] = y
			c.rb = append(c.rb, 0)
		}
		c.ra[x]++
		c.rb[y]++
		j, ok := cell[[2]int64{x, y}]
		if !ok {
			j = len(c.cv)
			cell[[2]int64{x, y}] = j
			c.cx, c.cy, c.cv = append(c.cx, x), append(c.cy, y), append(c.cv, 0)
		}
		c.cv[j]++
	}
	return c, nil
}

// kmPairs is C(v, 2) as a float64.
func kmPairs(v int64) float64 { return float64(v) * float64(v-1) / 2 }

// ARI is the adjusted Rand index of two labellings of the same rows
// (Hubert & Arabie, "Comparing partitions", Journal of Classification 2,
// 1985, doi:10.1007/BF01908075): the Rand index corrected for chance,
//
//	ARI = (Σ_ij C(n_ij,2) − E) / ((Σ_i C(a_i,2) + Σ_j C(b_j,2))/2 − E),
//	E = Σ_i C(a_i,2) · Σ_j C(b_j,2) / C(n,2),
//
// with n_ij the contingency table and a, b its marginals. It is 1 for
// identical partitions (up to renaming), about 0 for independent ones,
// and can be negative. As scikit-learn's adjusted_rand_score, it is 1
// when both labellings put all rows in one cluster or each row in its
// own. It is symmetric. ErrShape if the lengths differ, ErrEmpty if they
// are 0. Cost O(n) expected (hashing).
func ARI(a, b []int64) (float64, error) {
	c, err := kmContingencyOf(a, b)
	if err != nil {
		return 0, err
	}
	ka, kb := len(c.ra), len(c.rb)
	if (ka == 1 && kb == 1) || (int64(ka) == c.n && int64(kb) == c.n) {
		return 1, nil
	}
	var index, sa, sb float64
	for _, v := range c.cv {
		index += kmPairs(v)
	}
	for _, v := range c.ra {
		sa += kmPairs(v)
	}
	for _, v := range c.rb {
		sb += kmPairs(v)
	}
	expected := sa * sb / kmPairs(c.n)
	return (index - expected) / ((sa+sb)/2 - expected), nil
}

// NMI is the normalised mutual information of two labellings with
// arithmetic-mean normalisation, scikit-learn's default
// (average_method="arithmetic"; Strehl & Ghosh, JMLR 3, 2002, use the
// geometric mean instead):
//
//	NMI = I(A;B) / ((H(A) + H(B)) / 2),
//
// natural logarithms, I the mutual information of the contingency table
// and H the entropies of the marginals. It lies in [0, 1], is 1 for
// identical partitions up to renaming and symmetric. As scikit-learn:
// 1 when both labellings have a single cluster, 0 when the mutual
// information is 0 (terms below float64 epsilon are dropped, as there).
// ErrShape if the lengths differ, ErrEmpty if they are 0. Cost O(n)
// expected.
func NMI(a, b []int64) (float64, error) {
	c, err := kmContingencyOf(a, b)
	if err != nil {
		return 0, err
	}
	ka, kb := len(c.ra), len(c.rb)
	if ka == 1 && kb == 1 {
		return 1, nil
	}
	if ka == 1 || kb == 1 {
		return 0, nil // one labelling has zero entropy, so I = 0
	}
	// I = Σ_ij (n_ij/n)·ln(n·n_ij/(a_i·b_j)), clipped at 0, per-cell
	// terms below float64 epsilon dropped (as scikit-learn).
	n := float64(c.n)
	var mi float64
	for i, v := range c.cv {
		p := float64(v) / n
		term := p * (math.Log(float64(v)) - math.Log(float64(c.ra[c.cx[i]])) - math.Log(float64(c.rb[c.cy[i]])) + math.Log(n))
		if math.Abs(term) >= 0x1p-52 {
			mi += term
		}
	}
	if mi <= 0 {
		return 0, nil
	}
	h := func(m []int64) float64 {
		var s float64
		for _, v := range m {
			p := float64(v) / n
			s -= p * math.Log(p)
		}
		return s
	}
	return mi / ((h(c.ra) + h(c.rb)) / 2), nil
}
