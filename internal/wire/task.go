package wire

import "fmt"

// Kind names what a task asks a worker to do.
type Kind string

const (
	// KindSums assigns rows to Centres by squared Euclidean distance and
	// returns per-centre sums, weights and counts (Lloyd, mini-batch and
	// k-means|| cost). With Fraction < 1 only a mini-batch is used: each
	// row with probability Fraction, drawn from (Seed, Round, shard id).
	KindSums Kind = "sums"
	// KindSample returns the rows whose Hash(Seed, Stream, global row)
	// falls below Fraction, with their global row indices.
	KindSample Kind = "sample"
	// KindKeep is one k-means|| oversampling round: rows kept with
	// probability min(1, Ell·d²/Phi) against Centres.
	KindKeep Kind = "keep"
	// KindLabel assigns every row to its nearest centre under Metric and
	// returns cluster and distance per row.
	KindLabel Kind = "label"
	// KindScore returns, for each of Sets candidate centre sets in Centres,
	// the total deviation of the shard's rows under Metric.
	KindScore Kind = "score"
	// KindMedoids runs a k-medoids algorithm on Points, or on all rows of
	// Shards when Points is empty.
	KindMedoids Kind = "medoids"
	// KindCount counts the records of a CSV byte range (Result.N) without
	// parsing them (see partition.CountCSV). The shard's Rows is 0: it is
	// what the count finds.
	KindCount Kind = "count"
	// KindLocate returns (Result.Rows) the byte offsets just past the
	// records of a CSV byte range whose indices, from the range's first
	// record, are PointRows (see partition.LocateCSV).
	KindLocate Kind = "locate"
	// KindStats returns the statistics of each feature column over the
	// rows the job keeps, from the values as stored (see scale.go):
	// Result.Moments, or with Quantiles, Result.Hists.
	KindStats Kind = "stats"
	// KindValidity is a pass of a k sweep's indices: every row goes to
	// its nearest centre of each set in Centres (the sets' sizes are Ks,
	// K their sum) under Metric. The first pass returns, per set and
	// cluster, the row counts and vector sums (Result.Counts, Result.Sums:
	// validity.Sums), and the rows of PointRows that the shards hold,
	// with their points (the silhouette sample). The second (Spread)
	// returns the counts and the sums of Euclidean distances and squared
	// distances to Means (Result.Counts, Result.Weights,
	// Result.Inertias: validity.Spread).
	KindValidity Kind = "validity"
	// KindRefine is a round of k-medoids refinement (see
	// coordinator/refine.go). Centres holds two sets (Sets = 2) of K × D:
	// the medoids, then a target point per cluster. Every row goes to its
	// nearest medoid under Metric and adds its dissimilarity to each
	// candidate of its cluster (Points, PointRows: Candidates[c] rows for
	// cluster c, cluster by cluster) to that candidate's cost
	// (Result.Costs). The result also carries each cluster's rows
	// (Counts), the total deviation (Loss), each cluster's sums of rows
	// weighted by 1/distance to its target under the Euclidean metric and
	// by 1 otherwise (Sums, Weights: a Weiszfeld step towards the
	// cluster's geometric median, or its mean), and the TopRows rows of
	// each cluster nearest its target, by (distance, row), with their
	// labels and distances to the target: the next candidates.
	KindRefine Kind = "refine"
)

// MaxMatrixBytes is the largest dissimilarity matrix a whole-data
// k-medoids task may build: the coordinator refuses such a job before
// dispatch, and the worker checks again before it allocates.
const MaxMatrixBytes = 8 << 30

// Shard is a reference to part of one input file (see partition.Shard).
type Shard struct {
	ID        int    `json:"id"`
	File      string `json:"file"`
	Format    string `json:"format"`
	First     int64  `json:"first"`
	Last      int64  `json:"last"`
	RowOffset int64  `json:"row_offset"`
	Rows      int64  `json:"rows"`
	// Object, when set, names the copy of File in the DataBucket object
	// store: the worker reads that, not the path (see JobSpec.Stage).
	Object string `json:"object,omitempty"`
	// ByteStart, ByteEnd and DictOffsets locate an Arrow stream shard's
	// messages in File (see partition.Shard); ByteEnd 0 means the worker
	// reads the stream from its start.
	ByteStart   int64   `json:"byte_start,omitempty"`
	ByteEnd     int64   `json:"byte_end,omitempty"`
	DictOffsets []int64 `json:"dict_offsets,omitempty"`
	// Version is the object's entity tag when the job was planned (see
	// partition.Shard); a worker refuses an object that has another.
	Version string `json:"version,omitempty"`
}

