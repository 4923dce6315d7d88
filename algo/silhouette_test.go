package algo

import (
	"errors"
	"math"
	"testing"
)

// kmtNaiveSilhouette computes s(i) straight from the definition with At:
// a = mean dissimilarity to the rest of i's cluster, b = the smallest mean
// dissimilarity to another non-empty cluster, s = (b-a)/max(a,b), and 0
// for singletons.
func kmtNaiveSilhouette(d Dissimilarity, assign []int32, k int) []float64 {
	n := d.Len()
	s := make([]float64, n)
	for i := 0; i < n; i++ {
		sum := make([]float64, k)
		cnt := make([]int, k)
		for j := 0; j < n; j++ {
			if j != i {
				sum[assign[j]] += float64(d.At(i, j))
				cnt[assign[j]]++
			}
		}
		own := assign[i]
		if cnt[own] == 0 {
			continue
		}
		a := sum[own] / float64(cnt[own])
		b := math.Inf(1)
		for c := 0; c < k; c++ {
			if int32(c) != own && cnt[c] > 0 {
				b = math.Min(b, sum[c]/float64(cnt[c]))
			}
		}
		if !math.IsInf(b, 1) && math.Max(a, b) > 0 {
			s[i] = (b - a) / math.Max(a, b)
		}
	}
	return s
}

