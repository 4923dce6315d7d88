package validity

import (
	"fmt"
	"math"
	"slices"
)

// Sums is the first pass of the scatter indices: per cluster, the number
// of rows and the sum of their vectors, from which the centroids and the
// grand mean follow. Workers fill one each over their shards; Merge adds
// them, so merged in a fixed order the result does not depend on how the
// rows were split.
type Sums struct {
	K, D  int
	Count []int64   // rows per cluster
	Sum   []float64 // K×D, row-major
}

// NewSums returns empty sums for k clusters of dimension d.
func NewSums(k, d int) *Sums {
	return &Sums{K: k, D: d, Count: make([]int64, k), Sum: make([]float64, k*d)}
}

// Add adds the rows of x (len(labels)×D) with their labels.
func (s *Sums) Add(x []float32, labels []int32) error {
	data := Data{X: x, D: s.D, Labels: labels, K: s.K}
	if _, _, err := data.check(); err != nil {
		return err
	}
	for i, c := range labels {
		s.Count[c]++
		acc := s.Sum[int(c)*s.D : (int(c)+1)*s.D]
		for j, v := range data.row(i) {
			acc[j] += float64(v)
		}
	}
	return nil
}

// Merge adds o into s.
func (s *Sums) Merge(o *Sums) error {
	if o.K != s.K || o.D != s.D {
		return fmt.Errorf("%w: merging sums of k=%d, d=%d into k=%d, d=%d", ErrShape, o.K, o.D, s.K, s.D)
	}
	for c, v := range o.Count {
		s.Count[c] += v
	}
	for j, v := range o.Sum {
		s.Sum[j] += v
	}
	return nil
}

// Means returns the centroid of every cluster (K×D, row-major); an empty
// cluster's centroid is zero and is ignored by the indices.
func (s *Sums) Means() []float64 {
	m := make([]float64, len(s.Sum))
	for c, cnt := range s.Count {
		if cnt == 0 {
			continue
		}
		for j := range s.D {
			m[c*s.D+j] = s.Sum[c*s.D+j] / float64(cnt)
		}
	}
	return m
}

// Spread is the second pass: per cluster, the sum of the Euclidean
// distances of its rows to the centroid (Davies–Bouldin's S_i) and of
// their squares (the within-cluster dispersion of Calinski–Harabasz).
// Like Sums it merges associatively.
type Spread struct {
	K, D   int
	Means  []float64 // K×D centroids, from Sums.Means
	Count  []int64
	Dist   []float64 // Σ‖x−μ_c‖ per cluster
	SqDist []float64 // Σ‖x−μ_c‖² per cluster
}

// NewSpread returns an empty spread around means (K×D).
func NewSpread(k, d int, means []float64) (*Spread, error) {
	if len(means) != k*d {
		return nil, fmt.Errorf("%w: %d means for k=%d, d=%d", ErrShape, len(means), k, d)
	}
	return &Spread{K: k, D: d, Means: means, Count: make([]int64, k), Dist: make([]float64, k), SqDist: make([]float64, k)}, nil
}

// Add adds the rows of x (len(labels)×D) with their labels.
func (s *Spread) Add(x []float32, labels []int32) error {
	data := Data{X: x, D: s.D, Labels: labels, K: s.K}
	if _, _, err := data.check(); err != nil {
		return err
	}
	for i, c := range labels {
		mu := s.Means[int(c)*s.D : (int(c)+1)*s.D]
		var q float64
		for j, v := range data.row(i) {
			e := float64(v) - mu[j]
			q += e * e
		}
		s.Count[c]++
		s.SqDist[c] += q
		s.Dist[c] += math.Sqrt(q)
	}
	return nil
}

// Merge adds o into s; both must be around the same means.
func (s *Spread) Merge(o *Spread) error {
	if o.K != s.K || o.D != s.D {
		return fmt.Errorf("%w: merging spreads of k=%d, d=%d into k=%d, d=%d", ErrShape, o.K, o.D, s.K, s.D)
	}
	for c := range s.Count {
		s.Count[c] += o.Count[c]
		s.Dist[c] += o.Dist[c]
		s.SqDist[c] += o.SqDist[c]
	}
	return nil
}

// nonEmpty lists the clusters with rows and the total number of rows.
func (s *Spread) nonEmpty() (cs []int, n int64) {
	for c, cnt := range s.Count {
		if cnt > 0 {
			cs = append(cs, c)
			n += cnt
		}
	}
	return cs, n
}