// MaxByteOffset bounds the byte offsets a shard states: 2⁵⁰ bytes, a
// pebibyte, beyond any one input file.
const MaxByteOffset = 1 << 50

// MaxDictOffsets bounds the dictionary messages a shard names (the
// coordinator plans at most 64).
const MaxDictOffsets = 1024

// checkBytes checks a shard's byte range and dictionary offsets: the
// range inside [0, MaxByteOffset], the dictionaries before it, in order.
func (s *Shard) checkBytes() error {
	if s.ByteStart < 0 || s.ByteEnd < s.ByteStart || s.ByteEnd > MaxByteOffset ||
		(s.ByteEnd == 0 && len(s.DictOffsets) > 0) || len(s.DictOffsets) > MaxDictOffsets {
		return fmt.Errorf("%w: shard %d of %s: byte range [%d,%d) with %d dictionary offsets", ErrDecode, s.ID, s.File, s.ByteStart, s.ByteEnd, len(s.DictOffsets))
	}
	prev := int64(-1)
	for _, d := range s.DictOffsets {
		if d <= prev || d >= s.ByteStart {
			return fmt.Errorf("%w: shard %d of %s: dictionary offset %d out of order or not before byte %d", ErrDecode, s.ID, s.File, d, s.ByteStart)
		}
		prev = d
	}
	return nil
}

// Data says how to turn a shard's columns into feature vectors.
type Data struct {
	Columns []string `json:"columns"`
	Weight  string   `json:"weight,omitempty"`
	Nulls   string   `json:"nulls,omitempty"`
	// Offsets, when set, holds one value per column that is subtracted
	// (in float64) before the conversion to float32, and makes a value
	// too far from it for float32 distances an input error (see
	// partition.ReadShardShifted). Centres and points in tasks and
	// results are in these shifted units.
	Offsets []float64 `json:"offsets,omitempty"`
	// Scales, when set (with Offsets), holds one divisor per column,
	// finite and above 0: a value is read as (x − offset) / scale, in
	// float64, before the conversion to float32 (see
	// partition.ReadShardScaled). Centres and points in tasks and results
	// are in these scaled units.
	Scales []float64 `json:"scales,omitempty"`
	// Limit, when above 0, is how far a value may lie from its column's
	// offset (after the scale); one further is an input error.
	Limit float64 `json:"limit,omitempty"`
	// Nominal, for metric gower, marks the nominal feature columns
	// (strings, booleans, dictionaries): they are read as the index of
	// their value in Levels[j], and a value not there is an input error.
	// A KindLevels task has Nominal without Levels.
	Nominal []bool `json:"nominal,omitempty"`
	// Levels holds each nominal column's sorted distinct values (nil for
	// a numeric column), at most MaxLevels a column and MaxLevelBytes in
	// all.
	Levels [][]string `json:"levels,omitempty"`
	// Ranges, for metric gower, holds each column's range (max − min of a
	// numeric column, 1 for a nominal one): distances divide by it (see
	// algo.GowerDistance); the values are read as they are.
	Ranges []float64 `json:"ranges,omitempty"`
	// NoHeader and Delimiter give the layout of CSV files (see JobSpec);
	// other formats ignore them.
	NoHeader  bool   `json:"no_header,omitempty"`
	Delimiter string `json:"delimiter,omitempty"`
}

