package algo

import (
	"context"
	"fmt"
	"testing"
)

// kmtRecorder collects the Steps a run reports.
type kmtRecorder struct{ steps []Step }

func (r *kmtRecorder) ctx() context.Context {
	return WithProgress(context.Background(), func(s Step) { r.steps = append(r.steps, s) })
}

// kmtCheckSwapSteps checks a run's swap reports against its result and
// the naive total deviation of its medoids: one report per pass, passes
// 1, 2, … up to the result's Iterations, losses never increasing, and
// the last loss and swap count those of the result.
func kmtCheckSwapSteps(t *testing.T, name string, d Dissimilarity, steps []Step, r *KMedoidsResult) {
	t.Helper()
	if len(steps) == 0 {
		t.Fatalf("%s: no progress reported (%d passes)", name, r.Iterations)
	}
	for i, s := range steps {
		if s.Phase != PhaseSwap {
			t.Fatalf("%s: step %d has phase %q, want swap", name, i, s.Phase)
		}
		if s.Done != i+1 {
			t.Fatalf("%s: step %d reports pass %d, want %d", name, i, s.Done, i+1)
		}
		if i > 0 && s.Loss > steps[i-1].Loss {
			t.Fatalf("%s: loss rose from %v (pass %d) to %v (pass %d)", name, steps[i-1].Loss, i, s.Loss, i+1)
		}
		if i > 0 && s.Swaps < steps[i-1].Swaps {
			t.Fatalf("%s: swaps fell from %d to %d", name, steps[i-1].Swaps, s.Swaps)
		}
	}
	last := steps[len(steps)-1]
	if last.Done != r.Iterations {
		t.Errorf("%s: last report is pass %d, the result has %d iterations", name, last.Done, r.Iterations)
	}
	if want := kmtLoss(d, r.Medoids); last.Loss != want {
		t.Errorf("%s: last reported loss %v, total deviation of the result's medoids %v", name, last.Loss, want)
	}
	if last.Loss != r.Loss || last.Swaps != r.Swaps {
		t.Errorf("%s: last report loss %v swaps %d, result loss %v swaps %d", name, last.Loss, last.Swaps, r.Loss, r.Swaps)
	}
}

func TestProgressSwapPasses(t *testing.T) {
	algs := []struct {
		name string
		run  func(ctx context.Context, d Dissimilarity, start []int, maxIter int) (*KMedoidsResult, error)
	}{
		{"fasterpam", FasterPAMContext},
		{"fasterpam/p=3", func(ctx context.Context, d Dissimilarity, start []int, maxIter int) (*KMedoidsResult, error) {
			return FasterPAMParallel(ctx, d, start, maxIter, 3)
		}},
		{"fastpam1", FastPAM1Context},
		{"pam", PAMSwapContext},
		{"alternating", AlternatingContext},
	}
	for seed := uint64(1); seed <= 12; seed++ {
		rng := NewRand(seed, 0x70726f67)
		n := 20 + rng.IntN(300)
		k := 2 + rng.IntN(8)
		d, kind := kmtRandomDissim(rng, n)
		for _, init := range []Init{InitRandom, InitLAB} {
			start, err := InitialMedoids(d, k, init, NewRand(seed))
			if err != nil {
				t.Fatal(err)
			}
			for _, maxIter := range []int{0, 2} {
				for _, a := range algs {
					name := fmt.Sprintf("seed=%d %s n=%d k=%d init=%s maxIter=%d %s", seed, kind, n, k, init, maxIter, a.name)
					var rec kmtRecorder
					r, err := a.run(rec.ctx(), d, start, maxIter)
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					kmtCheckSwapSteps(t, name, d, rec.steps, r)
				}
			}
		}
	}
}

// TestProgressStart checks the reports of the initialisations: one per
// medoid, in order, and for BUILD and LAB the total deviation of the
// medoids chosen so far, which never rises and ends at that of the start.
func TestProgressStart(t *testing.T) {
	rng := NewRand(7, 0x70726f67)
	lt, _ := kmtRandomDissim(rng, 150)
	const k = 6
	for _, tc := range []struct {
		name string
		d    Dissimilarity
		init Init
		loss bool
	}{
		{"build/triangle", lt, InitBuild, true},
		{"build/dense", denseCopy(t, lt), InitBuild, true},
		{"lab", lt, InitLAB, true},
		{"kmeans++", lt, InitKMeansPlusPlus, false},
	} {
		var rec kmtRecorder
		start, err := InitialMedoidsParallel(rec.ctx(), tc.d, k, tc.init, NewRand(3), 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.steps) != k {
			t.Fatalf("%s: %d reports for k=%d: %+v", tc.name, len(rec.steps), k, rec.steps)
		}
		for i, s := range rec.steps {
			if s.Phase != PhaseBuild || s.Done != i+1 || s.Total != k {
				t.Fatalf("%s: report %d is %+v, want build %d of %d", tc.name, i, s, i+1, k)
			}
			if tc.loss && i > 0 && s.Loss > rec.steps[i-1].Loss {
				t.Fatalf("%s: loss rose from %v to %v", tc.name, rec.steps[i-1].Loss, s.Loss)
			}
			if tc.loss && s.Loss != kmtLoss(tc.d, start[:i+1]) {
				t.Fatalf("%s: report %d has loss %v, the first %d medoids %v", tc.name, i, s.Loss, i+1, kmtLoss(tc.d, start[:i+1]))
			}
		}
	}
	var rec kmtRecorder
	if _, err := InitialMedoidsContext(rec.ctx(), lt, k, InitRandom, NewRand(3)); err != nil {
		t.Fatal(err)
	}
	if len(rec.steps) != 1 || rec.steps[0] != (Step{Phase: PhaseBuild, Done: k, Total: k}) {
		t.Errorf("random: reports %+v, want one of build %d of %d", rec.steps, k, k)
	}
}

// TestProgressMatrix checks the matrix build's reports: rows done rise to
// n, in order, whatever the parallelism.
func TestProgressMatrix(t *testing.T) {
	rng := NewRand(11)
	const n, dim = 1000, 3
	pts := make([]float32, n*dim)
	for i := range pts {
		pts[i] = rng.Float32()
	}
	v, err := NewVectors(pts, n, dim, Euclidean)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []int{1, 3} {
		var rec kmtRecorder
		if _, err := BuildLowerTriangleContext(rec.ctx(), v, p); err != nil {
			t.Fatal(err)
		}
		if len(rec.steps) < 2 {
			t.Fatalf("p=%d: %d reports for %d rows", p, len(rec.steps), n)
		}
		for i, s := range rec.steps {
			if s.Phase != PhaseMatrix || s.Total != n || (i > 0 && s.Done <= rec.steps[i-1].Done) {
				t.Fatalf("p=%d: report %d is %+v after %+v", p, i, s, rec.steps[max(i-1, 0)])
			}
		}
		if last := rec.steps[len(rec.steps)-1]; last.Done != n {
			t.Errorf("p=%d: last report %d rows of %d", p, last.Done, n)
		}
	}
}

// TestProgressNil checks that a nil progress function is no progress
// function.
func TestProgressNil(t *testing.T) {
	ctx := WithProgress(context.Background(), nil)
	if _, err := FasterPAMContext(ctx, kmtHand5(t), []int{0, 1}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := InitialMedoidsContext(ctx, kmtHand5(t), 2, InitBuild, nil); err != nil {
		t.Fatal(err)
	}
}
