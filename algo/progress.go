package algo

import "context"

// Phase names a stage of a k-medoids run in a Step.
type Phase string

// The phases a k-medoids run reports.
const (
	// PhaseMatrix is the dissimilarity matrix build (BuildLowerTriangle):
	// Done of Total rows are written.
	PhaseMatrix Phase = "matrix"
	// PhaseBuild is the choice of initial medoids (InitialMedoids): Done
	// of Total = k medoids are chosen; with BUILD and LAB, Loss is the
	// total deviation of those chosen so far.
	PhaseBuild Phase = "build"
	// PhaseSwap is the improvement phase of PAMSwap, FastPAM1, FasterPAM
	// (a SWAP pass) and Alternating (an iteration): pass Done is over, the
	// total deviation is Loss and Swaps medoids have been replaced so far.
	// Total is 0: the number of passes is not known in advance.
	PhaseSwap Phase = "swap"
)

// Step is one progress report of a long k-medoids run (see WithProgress).
type Step struct {
	Phase Phase
	// Done counts the phase's finished work: rows, medoids or passes.
	Done int
	// Total is Done's final value when known in advance, else 0.
	Total int
	// Loss is the total deviation after the step, 0 when the phase has
	// none (the matrix, random and k-means++ starts).
	Loss float64
	// Swaps counts medoid replacements so far (PhaseSwap).
	Swaps int
}

type progressKey struct{}

// WithProgress returns a copy of ctx that makes the k-medoids functions
// given it (BuildLowerTriangleContext, InitialMedoidsContext and
// InitialMedoidsParallel, PAMSwapContext, FastPAM1Context,
// FasterPAMContext, FasterPAMParallel, AlternatingContext) report their
// progress to f: after every block of matrix rows, every initial medoid
// and every SWAP pass, never per candidate or per element. The report
// travels in the context, as net/http/httptrace's hooks do, because these
// functions take their options as arguments and a context already; a nil
// f, or a context without one, costs a nil check per pass.
//
// f is called synchronously, so it must return quickly (hand the Step
// on, do not wait on I/O). Calls are never concurrent and come in order,
// but a parallel matrix build makes them from goroutines it starts.
// Steps of the PhaseSwap phase satisfy: Loss never increases from one to
// the next, and the last one's Done and Loss are the result's Iterations
// and Loss.
func WithProgress(ctx context.Context, f func(Step)) context.Context {
	return context.WithValue(ctx, progressKey{}, f)
}

// progressOf is the report function ctx carries, or nil.
func progressOf(ctx context.Context) func(Step) {
	if ctx == nil {
		return nil
	}
	f, _ := ctx.Value(progressKey{}).(func(Step))
	return f
}

// report passes s to the run's progress function, if it has one.
func (s stopper) report(st Step) {
	if s.progress != nil {
		s.progress(st)
	}
}

// reporting says whether the run has a progress function, so that a
// report that costs work (a loss summed over n objects) is skipped
// without one.
func (s stopper) reporting() bool { return s.progress != nil }
