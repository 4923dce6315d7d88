package algo

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

// kmtCancelCase is one long-running algorithm behind its Context variant.
type kmtCancelCase struct {
	name string
	run  func(ctx context.Context, d Dissimilarity, start []int) error
}

func kmtCancelCases() []kmtCancelCase {
	k := func(start []int) int { return len(start) }
	return []kmtCancelCase{
		{"pamswap", func(ctx context.Context, d Dissimilarity, s []int) error {
			_, err := PAMSwapContext(ctx, d, s, 1<<20)
			return err
		}},
		{"fastpam1", func(ctx context.Context, d Dissimilarity, s []int) error {
			_, err := FastPAM1Context(ctx, d, s, 1<<20)
			return err
		}},
		{"fasterpam", func(ctx context.Context, d Dissimilarity, s []int) error {
			_, err := FasterPAMContext(ctx, d, s, 1<<20)
			return err
		}},
		{"alternating", func(ctx context.Context, d Dissimilarity, s []int) error {
			_, err := AlternatingContext(ctx, d, s, 1<<20)
			return err
		}},
		{"build", func(ctx context.Context, d Dissimilarity, s []int) error {
			_, err := InitialMedoidsContext(ctx, d, k(s), InitBuild, nil)
			return err
		}},
		{"lab", func(ctx context.Context, d Dissimilarity, s []int) error {
			_, err := InitialMedoidsContext(ctx, d, k(s), InitLAB, NewRand(1))
			return err
		}},
		{"kmeans++", func(ctx context.Context, d Dissimilarity, s []int) error {
			_, err := InitialMedoidsContext(ctx, d, k(s), InitKMeansPlusPlus, NewRand(1))
			return err
		}},
		// Absurd parameters: without a check these run for days.
		{"clarans", func(ctx context.Context, d Dissimilarity, s []int) error {
			_, err := CLARANSContext(ctx, d, k(s), CLARANSConfig{NumLocal: 1 << 40, MaxNeighbor: 1e15}, NewRand(1))
			return err
		}},
		{"fastclarans", func(ctx context.Context, d Dissimilarity, s []int) error {
			_, err := FastCLARANSContext(ctx, d, k(s), CLARANSConfig{NumLocal: 1 << 40, MaxNeighbor: 1e15}, NewRand(1))
			return err
		}},
	}
}

// A context that has already ended stops every long-running k-medoids
// algorithm before it does any real work, with ErrCancelled that also
// matches the context's error.
func TestKMedoidsContextCancelled(t *testing.T) {
	v, err := NewVectors(kmtGaussian(5, 500, 3), 500, 3, Euclidean)
	if err != nil {
		t.Fatal(err)
	}
	lt, err := BuildLowerTriangle(v, 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := kmedRandom(500, 10, NewRand(2))
	for _, tc := range kmtCancelCases() {
		for _, d := range []Dissimilarity{lt, v, denseCopy(t, lt)} {
			err := tc.run(ctx, d, start)
			if !errors.Is(err, ErrCancelled) || !errors.Is(err, context.Canceled) {
				t.Errorf("%s on %T: got %v, want ErrCancelled wrapping context.Canceled", tc.name, d, err)
			}
		}
	}
	if _, err := BuildLowerTriangleContext(ctx, v, 2); !errors.Is(err, ErrCancelled) {
		t.Errorf("BuildLowerTriangleContext: got %v, want ErrCancelled", err)
	}
	_, assign := TotalDeviation(lt, start)
	if _, err := SilhouetteContext(ctx, lt, assign, 10); !errors.Is(err, ErrCancelled) {
		t.Errorf("SilhouetteContext: got %v, want ErrCancelled", err)
	}
	if _, err := SampledSilhouetteContext(ctx, lt, assign, 10, 100, NewRand(1)); !errors.Is(err, ErrCancelled) {
		t.Errorf("SampledSilhouetteContext: got %v, want ErrCancelled", err)
	}
}

// A run that is long (PAM on a few thousand objects with many medoids,
// CLARANS with a neighbour bound of 10^15) returns soon after its context
// ends, however far it still had to go: within stopGrace, "a second or
// two" as the README promises, which a busy machine running other tests'
// packages beside this one still meets (one run took 505 ms under a
// bound of 500).
const stopGrace = 2 * time.Second

func TestKMedoidsContextStopsLongRuns(t *testing.T) {
	const n, k = 3000, 150
	v, err := NewVectors(kmtGaussian(7, n, 4), n, 4, Euclidean)
	if err != nil {
		t.Fatal(err)
	}
	lt, err := BuildLowerTriangle(v, 2)
	if err != nil {
		t.Fatal(err)
	}
	start := kmedRandom(n, k, NewRand(3))
	for _, tc := range kmtCancelCases() {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			begin := time.Now()
			err := tc.run(ctx, lt, start)
			took := time.Since(begin)
			if err == nil {
				// Finished about the deadline: nothing to stop.
				if took > 50*time.Millisecond+stopGrace {
					t.Errorf("finished after %v, long past the deadline, without noticing it", took)
				}
				return
			}
			if !errors.Is(err, ErrCancelled) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("got %v, want ErrCancelled wrapping the deadline", err)
			}
			if took > 50*time.Millisecond+stopGrace {
				t.Errorf("returned %v after start, %v after the deadline", took, took-50*time.Millisecond)
			}
		})
	}
}

