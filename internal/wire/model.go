package wire

// Model is the model file of DESIGN.md, a contract that outside tools
// read: keep field names stable.
type Model struct {
	Algorithm        string      `json:"algorithm"`
	K                int         `json:"k"`
	Metric           string      `json:"metric"`
	N                int64       `json:"n"`            // rows used: the input rows less RowsDropped
	RowsDropped      int64       `json:"rows_dropped"` // rows left out by --nulls drop (a null, NaN, Inf or unparsable value)
	Columns          []string    `json:"columns,omitempty"`
	MedoidRows       []int64     `json:"medoid_rows,omitempty"`
	Centers          [][]float64 `json:"centers,omitempty"`
	ClusterSizes     []int64     `json:"cluster_sizes"`
	TotalDeviation   float64     `json:"total_deviation"`
	Inertia          *float64    `json:"inertia,omitempty"`
	Silhouette       *float64    `json:"silhouette,omitempty"`
	MedoidSilhouette *float64    `json:"medoid_silhouette,omitempty"`
	Iterations       int         `json:"iterations"`
	Swaps            int         `json:"swaps,omitempty"`
	Stop             string      `json:"stop,omitempty"`
	Init             string      `json:"init,omitempty"`
	Seed             uint64      `json:"seed"`
	Seconds          float64     `json:"seconds"`

	// ShoalVersion is the build of shoal that fitted the model (as
	// `shoal --version` prints it); empty when the coordinator was not
	// told.
	ShoalVersion string `json:"shoal_version,omitempty"`
	// Inputs are the job's inputs as given (files, directories, globs or
	// URLs), and Where the partition filter that chose files under them.
	Inputs []string            `json:"inputs,omitempty"`
	Where  map[string][]string `json:"where,omitempty"`
	// Params are the other parameters that shaped the model. Algorithm,
	// K, Metric, Init and Seed stay where they were, at the top.
	Params *ModelParams `json:"params,omitempty"`
	// Selection, on the model of a k sweep (JobSpec.KRange), says how K
	// was chosen: the rule, every k's scores and the selection report.
	Selection *ModelSelection `json:"selection,omitempty"`
	// Timings splits Seconds by phase (scan, init, iterate, sample,
	// cluster, score, label), so the next bottleneck is visible. Like
	// Seconds it differs from run to run, so it stays out of the model
	// file, whose other fields are a function of the job alone.
	Timings map[string]float64 `json:"-"`
	// Tasks counts the tasks each worker did, by phase (scan, init,
	// iterate, sample, cluster, score, label) and worker name: how the
	// work spread. It depends on timing, like Timings, and stays out of
	// the model file.
	Tasks map[string]map[string]int `json:"-"`

	// Scaler, when the job scaled its features (--scale), says how: the
	// fit, its losses (total_deviation, inertia) included, is then that
	// of the scaled data; Centers are the centres given back in the
	// data's units, ScaledCenters the same centres as clustered.
	Scaler        *Scaler     `json:"scaler,omitempty"`
	ScaledCenters [][]float64 `json:"scaled_centers,omitempty"`

	// Levels, for metric gower (or jaccard over boolean columns), holds
	// each nominal column's sorted distinct values, null for a numeric
	// column: a nominal column's value in Centers is the index of its
	// value here. Ranges are Gower's per-column divisors (max − min of a
	// numeric column, 1 for a nominal one). CenterValues are the medoid
	// rows as the data holds them: a number, or a nominal column's text.
	Levels       [][]string `json:"levels,omitempty"`
	Ranges       []float64  `json:"ranges,omitempty"`
	CenterValues [][]any    `json:"center_values,omitempty"`
}

// ModelParams are the job parameters that shaped a model beyond its
// algorithm, k, metric, init and seed, with defaults filled in as the job
// ran them, so that the model says how to fit it again. A field that does
// not apply to the algorithm is left out.
type ModelParams struct {
	Nulls  string `json:"nulls"`            // "error" or "drop": what a bad row did
	Weight string `json:"weight,omitempty"` // the per-row weight column (k-means)
	// MaxIter is the bound on iterations: Lloyd iterations, mini-batch
	// steps or k-medoids swap passes. For k-medoids 0 means the
	// algorithm's own (100 passes for FasterPAM and Alternating; PAM and
	// FastPAM1 run until no swap improves).
	MaxIter int `json:"max_iter"`
	// Tol is the centre-movement tolerance relative to the data variance
	// (k-means; 0 is off, as for mini-batch by default).
	Tol       float64 `json:"tol,omitempty"`
	BatchSize int     `json:"batch_size,omitempty"` // mini-batch rows per step
	// Silhouette bounds the rows the silhouette was computed on (0: none).
	Silhouette int `json:"silhouette,omitempty"`
	// Sampled k-medoids (CLARA, CLARANS), as JobSpec has them; an absent
	// numlocal or maxneighbor is the algorithm's default.
	Samples     int     `json:"samples,omitempty"`
	SampleSize  int     `json:"sample_size,omitempty"`
	NumLocal    int     `json:"numlocal,omitempty"`
	MaxNeighbor float64 `json:"maxneighbor,omitempty"`
	// Refine is the candidates per cluster and round of the refinement
	// on all rows (JobSpec.Refine); absent when the medoids were not
	// refined.
	Refine int `json:"refine,omitempty"`
	// NInit is how many k-means runs from different seedings were
	// fitted (k-means only); the model is the run BestRun (0-based),
	// the one of lowest inertia on all rows, the first of equal ones.
	// RunLosses holds every run's inertia on all rows, at its final
	// centres, in run order; both are left out for a single run.
	NInit     int       `json:"n_init,omitempty"`
	BestRun   *int      `json:"best_run,omitempty"`
	RunLosses []float64 `json:"run_losses,omitempty"`
	// WarmStart is set when k-means started from given centres (run
	// --init-from); Init is then "given".
	WarmStart bool `json:"warm_start,omitempty"`
	// Scale is the feature scaling (standard, minmax, robust); absent
	// for none.
	Scale string `json:"scale,omitempty"`
}
