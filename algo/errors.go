package algo

import "errors"

// Input validation. Every exported function checks what a caller hands it
// and returns one of these, wrapped with the offending values.
var (
	// ErrInvalidK is returned when k is not in [1, n) for k-medoids or
	// [1, n] for k-means.
	ErrInvalidK = errors.New("algo: invalid number of clusters")

	// ErrEmpty is returned when an algorithm is given no points.
	ErrEmpty = errors.New("algo: no points")

	// ErrShape is returned when slice lengths disagree with the stated
	// dimensions (n×d data, k×d centres, n labels, ...).
	ErrShape = errors.New("algo: shape mismatch")

	// ErrNotSquare is returned when a dissimilarity matrix is not n×n.
	ErrNotSquare = errors.New("algo: dissimilarity matrix is not square")

	// ErrBadDissimilarity is returned when a dissimilarity is negative,
	// NaN or infinite.
	ErrBadDissimilarity = errors.New("algo: dissimilarity must be finite and non-negative")

	// ErrTooLarge is returned when a structure would not fit in memory.
	ErrTooLarge = errors.New("algo: too large")

	// ErrUnknownMetric is returned by ParseMetric for an unknown name.
	ErrUnknownMetric = errors.New("algo: unknown metric")

	// ErrUnknownInit is returned by ParseInit for an unknown name.
	ErrUnknownInit = errors.New("algo: unknown initialisation")

	// ErrMedoids is returned when an initial medoid set is invalid:
	// wrong size, out of range or with duplicates.
	ErrMedoids = errors.New("algo: invalid medoids")

	// ErrMergeMismatch is returned when two partial results of different
	// shapes are merged.
	ErrMergeMismatch = errors.New("algo: merging partial results of different shapes")
)

// k-medoids and silhouette inputs.
var (
	// ErrAsymmetric is returned by NewDenseMatrix when d(i,j) and d(j,i)
	// differ by more than the documented tolerance.
	ErrAsymmetric = errors.New("algo: dissimilarity matrix is not symmetric")

	// ErrAssignment is returned when a cluster assignment has the wrong
	// length or a label outside [0, k).
	ErrAssignment = errors.New("algo: invalid cluster assignment")

	// ErrRandRequired is returned when a randomised method (LAB, random or
	// k-means++ initialisation, sampled silhouette) is given a nil
	// *rand.Rand.
	ErrRandRequired = errors.New("algo: random source required")

	// ErrSilhouetteSample is returned by SampledSilhouette for a sample
	// size below 1.
	ErrSilhouetteSample = errors.New("algo: silhouette sample size must be at least 1")
)

// k-means inputs.
var (
	// ErrBadWeight is returned when a row or candidate weight is negative,
	// NaN or infinite, or when all weights are zero.
	ErrBadWeight = errors.New("algo: weights must be finite and non-negative")

	// ErrNotFinite is returned when centres handed to an Assigner contain
	// NaN or infinite values.
	ErrNotFinite = errors.New("algo: NaN or infinite value")

	// ErrConfig is returned when an algorithm configuration has an
	// invalid field (for example a mini-batch size below 1).
	ErrConfig = errors.New("algo: invalid configuration")
)

// Cancellation.
var (
	// ErrCancelled is returned by the Context variants of the long-running
	// algorithms (FasterPAMContext, CLARANSContext, ...) when their
	// context ends before they do. It wraps the context's cause, so
	// errors.Is(err, context.Canceled) holds too. No partial result is
	// returned.
	ErrCancelled = errors.New("algo: cancelled")
)
