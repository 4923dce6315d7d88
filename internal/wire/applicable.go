package wire

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Every option of a job applies to some algorithms only. An option given
// to an algorithm that would ignore it is refused rather than dropped: the
// user asked for something the job would not do. "Given" means non-zero:
// Normalize fills defaults only into options that apply, so a spec it has
// already normalised passes again unchanged.

// kmeansInits and medoidInits are the initialisations each family takes
// (the k-medoids names are algo.ParseInit's, compared case-insensitively).
var (
	kmeansInits = []string{"kmeans++", "kmeans||", "random"}
	medoidInits = []string{"build", "lab", "random", "kmeans++", "k-means++"}
	// claransAlgorithms search a graph of medoid sets from random starts:
	// they take no initialisation and no iteration bound.
	claransAlgorithms = []string{"clarans", "fastclarans"}
)

// checkApplicable refuses options that do not apply to the spec's
// algorithm or that contradict each other. It runs before Normalize fills
// in defaults.
func (s *JobSpec) checkApplicable() error {
	algo := s.Algorithm
	sampled := slices.Contains(SampledMedoidAlgorithms, algo)
	clarans := slices.Contains(claransAlgorithms, algo)
	refuse := func(option, appliesTo string) error {
		return fmt.Errorf("%w: %s does not apply to --algo %s (%s)", ErrJobSpec, option, algo, appliesTo)
	}
	switch {
	case len(s.Exclude) > 0 && len(s.Columns) > 0:
		return fmt.Errorf("%w: --exclude applies only without --columns, which already names every feature", ErrJobSpec)
	case s.Precomputed && !slices.Contains(MedoidAlgorithms, algo):
		return refuse("--precomputed", "a dissimilarity matrix needs one of "+strings.Join(MedoidAlgorithms, ", "))
	case s.Precomputed && s.Metric != "" && s.Metric != "precomputed":
		return fmt.Errorf("%w: --metric does not apply to --precomputed: the matrix holds the dissimilarities", ErrJobSpec)
	case s.Precomputed && s.Nulls == "drop":
		return fmt.Errorf("%w: --nulls drop does not apply to --precomputed: a dropped row would leave its column in the matrix", ErrJobSpec)
	case s.Silhouette != 0 && !slices.Contains(MedoidAlgorithms, algo) && !s.IsSweep():
		return refuse("--silhouette", "it applies to "+strings.Join(MedoidAlgorithms, ", ")+" and to a range of k")
	case s.BatchSize != 0 && algo != "minibatch":
		return refuse("--batch-size", "it applies to minibatch")
	case s.Tol != 0 && !slices.Contains(KMeansAlgorithms, algo):
		return refuse("--tol", "it applies to k-means: "+strings.Join(KMeansAlgorithms, ", "))
	case s.Samples != 0 && !sampled:
		return refuse("--samples", "it applies to "+strings.Join(SampledMedoidAlgorithms, ", "))
	case s.SampleSize != 0 && !sampled:
		return refuse("--sample-size", "it applies to "+strings.Join(SampledMedoidAlgorithms, ", "))
	case s.Refine != 0 && !sampled:
		return refuse("--refine", "it applies to "+strings.Join(SampledMedoidAlgorithms, ", "))
	case s.Refine != 0 && (s.Metric == "gower" || s.Metric == "jaccard"):
		return fmt.Errorf("%w: --refine does not apply to --metric %s yet: its candidate costs and targets need numeric features", ErrJobSpec, s.Metric)
	case s.IsSweep() && (s.Metric == "gower" || s.Metric == "jaccard"):
		return fmt.Errorf("%w: a range of k does not apply to --metric %s yet: the indices need numeric features; run one job per k", ErrJobSpec, s.Metric)
	case s.Refine != 0 && s.IsSweep():
		return fmt.Errorf("%w: --refine applies to one k, not to a range: choose k with the sweep, then refine a job of that k", ErrJobSpec)
	case s.NumLocal != 0 && !clarans:
		return refuse("--numlocal", "it applies to "+strings.Join(claransAlgorithms, ", "))
	case s.MaxNeighbor != 0 && !clarans:
		return refuse("--maxneighbor", "it applies to "+strings.Join(claransAlgorithms, ", "))
	case s.MaxIter != 0 && clarans:
		return refuse("--max-iter", "CLARANS stops after --maxneighbor neighbours without improvement")
	case s.Init != "" && clarans:
		return refuse("--init", "CLARANS starts from random medoid sets")
	case len(s.InitCentres) > 0 && s.IsMedoid():
		return refuse("--init-from", "it applies to k-means: "+strings.Join(KMeansAlgorithms, ", "))
	case len(s.InitCentres) > 0 && s.Init != "" && s.Init != "given":
		return fmt.Errorf("%w: --init %s and --init-from both choose the starting centres; give one", ErrJobSpec, s.Init)
	case len(s.InitColumns) > 0 && len(s.InitCentres) == 0:
		return fmt.Errorf("%w: init_columns names the columns of init_centres, which are missing", ErrJobSpec)
	case s.Weight != "" && s.IsMedoid():
		return refuse("--weight", "it applies to k-means: "+strings.Join(KMeansAlgorithms, ", "))
	case s.NInit != 0 && s.IsMedoid():
		return refuse("--n-init", "it applies to k-means: "+strings.Join(KMeansAlgorithms, ", ")+"; the sampled k-medoids algorithms restart with --samples")
	}
	if s.Init != "" && s.Init != "given" {
		inits := kmeansInits
		if s.IsMedoid() {
			inits = medoidInits
		}
		if !slices.Contains(inits, strings.ToLower(s.Init)) {
			return fmt.Errorf("%w: --init %s does not apply to --algo %s (want one of %s)", ErrJobSpec, s.Init, algo, strings.Join(inits, ", "))
		}
	}
	return nil
}

