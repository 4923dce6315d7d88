package wire

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Assignment is a saved model's centres, carried by a job that labels its
// inputs with them instead of fitting (`shoal assign`, `submit --assign`):
// the job reads the model's columns by name, skips the fit, and runs the
// label pass with these centres. Its fields are a model file's (see
// Model); Model names the file they came from, so the job's errors can.
type Assignment struct {
	Model     string      `json:"model,omitempty"` // the model file the centres were read from
	Algorithm string      `json:"algorithm,omitempty"`
	Metric    string      `json:"metric,omitempty"`
	Columns   []string    `json:"columns,omitempty"`
	Centers   [][]float64 `json:"centers,omitempty"`
	// Scaler is the model's feature scaling, applied to the data before
	// the centres are; nil for none.
	Scaler *Scaler `json:"scaler,omitempty"`
}

// ReadAssignment parses the bytes of the model file path into an
// assignment, refusing a file that is not a model or whose model cannot
// label new rows (no centres, as a k-medoids model of a precomputed
// matrix; no column names).
func ReadAssignment(path string, b []byte) (*Assignment, error) {
	var m Model
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%w: model %s is not a model file: %v", ErrJobSpec, path, err)
	}
	a := &Assignment{Model: path, Algorithm: m.Algorithm, Metric: m.Metric, Columns: m.Columns, Centers: m.Centers, Scaler: m.Scaler}
	if err := a.check(); err != nil {
		return nil, err
	}
	return a, nil
}

// check refuses an assignment whose centres cannot label rows.
func (a *Assignment) check() error {
	name := a.Model
	if name == "" {
		name = "of the job"
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: model %s %s", ErrJobSpec, name, fmt.Sprintf(format, args...))
	}
	known := slices.Concat(KMeansAlgorithms, MedoidAlgorithms, SampledMedoidAlgorithms)
	switch {
	case MixedMetric(a.Metric):
		return bad("has metric %s: assigning new rows to a Gower or Jaccard model is not supported yet; fit on the new data with --metric %s", a.Metric, a.Metric)
	case a.Metric == "precomputed":
		return bad("was fitted on a precomputed dissimilarity matrix: it has no centres to assign new rows to")
	case !slices.Contains(known, a.Algorithm):
		return bad("has algorithm %q, not one of %s", a.Algorithm, strings.Join(known, ", "))
	case !slices.Contains([]string{"euclidean", "sqeuclidean", "manhattan", "cosine"}, a.Metric):
		return bad("has metric %q, not one of euclidean, sqeuclidean, manhattan, cosine", a.Metric)
	case len(a.Centers) == 0:
		return bad("has no centers: only a model with centroids or medoid vectors can assign new rows")
	case len(a.Columns) == 0:
		return bad("names no columns, so its centers cannot be matched to the data")
	case len(a.Centers)*len(a.Columns) > MaxCentreValues:
		return bad("has %d centers of %d columns, more than the %d values a task carries", len(a.Centers), len(a.Columns), MaxCentreValues)
	}
	seen := make(map[string]bool, len(a.Columns))
	for _, c := range a.Columns {
		if seen[c] {
			return bad("names column %q twice", c)
		}
		seen[c] = true
	}
	if a.Scaler != nil {
		if err := a.Scaler.check(len(a.Columns)); err != nil {
			return bad("%v", err)
		}
	}
	for i, c := range a.Centers {
		if len(c) != len(a.Columns) {
			return bad("has center %d of %d values for %d columns", i, len(c), len(a.Columns))
		}
		for _, v := range c {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return bad("has center %d with a value that is not finite", i)
			}
		}
	}
	return nil
}

// normalizeAssign checks an assignment job: the model fixes the
// algorithm, k, metric and feature columns, and options of a fit are
// refused rather than ignored. It runs first in Normalize, and passes a
// spec it has already normalised unchanged.
func (s *JobSpec) normalizeAssign() error {
	a := s.Assign
	if err := a.check(); err != nil {
		return err
	}
	name := a.Model
	if name == "" {
		name = "of the job"
	}
	for _, o := range []struct {
		option string
		given  bool
	}{
		{"--columns", len(s.Columns) > 0 && !slices.Equal(s.Columns, a.Columns)},
		{"--exclude", len(s.Exclude) > 0},
		{"--weight", s.Weight != ""},
		{"--precomputed", s.Precomputed},
		{"--init", s.Init != ""},
		{"--init-from", len(s.InitCentres) > 0 || len(s.InitColumns) > 0},
		{"--max-iter", s.MaxIter != 0},
		{"--batch-size", s.BatchSize != 0},
		{"--tol", s.Tol != 0},
		{"--n-init", s.NInit != 0},
		{"--silhouette", s.Silhouette != 0},
		{"--samples", s.Samples != 0},
		{"--sample-size", s.SampleSize != 0},
		{"--numlocal", s.NumLocal != 0},
		{"--maxneighbor", s.MaxNeighbor != 0},
		{"--model (an output)", s.Model != ""},
	} {
		if o.given {
			return fmt.Errorf("%w: %s does not apply to an assignment: model %s fixes the features and centres", ErrJobSpec, o.option, name)
		}
	}
	switch {
	case s.Algorithm != "" && s.Algorithm != a.Algorithm:
		return fmt.Errorf("%w: algorithm %s differs from that of model %s (%s)", ErrJobSpec, s.Algorithm, name, a.Algorithm)
	case s.K != 0 && s.K != len(a.Centers):
		return fmt.Errorf("%w: k=%d differs from the %d centers of model %s", ErrJobSpec, s.K, len(a.Centers), name)
	case s.Metric != "" && s.Metric != a.Metric:
		return fmt.Errorf("%w: metric %s differs from that of model %s (%s)", ErrJobSpec, s.Metric, name, a.Metric)
	}
	s.Algorithm, s.K, s.Metric, s.Columns = a.Algorithm, len(a.Centers), a.Metric, slices.Clone(a.Columns)
	return nil
}

// MatchAssignColumns returns the assignment's centres as k × d float32
// values in the order of the data's feature columns, less offsets (the
// job's per-column shift, see Data.Offsets; nil for none). A feature the
// model lacks, or a model column the data lacks, is refused naming the
// model file and the column.
func (a *Assignment) MatchAssignColumns(features []string, offsets []float64) ([]float32, error) {
	return a.MatchScaledColumns(features, offsets, nil)
}

// MatchScaledColumns is MatchAssignColumns for data read with scales too
// (Data.Scales; nil for none): each centre value becomes
// (x − offset) / scale, in float64, as the data is read.
func (a *Assignment) MatchScaledColumns(features []string, offsets, scales []float64) ([]float32, error) {
	at := make(map[string]int, len(a.Columns))
	for i, c := range a.Columns {
		at[c] = i
	}
	for _, c := range a.Columns {
		if !slices.Contains(features, c) {
			return nil, fmt.Errorf("%w: model %s needs column %q, which the data lacks", ErrJobSpec, a.Model, c)
		}
	}
	d := len(features)
	out := make([]float32, len(a.Centers)*d)
	for f, name := range features {
		i, ok := at[name]
		if !ok {
			return nil, fmt.Errorf("%w: column %q is not one of model %s's columns", ErrJobSpec, name, a.Model)
		}
		var off float64
		if offsets != nil {
			off = offsets[f]
		}
		sc := 1.0
		if scales != nil {
			sc = scales[f]
		}
		for c, row := range a.Centers {
			out[c*d+f] = float32((row[i] - off) / sc)
		}
	}
	return out, nil
}
