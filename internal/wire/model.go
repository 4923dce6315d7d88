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
}
