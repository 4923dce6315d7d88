package validity

import "errors"

// Input validation: every exported function checks its arguments and
// returns one of these, wrapped with the offending values.
var (
	// ErrShape is returned when the points, labels, centres or partial
	// results disagree in length or dimension.
	ErrShape = errors.New("validity: shape mismatch")

	// ErrLabel is returned when a label is outside [0, k).
	ErrLabel = errors.New("validity: label out of range")

	// ErrClusters is returned when an index is undefined for the number
	// of non-empty clusters: every index here needs at least 2, and the
	// silhouette and Calinski–Harabasz also at most n−1.
	ErrClusters = errors.New("validity: need 2 ≤ non-empty clusters ≤ n−1")

	// ErrNotFinite is returned when a point or centre holds NaN or ±Inf.
	ErrNotFinite = errors.New("validity: NaN or infinite value")
)

// Choosing k.
var (
	// ErrRule is returned for an unknown selection rule.
	ErrRule = errors.New("validity: unknown selection rule")

	// ErrNoScore is returned when no row of a per-k table has a finite
	// value of the index the rule maximises.
	ErrNoScore = errors.New("validity: no row has the score the rule needs")

	// ErrSelection is returned when a selection report is inconsistent:
	// duplicate or invalid k, or a chosen_k that the rule does not pick.
	ErrSelection = errors.New("validity: inconsistent selection report")
)