// Task is one unit of work. It is idempotent: running it twice gives the
// same result, so redelivery is harmless.
type Task struct {
	Job   string `json:"job"`
	ID    int    `json:"id"`
	Round int64  `json:"round"`
	// Fit numbers the fits of a k sweep that run one after another, each
	// through the rounds of a single fit (0 for the first, and for every
	// other job). It keeps their keys apart without changing the rounds,
	// from which the tasks draw their random numbers.
	Fit    int     `json:"fit,omitempty"`
	Kind   Kind    `json:"kind"`
	Shards []Shard `json:"shards,omitempty"`
	Data   Data    `json:"data"`

	Seed     uint64  `json:"seed"`
	Stream   uint64  `json:"stream,omitempty"`
	Fraction float64 `json:"fraction,omitempty"`
	K        int     `json:"k"`
	D        int     `json:"d"`
	Metric   string  `json:"metric,omitempty"`
	Phi      float64 `json:"phi,omitempty"`
	Ell      float64 `json:"ell,omitempty"`
	Sets     int     `json:"sets,omitempty"`

	Algorithm string `json:"algorithm,omitempty"`
	Init      string `json:"init,omitempty"`
	MaxIter   int    `json:"max_iter,omitempty"`
	// CLARANS parameters (see JobSpec).
	NumLocal    int     `json:"numlocal,omitempty"`
	MaxNeighbor float64 `json:"maxneighbor,omitempty"`
	// Silhouette > 0 asks a medoids task to report silhouettes, computed on
	// at most this many rows.
	Silhouette int `json:"silhouette,omitempty"`
	// Progress asks a medoids task to report how far it is (matrix,
	// BUILD, each SWAP pass) as TaskProgress on ProgressSubject(Job).
	Progress bool `json:"progress,omitempty"`

	// Extends marks a full KindSums pass of k-means||: the centres
	// extend those of the job's previous pass over the same shards, so a
	// worker that remembers each row's nearest centre among a prefix of
	// them computes distances to the new ones only. The result is the
	// same either way.
	Extends bool `json:"extends,omitempty"`

	// PieceShards, on a KindSums task, cuts its shards into pieces of
	// this many consecutive shards each (they add up to len(Shards)).
	// The worker sums each piece's shards one by one, in shard order,
	// from zero, and returns each piece's sums apart (Result.Pieces).
	// The coordinator fixes the pieces from the data and the job alone,
	// and adds them up a binary tree over them (algo.SumTree), so the
	// model does not depend on how pieces were grouped into tasks. Nil
	// means one piece per shard.
	PieceShards []int `json:"piece_shards,omitempty"`
	// PieceTree asks for the pieces' sums added up the round's piece
	// tree (see algo.SumTree), whose piece FirstPiece is the task's
	// first: the worker returns one sum per node of algo.TreeCover
	// (Result.NodePieces) rather than one per piece. A worker that
	// ignores it returns every piece, which the coordinator adds up the
	// same tree.
	PieceTree  bool `json:"piece_tree,omitempty"`
	FirstPiece int  `json:"first_piece,omitempty"`

	// RunK, on a KindSums task, says that Centres holds the centres of
	// several k-means runs fitted in lockstep (restarts, or one run per
	// k): run r's RunK[r] centres follow those of the runs before it,
	// and K is their total. The worker reads each shard once (and draws
	// a mini-batch's rows once) and sums it against every run apart, so
	// each run's sums are those a task of that run alone would return;
	// the result carries them run by run within each piece (see
	// Result.Runs). Nil means one run of K centres.
	RunK []int `json:"run_k,omitempty"`

	// CountsOnly asks a KindLabel task for each centre's row count
	// (Result.Counts) and the losses instead of per-row labels: the job
	// writes no labels file, and at a billion rows the labels would be
	// gigabytes through NATS for a model that needs k numbers.
	CountsOnly bool `json:"counts_only,omitempty"`

	// PartDir and PartName, set on a KindLabel task of a job whose
	// labels are a dataset (JobSpec.OutDataset), ask the worker to write
	// the task's labels itself, as the Parquet file PartName in PartDir
	// (the job's staging directory, <out>/_temporary/<job>), and to
	// return counts as CountsOnly does.
	PartDir  string `json:"part_dir,omitempty"`
	PartName string `json:"part_name,omitempty"`
	// Keep are the input columns a labels part carries beside row,
	// cluster and distance (JobSpec.Keep).
	Keep []KeepColumn `json:"keep,omitempty"`

	// Ks and Spread belong to a KindValidity task: the k of each centre
	// set in Centres, and whether it is the second pass (around Means).
	// On a KindMedoids task of all rows, Ks asks for a fit of each k on
	// the one dissimilarity matrix (K is then the largest); on a
	// KindScore task, it is the k of each of the Sets candidate sets,
	// whose centres follow one another in Centres.
	Ks     []int `json:"ks,omitempty"`
	Spread bool  `json:"spread,omitempty"`
	// MedoidSil, on the first pass of a KindValidity task, asks for each
	// set's sum of the rows' medoid silhouettes as well (a k-medoids
	// sweep's): Result.Costs then holds three values a set.
	MedoidSil bool `json:"medoid_sil,omitempty"`

	// MaxResultBytes bounds each result message; larger results are split
	// into parts. Zero means 1 MiB, the NATS default max payload.
	MaxResultBytes int `json:"max_result_bytes,omitempty"`

	// Quantiles, on a KindStats task, asks for a histogram of each
	// listed column over an interval (one Result.Hists each, in order)
	// instead of the columns' moments.
	Quantiles []QuantileQuery `json:"quantiles,omitempty"`

	// Candidates and TopRows, on a KindRefine task: the number of
	// candidate rows in Points for each of the K clusters, and how many
	// rows nearest its target to return for each cluster.
	Candidates []int `json:"candidates,omitempty"`
	TopRows    int   `json:"top_rows,omitempty"`

	Centres   []float32 `json:"-"` // Sets (or 1) × K × D, row-major
	Points    []float32 `json:"-"` // KindMedoids: n × D, row-major
	PointRows []int64   `json:"-"` // KindMedoids, KindRefine: global row of each point; KindLabel with a precomputed matrix: the medoid columns; KindLocate: record indices; KindValidity: the silhouette sample's rows
	Means     []float64 `json:"-"` // KindValidity with Spread: K × D cluster means, the sets' in turn
}