// A context that never ends changes nothing: the Context variants return
// exactly what the plain functions return.
func TestKMedoidsContextSameResult(t *testing.T) {
	v, err := NewVectors(kmtGaussian(11, 400, 3), 400, 3, Euclidean)
	if err != nil {
		t.Fatal(err)
	}
	lt, err := BuildLowerTriangle(v, 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := kmedRandom(400, 8, NewRand(4))
	type pair struct {
		name        string
		plain, ctxd func() (*KMedoidsResult, error)
	}
	cfg := CLARANSConfig{MaxNeighbor: 0.05}
	for _, p := range []pair{
		{"pamswap", func() (*KMedoidsResult, error) { return PAMSwap(lt, start, 0) }, func() (*KMedoidsResult, error) { return PAMSwapContext(ctx, lt, start, 0) }},
		{"fastpam1", func() (*KMedoidsResult, error) { return FastPAM1(lt, start, 0) }, func() (*KMedoidsResult, error) { return FastPAM1Context(ctx, lt, start, 0) }},
		{"fasterpam", func() (*KMedoidsResult, error) { return FasterPAM(lt, start, 0) }, func() (*KMedoidsResult, error) { return FasterPAMContext(ctx, lt, start, 0) }},
		{"alternating", func() (*KMedoidsResult, error) { return Alternating(lt, start, 0) }, func() (*KMedoidsResult, error) { return AlternatingContext(ctx, lt, start, 0) }},
		{"clarans", func() (*KMedoidsResult, error) { return CLARANS(lt, 8, cfg, NewRand(9)) }, func() (*KMedoidsResult, error) { return CLARANSContext(ctx, lt, 8, cfg, NewRand(9)) }},
		{"fastclarans", func() (*KMedoidsResult, error) { return FastCLARANS(lt, 8, cfg, NewRand(9)) }, func() (*KMedoidsResult, error) { return FastCLARANSContext(ctx, lt, 8, cfg, NewRand(9)) }},
	} {
		a, err := p.plain()
		if err != nil {
			t.Fatal(err)
		}
		b, err := p.ctxd()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(a.Medoids, b.Medoids) || a.Loss != b.Loss || a.Iterations != b.Iterations || a.Swaps != b.Swaps {
			t.Errorf("%s: %+v with a context, %+v without", p.name, b, a)
		}
	}
	for _, init := range []Init{InitBuild, InitLAB, InitKMeansPlusPlus} {
		a, _ := InitialMedoids(lt, 8, init, NewRand(5))
		b, _ := InitialMedoidsContext(ctx, lt, 8, init, NewRand(5))
		if !slices.Equal(a, b) {
			t.Errorf("%s: %v with a context, %v without", init, b, a)
		}
	}
	a, _ := BuildLowerTriangle(v, 3)
	b, err := BuildLowerTriangleContext(ctx, v, 3)
	if err != nil || !slices.Equal(a.data, b.data) {
		t.Errorf("BuildLowerTriangleContext differs from BuildLowerTriangle (err %v)", err)
	}
}
