package algo

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
)

// bruteMoments is the reference: mean and population variance in
// exact arithmetic (big.Float of 2000 bits, enough to hold every sum of
// these values exactly), rounded once to float64; min and max by a scan.
func bruteMoments(xs []float64) (mean, variance, lo, hi float64) {
	const prec = 2000
	sum := new(big.Float).SetPrec(prec)
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		sum.Add(sum, big.NewFloat(x).SetPrec(prec))
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	n := new(big.Float).SetPrec(prec).SetInt64(int64(len(xs)))
	mu := new(big.Float).SetPrec(prec).Quo(sum, n)
	ss := new(big.Float).SetPrec(prec)
	for _, x := range xs {
		d := new(big.Float).SetPrec(prec).Sub(big.NewFloat(x).SetPrec(prec), mu)
		ss.Add(ss, d.Mul(d, d))
	}
	mean, _ = mu.Float64()
	variance, _ = ss.Quo(ss, n).Float64()
	return mean, variance, lo, hi
}

func relClose(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(math.Max(math.Abs(a), math.Abs(b)), 1e-300)
}

// TestMomentsMergeMatchesBruteForce cuts random columns (up to a million
// spreads from zero, where a naive sum of squares fails) into random
// shards, merges the shards' moments in a random order and in a random
// tree, and compares with the brute force over the whole column.
func TestMomentsMergeMatchesBruteForce(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		rng := rand.New(rand.NewPCG(seed, 9))
		n := 1 + rng.IntN(5000)
		spread := math.Pow(10, float64(rng.IntN(8)-4))
		centre := spread * (rng.Float64() - 0.5) * math.Pow(10, float64(rng.IntN(7)))
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = centre + spread*rng.NormFloat64()
		}
		// Random cuts, empty shards included.
		var parts []Moments
		for lo := 0; lo < n; {
			hi := min(n, lo+rng.IntN(400))
			m, err := MomentsOf(xs[lo:hi])
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, m)
			lo = hi
		}
		rng.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
		var seq Moments
		for _, p := range parts {
			seq.Merge(p)
		}
		// A tree: merge neighbours pairwise until one is left.
		tree := slices.Clone(parts)
		for len(tree) > 1 {
			var next []Moments
			for i := 0; i < len(tree); i += 2 {
				m := tree[i]
				if i+1 < len(tree) {
					m.Merge(tree[i+1])
				}
				next = append(next, m)
			}
			tree = next
		}
		mean, variance, lo, hi := bruteMoments(xs)
		for name, m := range map[string]Moments{"sequential": seq, "tree": tree[0]} {
			if m.N != int64(n) || m.Min != lo || m.Max != hi {
				t.Fatalf("seed %d %s: n=%d min=%v max=%v, want %d %v %v", seed, name, m.N, m.Min, m.Max, n, lo, hi)
			}
			// The mean to a few ulps of the data's magnitude, the
			// variance relative to itself.
			if math.Abs(m.Mean-mean) > 1e-13*math.Max(math.Abs(centre), spread) {
				t.Errorf("seed %d %s: mean %v, brute force %v", seed, name, m.Mean, mean)
			}
			if n > 1 && !relClose(m.M2/float64(m.N), variance, 1e-9) {
				t.Errorf("seed %d %s: variance %v, brute force %v (centre %g spread %g)", seed, name, m.M2/float64(m.N), variance, centre, spread)
			}
		}
	}
}

func TestMomentsOfRefusesNonFinite(t *testing.T) {
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if _, err := MomentsOf([]float64{1, bad, 3}); !errors.Is(err, ErrNotFinite) {
			t.Errorf("%v: err %v, want ErrNotFinite", bad, err)
		}
	}
	m := Moments{N: 2, Mean: math.NaN()}
	if err := m.Check(); err == nil {
		t.Error("moments with a NaN mean pass Check")
	}
}