// MaxRuns bounds Task.RunK: the runs of one task (wire.MaxNInit
// restarts for each k of a sweep).
const MaxRuns = 1 << 12

// checkRuns checks RunK: positive run sizes adding up to K, on a sums
// task that is not a k-means|| pass.
func (t *Task) checkRuns() error {
	if t.RunK == nil {
		return nil
	}
	total := 0
	for _, k := range t.RunK {
		if k < 1 || k > t.K {
			total = -1
			break
		}
		total += k
	}
	if t.Kind != KindSums || t.Extends || len(t.RunK) > MaxRuns || total != t.K {
		return fmt.Errorf("%w: runs of %d centres on a %s task of k=%d", ErrDecode, len(t.RunK), t.Kind, t.K)
	}
	return nil
}

// KeepColumn is a column a labels part copies from the input (see
// partition.KeepColumn).
type KeepColumn struct {
	Name string `json:"name"`
	// Partition is the type of a key=value directory column ("int64",
	// "float64", "string"), or "" for a column of the files.
	Partition string `json:"partition,omitempty"`
}

// Key identifies a task within the job for deduplication.
func (t *Task) Key() string {
	if t.Fit != 0 {
		return fmt.Sprintf("%s/f%d/%d/%d", t.Job, t.Fit, t.Round, t.ID)
	}
	return fmt.Sprintf("%s/%d/%d", t.Job, t.Round, t.ID)
}

// EncodeTask returns the wire form of t.
func EncodeTask(t *Task) ([]byte, error) {
	var w frameWriter
	w.f32("centres", t.Centres)
	w.f32("points", t.Points)
	w.i64("point_rows", t.PointRows)
	w.f64("means", t.Means)
	return w.finish(t)
}