// CalinskiHarabasz is the variance ratio criterion of Caliński &
// Harabasz, "A dendrite method for cluster analysis", Communications in
// Statistics 3(1), 1974, doi:10.1080/03610927408827101:
// [B/(k−1)] / [W/(n−k)] with B = Σ n_c‖μ_c−μ‖² and W = Σ‖x−μ_c‖² over
// the k non-empty clusters. Higher is better. As scikit-learn's
// calinski_harabasz_score it is 1 when W = 0.
//
// Errors: ErrShape if the passes disagree, ErrClusters unless
// 2 ≤ k ≤ n−1.
func CalinskiHarabasz(sums *Sums, sp *Spread) (float64, error) {
	if err := samePasses(sums, sp); err != nil {
		return 0, err
	}
	cs, n := sp.nonEmpty()
	k := int64(len(cs))
	if k < 2 || k > n-1 {
		return 0, fmt.Errorf("%w: %d non-empty clusters of n=%d rows", ErrClusters, k, n)
	}
	grand := make([]float64, sums.D)
	for _, c := range cs {
		for j := range sums.D {
			grand[j] += sums.Sum[c*sums.D+j]
		}
	}
	for j := range grand {
		grand[j] /= float64(n)
	}
	var between, within float64
	for _, c := range cs {
		var q float64
		for j := range sums.D {
			e := sp.Means[c*sums.D+j] - grand[j]
			q += e * e
		}
		between += float64(sp.Count[c]) * q
		within += sp.SqDist[c]
	}
	if within == 0 {
		return 1, nil
	}
	return between * float64(n-k) / (within * float64(k-1)), nil
}

// DaviesBouldin is the index of Davies & Bouldin, "A Cluster Separation
// Measure", IEEE TPAMI 1(2), 1979, doi:10.1109/TPAMI.1979.4766909: the
// mean over the non-empty clusters i of max_{j≠i} (S_i+S_j)/M_ij, where
// S_i is the mean Euclidean distance of i's rows to its centroid and M_ij
// the distance between centroids. Lower is better, 0 is the floor. As
// scikit-learn's davies_bouldin_score: it is 0 when every S_i or every
// M_ij is 0, and a pair of coinciding centroids counts as M_ij = ∞.
//
// Errors: ErrShape if the passes disagree, ErrClusters for fewer than 2
// non-empty clusters.
func DaviesBouldin(sums *Sums, sp *Spread) (float64, error) {
	if err := samePasses(sums, sp); err != nil {
		return 0, err
	}
	cs, n := sp.nonEmpty()
	if len(cs) < 2 {
		return 0, fmt.Errorf("%w: %d non-empty clusters of n=%d rows", ErrClusters, len(cs), n)
	}
	d := sums.D
	s := make([]float64, len(cs))
	allZeroS := true
	for a, c := range cs {
		s[a] = sp.Dist[c] / float64(sp.Count[c])
		allZeroS = allZeroS && s[a] == 0
	}
	m := make([]float64, len(cs)*len(cs))
	allZeroM := true
	for a, ca := range cs {
		for b, cb := range cs {
			if a == b {
				continue
			}
			var q float64
			for j := range d {
				e := sp.Means[ca*d+j] - sp.Means[cb*d+j]
				q += e * e
			}
			m[a*len(cs)+b] = math.Sqrt(q)
			allZeroM = allZeroM && q == 0
		}
	}
	if allZeroS || allZeroM {
		return 0, nil
	}
	var sum float64
	for a := range cs {
		worst := 0.0
		for b := range cs {
			if a == b || m[a*len(cs)+b] == 0 {
				continue
			}
			worst = max(worst, (s[a]+s[b])/m[a*len(cs)+b])
		}
		sum += worst
	}
	return sum / float64(len(cs)), nil
}

func samePasses(sums *Sums, sp *Spread) error {
	if sums.K != sp.K || sums.D != sp.D || !slices.Equal(sums.Count, sp.Count) {
		return fmt.Errorf("%w: the spread pass saw other rows than the sums pass", ErrShape)
	}
	return nil
}

// Scatter runs both passes over data in one process and returns the
// Calinski–Harabasz and Davies–Bouldin indices.
func Scatter(data Data) (ch, db float64, err error) {
	sums := NewSums(data.K, data.D)
	if err := sums.Add(data.X, data.Labels); err != nil {
		return 0, 0, err
	}
	sp, err := NewSpread(data.K, data.D, sums.Means())
	if err != nil {
		return 0, 0, err
	}
	if err := sp.Add(data.X, data.Labels); err != nil {
		return 0, 0, err
	}
	if ch, err = CalinskiHarabasz(sums, sp); err != nil {
		return 0, 0, err
	}
	if db, err = DaviesBouldin(sums, sp); err != nil {
		return 0, 0, err
	}
	return ch, db, nil
}