// TestScalesOfConstantColumns: scikit-learn gives a constant column scale
// 1 (StandardScaler, MinMaxScaler, RobustScaler), so it is shifted only.
func TestScalesOfConstantColumns(t *testing.T) {
	for _, v := range []float64{0, 3.7, -1e9, 0.1} {
		xs := slices.Repeat([]float64{v}, 1000)
		m, err := MomentsOf(xs)
		if err != nil {
			t.Fatal(err)
		}
		if c, s := StandardScale(m); c != v || s != 1 {
			t.Errorf("standard of constant %v: %v, %v", v, c, s)
		}
		if c, s := MinMaxScale(m); c != v || s != 1 {
			t.Errorf("minmax of constant %v: %v, %v", v, c, s)
		}
		if c, s := RobustScale(v, v, v); c != v || s != 1 {
			t.Errorf("robust of constant %v: %v, %v", v, c, s)
		}
	}
	// Hand-checked: values 1..4 have mean 2.5, variance 1.25.
	m, _ := MomentsOf([]float64{4, 1, 3, 2})
	if c, s := StandardScale(m); c != 2.5 || s != math.Sqrt(1.25) {
		t.Errorf("standard of 1..4: %v, %v", c, s)
	}
}

// TestQuantileMatchesNumpy checks the interpolation with values numpy
// gives: np.percentile([1,2,3,4], [25,50,75]) = [1.75, 2.5, 3.25], and
// of [1,2,3,4,5] = [2, 3, 4].
func TestQuantileMatchesNumpy(t *testing.T) {
	for _, c := range []struct {
		xs   []float64
		want []float64
	}{
		{[]float64{4, 1, 3, 2}, []float64{1.75, 2.5, 3.25}},
		{[]float64{5, 4, 3, 2, 1}, []float64{2, 3, 4}},
		{[]float64{7}, []float64{7, 7, 7}},
	} {
		for i, q := range RobustQuantiles {
			lo, hi := QuantileRanks(int64(len(c.xs)), q)
			got := Quantile(int64(len(c.xs)), q, OrderStatistic(c.xs, int(lo)), OrderStatistic(c.xs, int(hi)))
			if got != c.want[i] {
				t.Errorf("%v q=%v: %v, want %v", c.xs, q, got, c.want[i])
			}
		}
	}
}

// TestQuantileHistFindsOrderStatistics runs the narrowing rounds of the
// coordinator on random shards (ties, extreme magnitudes and heavy
// duplicates included) and checks every rank against sorting.
func TestQuantileHistFindsOrderStatistics(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		rng := rand.New(rand.NewPCG(seed, 3))
		n := 1 + rng.IntN(3000)
		xs := make([]float64, n)
		for i := range xs {
			switch seed % 4 {
			case 0:
				xs[i] = float64(rng.IntN(5)) // heavy ties
			case 1:
				xs[i] = rng.NormFloat64() * 1e300 // huge magnitudes
			case 2:
				xs[i] = 1 + float64(rng.IntN(3))*0x1p-52 // adjacent floats
			default:
				xs[i] = rng.ExpFloat64()
			}
		}
		var shards [][]float64
		for lo := 0; lo < n; {
			hi := min(n, lo+1+rng.IntN(500))
			shards = append(shards, xs[lo:hi])
			lo = hi
		}
		lo, hi := slices.Min(xs), slices.Max(xs)
		for _, r := range []int64{0, int64(n) / 4, int64(n) / 2, int64(n) - 1, rng.Int64N(int64(n))} {
			want := OrderStatistic(xs, int(r))
			a, b := lo, hi
			var got float64
			for round := 0; ; round++ {
				if round > 100 {
					t.Fatalf("seed %d rank %d: no answer in 100 rounds", seed, r)
				}
				if a == b {
					got = a
					break
				}
				merged := NewQuantileHist(a, b)
				for _, s := range shards {
					h := NewQuantileHist(a, b)
					for _, v := range s {
						h.Add(v)
					}
					if err := merged.Merge(h); err != nil {
						t.Fatal(err)
					}
				}
				v, na, nb, done, ok := merged.Find(r)
				if !ok {
					t.Fatalf("seed %d rank %d: not in [%v,%v]", seed, r, a, b)
				}
				if done {
					got = v
					break
				}
				a, b = na, nb
			}
			if got != want {
				t.Errorf("seed %d rank %d of %d: %v, want %v", seed, r, n, got, want)
			}
		}
	}
}

func TestQuantileHistMergeRefusesOtherInterval(t *testing.T) {
	if err := NewQuantileHist(0, 1).Merge(NewQuantileHist(0, 2)); !errors.Is(err, ErrMergeMismatch) {
		t.Errorf("err %v", err)
	}
}