// DecodeTask parses a task and checks that its arrays fit its shape.
func DecodeTask(b []byte) (*Task, error) {
	t := new(Task)
	r, err := readFrame(b, t)
	if err != nil {
		return nil, err
	}
	if t.Centres, err = r.f32("centres"); err != nil {
		return nil, err
	}
	if t.Points, err = r.f32("points"); err != nil {
		return nil, err
	}
	if t.PointRows, err = r.i64("point_rows"); err != nil {
		return nil, err
	}
	if t.Means, err = r.f64("means"); err != nil {
		return nil, err
	}
	if err := t.validate(); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *Task) validate() error {
	switch t.Kind {
	case KindSums, KindSample, KindKeep, KindLabel, KindScore, KindMedoids, KindCount, KindLocate, KindStats, KindValidity, KindRefine, KindLevels:
	default:
		return fmt.Errorf("%w: unknown task kind %q", ErrDecode, t.Kind)
	}
	if t.Job == "" {
		return fmt.Errorf("%w: task without a job", ErrDecode)
	}
	if t.K < 0 || t.D < 0 || t.Sets < 0 || t.K > 1<<20 || t.D > 1<<20 {
		return fmt.Errorf("%w: bad shape k=%d d=%d sets=%d", ErrDecode, t.K, t.D, t.Sets)
	}
	if len(t.Centres) > 0 && len(t.Ks) == 0 { // sets of several k: see checkValidity
		sets := max(t.Sets, 1)
		if int64(len(t.Centres)) != int64(sets)*int64(t.K)*int64(t.D) {
			return fmt.Errorf("%w: %d centre values for %d sets of k=%d d=%d", ErrDecode, len(t.Centres), sets, t.K, t.D)
		}
	}
	if len(t.Points) > 0 && t.D == 0 {
		return fmt.Errorf("%w: points without a dimension", ErrDecode)
	}
	if t.D > 0 && len(t.Points)%t.D != 0 {
		return fmt.Errorf("%w: %d point values not a multiple of d=%d", ErrDecode, len(t.Points), t.D)
	}
	if len(t.Points) > 0 && len(t.PointRows) != len(t.Points)/t.D {
		return fmt.Errorf("%w: %d point rows for %d points", ErrDecode, len(t.PointRows), len(t.Points)/t.D)
	}
	if t.Data.Offsets != nil && len(t.Data.Offsets) != len(t.Data.Columns) {
		return fmt.Errorf("%w: %d offsets for %d columns", ErrDecode, len(t.Data.Offsets), len(t.Data.Columns))
	}
	if err := t.checkScaling(); err != nil {
		return err
	}
	if err := t.checkMixed(); err != nil {
		return err
	}
	if t.Fraction < 0 || t.Fraction > 1 || t.Fraction != t.Fraction {
		return fmt.Errorf("%w: fraction %v outside [0,1]", ErrDecode, t.Fraction)
	}
	if (t.PartDir == "") != (t.PartName == "") || (t.PartDir != "" && t.Kind != KindLabel) || (len(t.Keep) > 0 && t.PartDir == "") {
		return fmt.Errorf("%w: part_dir %q, part_name %q and keep belong together, on a label task", ErrDecode, t.PartDir, t.PartName)
	}
	if err := t.checkValidity(); err != nil {
		return err
	}
	if len(t.PieceShards) > 0 {
		total := 0
		for _, n := range t.PieceShards {
			if n < 1 || n > len(t.Shards) {
				total = -1
				break
			}
			total += n
		}
		if t.Kind != KindSums || total != len(t.Shards) {
			return fmt.Errorf("%w: pieces of %v shards on a %s task of %d shards", ErrDecode, t.PieceShards, t.Kind, len(t.Shards))
		}
	}
	if t.FirstPiece < 0 || t.FirstPiece > MaxRoundPieces || (t.PieceTree && t.Kind != KindSums) {
		return fmt.Errorf("%w: piece tree from piece %d on a %s task", ErrDecode, t.FirstPiece, t.Kind)
	}
	if err := t.checkRuns(); err != nil {
		return err
	}
	if err := t.checkRefine(); err != nil {
		return err
	}
	for _, s := range t.Shards {
		if s.First < 0 || s.Last < s.First || s.RowOffset < 0 || s.Rows < 0 {
			return fmt.Errorf("%w: bad shard %+v", ErrDecode, s)
		}
		if err := s.checkBytes(); err != nil {
			return err
		}
	}
	return t.checkLimits()
}

