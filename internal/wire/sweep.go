package wire

import (
	"errors"
	"fmt"
	"strings"

	"github.com/shoal-io/shoal/algo/validity"
)

// MaxKRange bounds how many k a sweep tries: every k is a fit, its
// centres travel in each indices task, and its silhouette is quadratic in
// the sample.
const MaxKRange = 64

// DefaultSelectRule is the rule that picks k when the job names none
// (see validity.RuleSilhouette).
const DefaultSelectRule = string(validity.RuleSilhouette)

// SelectionPath is where the selection report of a sweep goes when the
// job gives no path: beside the model, its name without ".json" and with
// ".selection.json" (model.json → model.selection.json). Without a model
// there is none.
func SelectionPath(model string) string {
	if model == "" {
		return ""
	}
	return strings.TrimSuffix(model, ".json") + ".selection.json"
}

// IsSweep reports whether the job fits a range of k (KRange).
func (s *JobSpec) IsSweep() bool { return len(s.KRange) > 0 }

// normalizeSweep checks a k sweep's fields and fills in their defaults:
// KRange sorted, distinct, each at least 2, at most MaxKRange values; K
// set to the largest k (so the checks on k, and the defaults that grow
// with k, hold for every k of the range); the rule; the report's path.
// Without KRange, the sweep's options are refused.
func (s *JobSpec) normalizeSweep() error {
	if !s.IsSweep() {
		if s.SelectRule != "" || s.Selection != "" {
			return fmt.Errorf("%w: --select and --selection apply to a range of k (e.g. --k 2..10)", ErrJobSpec)
		}
		return nil
	}
	if len(s.KRange) > MaxKRange {
		return fmt.Errorf("%w: --k gives %d values of k, at most %d", ErrJobSpec, len(s.KRange), MaxKRange)
	}
	for i, k := range s.KRange {
		if k < 2 {
			return fmt.Errorf("%w: --k %d in a range: every k must be at least 2, the indices need two clusters", ErrJobSpec, k)
		}
		if i > 0 && k <= s.KRange[i-1] {
			return fmt.Errorf("%w: k_range must be increasing and distinct, %d follows %d", ErrJobSpec, k, s.KRange[i-1])
		}
	}
	largest := s.KRange[len(s.KRange)-1]
	if s.K != 0 && s.K != largest {
		return fmt.Errorf("%w: k=%d and k_range up to %d: give one k or a range, not both", ErrJobSpec, s.K, largest)
	}
	s.K = largest
	switch {
	case s.Precomputed:
		return fmt.Errorf("%w: a range of k needs feature vectors for its indices, not a precomputed matrix", ErrJobSpec)
	case s.Weight != "":
		return fmt.Errorf("%w: a range of k does not take --weight: the indices are unweighted", ErrJobSpec)
	case len(s.InitCentres) > 0:
		return fmt.Errorf("%w: --init-from fixes k; it does not go with a range of k", ErrJobSpec)
	}
	if s.SelectRule == "" {
		s.SelectRule = DefaultSelectRule
	}
	if _, err := validity.Choose(nil, validity.Rule(s.SelectRule)); errors.Is(err, validity.ErrRule) {
		return fmt.Errorf("%w: --select %q: want %s, %s, %s or %s", ErrJobSpec, s.SelectRule,
			validity.RuleSilhouette, validity.RuleMedoidSilhouette, validity.RuleCalinskiHarabasz, validity.RuleDaviesBouldin)
	}
	if s.SelectRule == string(validity.RuleMedoidSilhouette) && !s.IsMedoid() {
		return fmt.Errorf("%w: --select %s needs a k-medoids algorithm; %s has no medoids", ErrJobSpec, s.SelectRule, s.Algorithm)
	}
	if s.Selection == "" {
		s.Selection = SelectionPath(s.Model)
	}
	if s.Selection != "" && (s.Selection == s.Model || s.Selection == s.Out) {
		return fmt.Errorf("%w: --selection %s is also the model or labels path", ErrJobSpec, s.Selection)
	}
	return nil
}

// ModelSelection is the selection report of a k sweep inside its model:
// the same fields as the report file, and that file's path.
type ModelSelection struct {
	validity.Selection
	// Report is where the selection report was written ("" for none).
	Report string `json:"report,omitempty"`
}