// normalizeDelimiter checks the CSV delimiter and writes it as the one
// character it stands for: "\t" and "tab" both mean a tab.
func (s *JobSpec) normalizeDelimiter() error {
	switch strings.ToLower(s.Delimiter) {
	case "":
		return nil
	case `\t`, "tab":
		s.Delimiter = "\t"
	}
	r, n := utf8.DecodeRuneInString(s.Delimiter)
	if n != len(s.Delimiter) || r == utf8.RuneError || r == '"' || r == '\r' || r == '\n' {
		return fmt.Errorf("%w: --delimiter %q must be one character other than a quote or a line end (a tab is \\t or tab)", ErrJobSpec, s.Delimiter)
	}
	return nil
}

// DelimiterRune returns the CSV delimiter of a normalised spec, 0 for the
// default comma.
func (s *JobSpec) DelimiterRune() rune {
	r, _ := utf8.DecodeRuneInString(s.Delimiter)
	if r == utf8.RuneError {
		return 0
	}
	return r
}

// MatchInitColumns puts the initial centres in the order of the job's
// feature columns, matching them by the names in InitColumns (a model
// file's "columns"). It refuses centres whose columns differ from the
// features, naming those missing and extra. Without InitColumns the
// centres are taken in feature order as given, and only their length is
// checked. After a match InitColumns equals features, so a second call
// changes nothing.
func (s *JobSpec) MatchInitColumns(features []string) error {
	if len(s.InitCentres) == 0 {
		return nil
	}
	if len(s.InitColumns) == 0 {
		if d := len(s.InitCentres[0]); d != len(features) {
			return fmt.Errorf("%w: initial centres have %d values, the data has %d feature columns", ErrJobSpec, d, len(features))
		}
		return nil
	}
	if len(s.InitColumns) != len(s.InitCentres[0]) {
		return fmt.Errorf("%w: init_columns names %d columns for initial centres of %d values", ErrJobSpec, len(s.InitColumns), len(s.InitCentres[0]))
	}
	at := make(map[string]int, len(s.InitColumns))
	for i, c := range s.InitColumns {
		if _, dup := at[c]; dup {
			return fmt.Errorf("%w: the initial centres name column %q twice", ErrJobSpec, c)
		}
		at[c] = i
	}
	var missing, extra []string
	for _, f := range features {
		if _, ok := at[f]; !ok {
			missing = append(missing, f)
		}
	}
	for _, c := range s.InitColumns {
		if !slices.Contains(features, c) {
			extra = append(extra, c)
		}
	}
	if len(missing) > 0 || len(extra) > 0 {
		var diff string
		if len(missing) > 0 {
			diff += "; missing: " + strings.Join(missing, ", ")
		}
		if len(extra) > 0 {
			diff += "; extra: " + strings.Join(extra, ", ")
		}
		return fmt.Errorf("%w: the initial centres' columns differ from the job's features%s; choose the features with --columns or start from a model of these columns", ErrJobSpec, diff)
	}
	for i, row := range s.InitCentres {
		out := make([]float64, len(features))
		for f, name := range features {
			out[f] = row[at[name]]
		}
		s.InitCentres[i] = out
	}
	s.InitColumns = slices.Clone(features)
	return nil
}
