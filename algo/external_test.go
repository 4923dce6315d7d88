package algo

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

// Reference values from scikit-learn 1.2.1:
//
//	/usr/bin/python3 -c 'from sklearn.metrics import adjusted_rand_score as ari, normalized_mutual_info_score as nmi
//	for a,b in [([0,0,1,1],[0,0,1,2]), ([0,0,0,1,1,1],[0,0,1,1,2,2]), ([0,0,1,1],[0,1,0,1]),
//	            ([0,1,2,3],[0,0,0,0]), ([5,5,-1,7,7,7,2,2],[1,1,1,0,0,3,3,3])]: print(repr(ari(a,b)), repr(nmi(a,b)))'
//
// The first four are also worked by hand below.
func TestExternalIndices(t *testing.T) {
	for _, tc := range []struct {
		a, b     []int64
		ari, nmi float64
	}{
		// n_ij = 2, 1, 1; Σ C(n_ij,2) = 1, Σ C(a_i,2) = 2, Σ C(b_j,2) = 1,
		// C(4,2) = 6: E = 1/3, ARI = (1 − 1/3)/(3/2 − 1/3) = 4/7.
		// I = ½ln2 + ¼ln2 + ¼ln2 = ln2, H(a) = ln2, H(b) = 1.5 ln2:
		// NMI = 1/1.25 = 0.8. (scikit-learn: 0.5714285714285714, 0.7999999999999999)
		{[]int64{0, 0, 1, 1}, []int64{0, 0, 1, 2}, 4.0 / 7, 0.8},
		// n_ij = 2, 1, 1, 2: Σ = 2; Σ C(a_i,2) = 6, Σ C(b_j,2) = 3, C(6,2) = 15:
		// E = 1.2, ARI = 0.8/3.3. I = ⅔ln2, NMI = (4/3)ln2/ln6.
		// (scikit-learn: 0.24242424242424243, 0.5158037429793889)
		{[]int64{0, 0, 0, 1, 1, 1}, []int64{0, 0, 1, 1, 2, 2}, 0.8 / 3.3, 4 * math.Ln2 / (3 * math.Log(6))},
		// Every n_ij = 1: Σ = 0, E = 2·2/6, ARI = (0 − ⅔)/(2 − ⅔) = −½; I = 0.
		{[]int64{0, 0, 1, 1}, []int64{0, 1, 0, 1}, -0.5, 0},
		// Singletons against one cluster: Σ = 0, E = 0, ARI = 0; I = 0.
		{[]int64{0, 1, 2, 3}, []int64{0, 0, 0, 0}, 0, 0},
		// Arbitrary label values, negative included (scikit-learn only).
		{[]int64{5, 5, -1, 7, 7, 7, 2, 2}, []int64{1, 1, 1, 0, 0, 3, 3, 3}, 0.3684210526315789, 0.7020168761809934},
		// Identical up to renaming; one cluster each; singletons each.
		{[]int64{3, 3, 9, 1}, []int64{0, 0, 1, 2}, 1, 1},
		{[]int64{4, 4, 4}, []int64{7, 7, 7}, 1, 1},
		{[]int64{1, 2, 3}, []int64{6, 5, 4}, 1, 1},
		{[]int64{1}, []int64{2}, 1, 1},
	} {
		name := fmt.Sprintf("%v/%v", tc.a, tc.b)
		ari, err := ARI(tc.a, tc.b)
		if err != nil {
			t.Fatal(err)
		}
		nmi, err := NMI(tc.a, tc.b)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(ari-tc.ari) > 1e-12 || math.Abs(nmi-tc.nmi) > 1e-12 {
			t.Errorf("%s: ARI %v NMI %v, want %v and %v", name, ari, nmi, tc.ari, tc.nmi)
		}
	}
}

// bruteARI counts pairs one by one (scikit-learn's pair confusion form,
// not the contingency formula used by ARI).
func bruteARI(a, b []int64) float64 {
	var tp, fp, fn, tn float64
	for i := range a {
		for j := i + 1; j < len(a); j++ {
			sa, sb := a[i] == a[j], b[i] == b[j]
			switch {
			case sa && sb:
				tp++
			case sa:
				fn++
			case sb:
				fp++
			default:
				tn++
			}
		}
	}
	if fn == 0 && fp == 0 {
		return 1
	}
	return 2 * (tp*tn - fn*fp) / ((tp+fn)*(fn+tn) + (tp+fp)*(fp+tn))
}

// bruteNMI uses I = H(A) + H(B) − H(A,B).
func bruteNMI(a, b []int64) float64 {
	ent := func(key func(i int) [2]int64) float64 {
		c := map[[2]int64]float64{}
		for i := range a {
			c[key(i)]++
		}
		var h float64
		for _, v := range c {
			p := v / float64(len(a))
			h -= p * math.Log(p)
		}
		return h
	}
	ha := ent(func(i int) [2]int64 { return [2]int64{a[i], 0} })
	hb := ent(func(i int) [2]int64 { return [2]int64{b[i], 0} })
	hab := ent(func(i int) [2]int64 { return [2]int64{a[i], b[i]} })
	if ha == 0 && hb == 0 {
		return 1
	}
	return (ha + hb - hab) / ((ha + hb) / 2)
}

func TestExternalIndicesBrute(t *testing.T) {
	for seed := uint64(1); seed <= 200; seed++ {
		rng := NewRand(seed, 3)
		n := 1 + rng.IntN(60)
		ka, kb := 1+rng.IntN(6), 1+rng.IntN(6)
		a, b := make([]int64, n), make([]int64, n)
		for i := range a {
			a[i] = int64(rng.IntN(ka)) - 2
			if rng.IntN(3) == 0 {
				b[i] = 10 * a[i] // correlated
			} else {
				b[i] = int64(rng.IntN(kb))
			}
		}
		ari, err := ARI(a, b)
		if err != nil {
			t.Fatal(err)
		}
		nmi, err := NMI(a, b)
		if err != nil {
			t.Fatal(err)
		}
		ari2, _ := ARI(b, a)
		nmi2, _ := NMI(b, a)
		wantA, wantN := bruteARI(a, b), bruteNMI(a, b)
		if math.Abs(ari-wantA) > 1e-9 || math.Abs(ari2-ari) > 1e-12 {
			t.Errorf("seed %d: ARI %v / %v, brute force %v", seed, ari, ari2, wantA)
		}
		// Where I is within rounding of 0 the clipping may differ.
		if math.Abs(nmi-wantN) > 1e-9 && wantN > 1e-9 || math.Abs(nmi2-nmi) > 1e-12 || nmi < 0 || nmi > 1+1e-12 {
			t.Errorf("seed %d: NMI %v / %v, brute force %v", seed, nmi, nmi2, wantN)
		}
	}
}

func TestExternalIndicesErrors(t *testing.T) {
	if _, err := ARI([]int64{1}, []int64{1, 2}); !errors.Is(err, ErrShape) {
		t.Errorf("ARI lengths: %v", err)
	}
	if _, err := NMI(nil, nil); !errors.Is(err, ErrEmpty) {
		t.Errorf("NMI empty: %v", err)
	}
}