// checkValidity checks the fields of a KindValidity task, and that no
// other task carries them.
func (t *Task) checkValidity() error {
	if t.Kind == KindScore && len(t.Ks) > 0 && !t.Spread && len(t.Means) == 0 {
		// Candidate sets of a sweep's k: set s has Ks[s] centres, at
		// most K.
		if len(t.Ks) != t.Sets {
			return fmt.Errorf("%w: score task of %d sets with %d k", ErrDecode, t.Sets, len(t.Ks))
		}
		total := 0
		for _, k := range t.Ks {
			if k < 1 || k > t.K {
				return fmt.Errorf("%w: score task with a set of k=%d beside k=%d", ErrDecode, k, t.K)
			}
			total += k
		}
		if int64(len(t.Centres)) != int64(total)*int64(t.D) {
			return fmt.Errorf("%w: score task of %d centre values for sets of %d centres, d=%d", ErrDecode, len(t.Centres), total, t.D)
		}
		return nil
	}
	if t.Kind == KindMedoids && len(t.Ks) > 0 && !t.Spread && len(t.Means) == 0 {
		// The k of a sweep's fits on one dissimilarity matrix; K is the
		// largest, so the checks on K bound them all.
		if len(t.Ks) > MaxKRange || len(t.Points) > 0 {
			return fmt.Errorf("%w: medoids task of %d k on %d points", ErrDecode, len(t.Ks), len(t.Points))
		}
		for _, k := range t.Ks {
			if k < 1 || k > t.K {
				return fmt.Errorf("%w: medoids task with k=%d beside k=%d", ErrDecode, k, t.K)
			}
		}
		return nil
	}
	if t.MedoidSil && (t.Kind != KindValidity || t.Spread) {
		return fmt.Errorf("%w: medoid silhouettes asked of a %s task", ErrDecode, t.Kind)
	}
	if t.Kind != KindValidity {
		if len(t.Ks) > 0 || t.Spread || len(t.Means) > 0 {
			return fmt.Errorf("%w: ks, spread and means on a %s task", ErrDecode, t.Kind)
		}
		return nil
	}
	if len(t.Ks) == 0 || len(t.Ks) > MaxKRange || t.Sets > 1 {
		return fmt.Errorf("%w: validity task of %d centre sets (1 to %d) with sets=%d", ErrDecode, len(t.Ks), MaxKRange, t.Sets)
	}
	total := 0
	for _, k := range t.Ks {
		if k < 1 || k > t.K {
			return fmt.Errorf("%w: validity task with a set of k=%d", ErrDecode, k)
		}
		total += k
	}
	if total != t.K {
		return fmt.Errorf("%w: validity task of sets %v for k=%d", ErrDecode, t.Ks, t.K)
	}
	if int64(len(t.Centres)) != int64(t.K)*int64(t.D) {
		return fmt.Errorf("%w: validity task of %d centre values for k=%d d=%d", ErrDecode, len(t.Centres), t.K, t.D)
	}
	if want := 0; t.Spread {
		want = t.K * t.D
		if len(t.Means) != want {
			return fmt.Errorf("%w: validity spread with %d means for k=%d d=%d", ErrDecode, len(t.Means), t.K, t.D)
		}
	} else if len(t.Means) != 0 {
		return fmt.Errorf("%w: means on a first validity pass", ErrDecode)
	}
	return nil
}

// checkRefine checks a KindRefine task: medoids and targets, one
// candidate count per cluster, the counts adding up to the candidate rows
// it carries. Other kinds carry no candidate counts.
func (t *Task) checkRefine() error {
	if t.Kind != KindRefine {
		if t.Candidates != nil || t.TopRows != 0 {
			return fmt.Errorf("%w: candidates or top rows on a %s task", ErrDecode, t.Kind)
		}
		return nil
	}
	if len(t.Candidates) != t.K || t.Sets != 2 || t.D == 0 || t.TopRows < 0 || t.TopRows > MaxRefine {
		return fmt.Errorf("%w: refine task of k=%d d=%d sets=%d with %d candidate counts, %d top rows", ErrDecode, t.K, t.D, t.Sets, len(t.Candidates), t.TopRows)
	}
	total := 0
	for c, n := range t.Candidates {
		if n < 0 || n > len(t.PointRows) {
			return fmt.Errorf("%w: refine task: cluster %d has %d candidates", ErrDecode, c, n)
		}
		total += n
	}
	if total != len(t.PointRows) || int64(len(t.Points)) != int64(total)*int64(t.D) {
		return fmt.Errorf("%w: refine task states %d candidates and carries %d", ErrDecode, total, len(t.PointRows))
	}
	return nil
}
