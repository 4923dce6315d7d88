package validity

import (
	"fmt"
	"math"
	"slices"
)

// Score is one row of a k sweep: the model's loss and its validity
// indices for one k. Its JSON form is a row of the selection report.
type Score struct {
	K int `json:"k"`
	// Loss is the model's objective: total deviation for k-medoids,
	// inertia for k-means.
	Loss float64 `json:"loss"`
	// Silhouette is the exact silhouette of the seeded sample.
	Silhouette float64 `json:"silhouette"`
	// MedoidSilhouette is set for k-medoids only.
	MedoidSilhouette *float64 `json:"medoid_silhouette,omitempty"`
	CalinskiHarabasz float64  `json:"calinski_harabasz"`
	DaviesBouldin    float64  `json:"davies_bouldin"`
}

// Rule names how Choose picks k from a table of scores.
type Rule string

const (
	// RuleSilhouette picks the k with the highest silhouette, the choice
	// of Rousseeuw (1987) and of Kaufman & Rousseeuw's "Finding Groups in
	// Data" (the silhouette coefficient). It is the default: unlike the
	// loss it does not keep improving as k grows, and unlike
	// Calinski–Harabasz it is bounded and comparable across data sets.
	RuleSilhouette Rule = "max_silhouette"
	// RuleMedoidSilhouette picks the k with the highest medoid
	// silhouette, for k-medoids (Lenssen & Schubert 2022).
	RuleMedoidSilhouette Rule = "max_medoid_silhouette"
	// RuleCalinskiHarabasz picks the k with the highest
	// Calinski–Harabasz index.
	RuleCalinskiHarabasz Rule = "max_calinski_harabasz"
	// RuleDaviesBouldin picks the k with the lowest Davies–Bouldin index.
	RuleDaviesBouldin Rule = "min_davies_bouldin"
)

// tieTol is the relative difference under which two scores count as equal,
// so that rounding noise in the last bits never decides k.
const tieTol = 1e-12

// value is the score a rule maximises (Davies–Bouldin negated), or NaN
// when the row lacks it.
func (r Rule) value(s Score) (float64, error) {
	switch r {
	case RuleSilhouette:
		return s.Silhouette, nil
	case RuleMedoidSilhouette:
		if s.MedoidSilhouette == nil {
			return math.NaN(), nil
		}
		return *s.MedoidSilhouette, nil
	case RuleCalinskiHarabasz:
		return s.CalinskiHarabasz, nil
	case RuleDaviesBouldin:
		return -s.DaviesBouldin, nil
	}
	return 0, fmt.Errorf("%w: %q (want %s, %s, %s or %s)", ErrRule, string(r),
		RuleSilhouette, RuleMedoidSilhouette, RuleCalinskiHarabasz, RuleDaviesBouldin)
}

// Choose returns the k that rule picks from scores: the row with the best
// value of the rule's index; rows whose values differ by at most 1e-12
// relative are tied, and a tie goes to the smaller k (the simpler model).
// Rows without a finite value (NaN, ±Inf, a missing medoid silhouette)
// are skipped. The order of scores does not matter.
//
// Errors: ErrRule for an unknown rule, ErrNoScore when no row has a
// finite value.
func Choose(scores []Score, rule Rule) (int, error) {
	if _, err := rule.value(Score{}); err != nil {
		return 0, err
	}
	sorted := slices.Clone(scores)
	slices.SortFunc(sorted, func(a, b Score) int { return a.K - b.K })
	bestK, best := 0, math.Inf(-1)
	for _, s := range sorted {
		v, _ := rule.value(s)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		if bestK == 0 || v-best > tieTol*max(math.Abs(v), math.Abs(best)) {
			bestK, best = s.K, v
		}
	}
	if bestK == 0 {
		return 0, fmt.Errorf("%w: %s over %d rows", ErrNoScore, rule, len(scores))
	}
	return bestK, nil
}

// Selection is the selection report of a k sweep, written as JSON beside
// the chosen model: which rule chose which k, how the silhouette sample
// was drawn, and the scores of every k tried, in increasing k.
type Selection struct {
	Rule    Rule `json:"rule"`
	ChosenK int  `json:"chosen_k"`
	// SampleSize is the number of rows the silhouette was computed on
	// (all rows when the data had fewer); Seed drew them.
	SampleSize int     `json:"sample_size"`
	Seed       uint64  `json:"seed"`
	Scores     []Score `json:"scores"`
}

// Validate checks that every k is distinct and at least 2, that the
// scores are in increasing k, and that ChosenK is what Choose picks with
// Rule: a report a reader can trust.
func (s *Selection) Validate() error {
	if len(s.Scores) == 0 {
		return fmt.Errorf("%w: no scores", ErrSelection)
	}
	for i, sc := range s.Scores {
		if sc.K < 2 {
			return fmt.Errorf("%w: k=%d in row %d (want ≥ 2)", ErrSelection, sc.K, i)
		}
		if i > 0 && sc.K <= s.Scores[i-1].K {
			return fmt.Errorf("%w: k=%d after k=%d (want increasing k)", ErrSelection, sc.K, s.Scores[i-1].K)
		}
	}
	k, err := Choose(s.Scores, s.Rule)
	if err != nil {
		return err
	}
	if k != s.ChosenK {
		return fmt.Errorf("%w: chosen_k=%d but %s picks k=%d", ErrSelection, s.ChosenK, s.Rule, k)
	}
	return nil
}