func kmtMean(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// TestSilhouetteHand5: clusters {0,1,2} and {3,4} of kmtHand5.
//
//	s(0): a = (1+2)/2 = 1.5, b = (4+7)/2 = 5.5, s = 4/5.5
//	s(1): a = (1+3)/2 = 2,   b = (5+8)/2 = 6.5, s = 4.5/6.5
//	s(2): a = (2+3)/2 = 2.5, b = (6+9)/2 = 7.5, s = 5/7.5
//	s(3): a = 1, b = (4+5+6)/3 = 5, s = 4/5
//	s(4): a = 1, b = (7+8+9)/3 = 8, s = 7/8
//
// mean 0.7522494172494172, the value the kmedoids crate publishes.
func TestSilhouetteHand5(t *testing.T) {
	got, err := Silhouette(kmtHand5(t), []int32{0, 0, 0, 1, 1}, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := (4/5.5 + 4.5/6.5 + 5/7.5 + 4.0/5 + 7.0/8) / 5
	if math.Abs(got-want) > 1e-15 || math.Abs(got-0.7522494172494172) > 1e-15 {
		t.Errorf("Silhouette = %.16f, want %.16f", got, want)
	}
}

// TestSilhouetteSingletonAndEmpty: points 0, 1, 10 with clusters {0,1} and
// {10}. s(0) = (10-1)/10, s(1) = (9-1)/9, s(10) = 0 (singleton); the mean
// is (0.9 + 8/9)/3. Then an empty cluster must be ignored in b.
func TestSilhouetteSingletonAndEmpty(t *testing.T) {
	v, err := NewVectors([]float32{0, 1, 10, 10}, 4, 1, Euclidean)
	if err != nil {
		t.Fatal(err)
	}
	// Use the first three objects via a LowerTriangle.
	lt, _ := NewLowerTriangle(3)
	for i := 0; i < 3; i++ {
		for j := 0; j < i; j++ {
			lt.Set(i, j, v.At(i, j))
		}
	}
	want := (0.9 + 8.0/9) / 3
	if got, err := Silhouette(lt, []int32{0, 0, 1}, 2); err != nil || math.Abs(got-want) > 1e-15 {
		t.Errorf("singleton: %v, %v; want %v", got, err, want)
	}
	// With n=4 (a duplicate of 10 in cluster 2) k=3 is allowed; cluster 1
	// is empty, cluster 2 = {10, 10} has a = 0: s = 1 for both.
	got, err := Silhouette(v, []int32{0, 0, 2, 2}, 3)
	// s(0): a=1, b=10 → 0.9; s(1): a=1, b=9 → 8/9; s(2), s(3): a=0 → 1.
	if want := (0.9 + 8.0/9 + 1 + 1) / 4; err != nil || math.Abs(got-want) > 1e-15 {
		t.Errorf("with an empty cluster: %v, %v; want %v", got, err, want)
	}
}

// TestSilhouetteRandom compares Silhouette with the naive definition on
// random small problems and random labels.
func TestSilhouetteRandom(t *testing.T) {
	for c := 0; c < 100; c++ {
		seed := uint64(c)
		rng := NewRand(seed, 0x73696c)
		n := 3 + rng.IntN(30)
		k := 2 + rng.IntN(min(4, n-2))
		lt, kind := kmtRandomDissim(rng, n)
		assign := make([]int32, n)
		for i := range assign {
			assign[i] = int32(rng.IntN(k))
		}
		want := kmtMean(kmtNaiveSilhouette(lt, assign, k))
		got, err := Silhouette(lt, assign, k)
		if err != nil || math.Abs(got-want) > 1e-12 {
			t.Errorf("seed=%d n=%d k=%d %s: %v, %v; naive %v", seed, n, k, kind, got, err, want)
		}
	}
}

// TestSilhouetteRuspini: the mean silhouette of PAM's clustering of the
// Ruspini data equals R's summary(silhouette(pam(ruspini, k)))$avg.width
// (see kmtRuspiniR) for k = 2..6.
func TestSilhouetteRuspini(t *testing.T) {
	v := kmtRuspini(t)
	lt, err := BuildLowerTriangle(v, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range kmtRuspiniR {
		r, err := PAM(lt, tc.k, 0)
		if err != nil {
			t.Fatal(err)
		}
		for name, d := range map[string]Dissimilarity{"LowerTriangle": lt, "Vectors": v} {
			got, err := Silhouette(d, r.Assignment, tc.k)
			if err != nil || math.Abs(got-tc.sil) > 1e-7 {
				t.Errorf("k=%d %s: silhouette %.12f, %v; R gives %.12f", tc.k, name, got, err, tc.sil)
			}
		}
	}
}

func TestSilhouetteErrors(t *testing.T) {
	d := kmtHand5(t)
	ok := []int32{0, 0, 0, 1, 1}
	for _, tc := range []struct {
		name   string
		d      Dissimilarity
		assign []int32
		k      int
		want   error
	}{
		{"no objects", kmtEmpty{}, nil, 2, ErrEmpty},
		{"k=1", d, []int32{0, 0, 0, 0, 0}, 1, ErrInvalidK},
		{"k=n", d, ok, 5, ErrInvalidK},
		{"short", d, ok[:4], 2, ErrAssignment},
		{"label k", d, []int32{0, 0, 0, 1, 2}, 2, ErrAssignment},
		{"label -1", d, []int32{0, -1, 0, 1, 1}, 2, ErrAssignment},
	} {
		if _, err := Silhouette(tc.d, tc.assign, tc.k); !errors.Is(err, tc.want) {
			t.Errorf("Silhouette %s: %v, want %v", tc.name, err, tc.want)
		}
		if _, err := SampledSilhouette(tc.d, tc.assign, tc.k, 3, NewRand(1)); !errors.Is(err, tc.want) {
			t.Errorf("SampledSilhouette %s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := SampledSilhouette(d, ok, 2, 0, NewRand(1)); !errors.Is(err, ErrSilhouetteSample) {
		t.Errorf("sample 0: %v", err)
	}
	if _, err := SampledSilhouette(d, ok, 2, 3, nil); !errors.Is(err, ErrRandRequired) {
		t.Errorf("nil rng: %v", err)
	}
}

// TestSampledSilhouette: a sample of n or more is the exact silhouette; a
// sample of one is exactly one object's s(i) from the naive definition
// (so each sampled s(i) is computed against all objects); and the mean of
// many samples of 5 is within 5 standard errors of the exact value
// (unbiased).
func TestSampledSilhouette(t *testing.T) {
	rng := NewRand(4, 0x7373)
	const n, k = 40, 3
	lt, _ := kmtRandomDissim(rng, n)
	assign := make([]int32, n)
	for i := range assign {
		assign[i] = int32(rng.IntN(k))
	}
	per := kmtNaiveSilhouette(lt, assign, k)
	exact := kmtMean(per)
	for _, m := range []int{n, n + 5} {
		got, err := SampledSilhouette(lt, assign, k, m, NewRand(1))
		if err != nil || math.Abs(got-exact) > 1e-12 {
			t.Errorf("sample %d: %v, %v; exact %v", m, got, err, exact)
		}
	}
	for seed := uint64(0); seed < 20; seed++ {
		got, err := SampledSilhouette(lt, assign, k, 1, NewRand(seed))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, s := range per {
			found = found || math.Abs(got-s) < 1e-12
		}
		if !found {
			t.Errorf("seed=%d: sample of one gives %v, not any object's s(i)", seed, got)
		}
	}
	var sum, sd float64
	for _, s := range per {
		sd += (s - exact) * (s - exact)
	}
	sd = math.Sqrt(sd / n)
	const trials, m = 4000, 5
	for seed := uint64(0); seed < trials; seed++ {
		got, err := SampledSilhouette(lt, assign, k, m, NewRand(seed, 1))
		if err != nil {
			t.Fatal(err)
		}
		sum += got
	}
	// Sampling without replacement: variance σ²/m · (n-m)/(n-1).
	se := sd / math.Sqrt(m) * math.Sqrt(float64(n-m)/float64(n-1)) / math.Sqrt(trials)
	if mean := sum / trials; math.Abs(mean-exact) > 5*se {
		t.Errorf("mean of %d samples of %d: %v, exact %v ± %v", trials, m, mean, exact, 5*se)
	}
}

// TestMedoidSilhouetteHand5: medoids {0, 3} of kmtHand5. Per object
// 1 - d1/d2: 0: d1 = 0 → 1; 1: 1 - 1/5; 2: 1 - 2/6; 3: 1; 4: 1 - 1/7.
func TestMedoidSilhouetteHand5(t *testing.T) {
	got, err := MedoidSilhouette(kmtHand5(t), []int{0, 3})
	want := (1 + 0.8 + 2.0/3 + 1 + 6.0/7) / 5
	if err != nil || math.Abs(got-want) > 1e-15 {
		t.Errorf("MedoidSilhouette = %v, %v; want %v", got, err, want)
	}
}

// TestMedoidSilhouetteRandom compares with the definition computed by At
// on random problems and random medoids, including integer matrices where
// an object may be at 0 from two medoids (s = 0 then).
func TestMedoidSilhouetteRandom(t *testing.T) {
	for c := 0; c < 100; c++ {
		seed := uint64(c)
		rng := NewRand(seed, 0x6d73)
		n := 3 + rng.IntN(30)
		k := 2 + rng.IntN(min(4, n-2))
		lt, kind := kmtRandomDissim(rng, n)
		meds := kmedRandom(n, k, rng)
		var want float64
		for o := 0; o < n; o++ {
			d1, d2 := math.Inf(1), math.Inf(1)
			for _, m := range meds {
				v := float64(lt.At(o, m))
				if v < d1 {
					d1, d2 = v, d1
				} else if v < d2 {
					d2 = v
				}
			}
			if d2 > 0 {
				want += 1 - d1/d2
			}
		}
		want /= float64(n)
		got, err := MedoidSilhouette(lt, meds)
		if err != nil || math.Abs(got-want) > 1e-12 {
			t.Errorf("seed=%d n=%d k=%d %s medoids %v: %v, %v; want %v", seed, n, k, kind, meds, got, err, want)
		}
	}
}

func TestMedoidSilhouetteErrors(t *testing.T) {
	d := kmtHand5(t)
	for _, tc := range []struct {
		meds []int
		want error
	}{
		{[]int{0}, ErrInvalidK},
		{nil, ErrInvalidK},
		{[]int{0, 1, 2, 3, 4}, ErrInvalidK},
		{[]int{0, 0}, ErrMedoids},
		{[]int{0, 7}, ErrMedoids},
	} {
		if _, err := MedoidSilhouette(d, tc.meds); !errors.Is(err, tc.want) {
			t.Errorf("%v: %v, want %v", tc.meds, err, tc.want)
		}
	}
	if _, err := MedoidSilhouette(kmtEmpty{}, []int{0, 1}); !errors.Is(err, ErrEmpty) {
		t.Errorf("no objects: %v", err)
	}
}
