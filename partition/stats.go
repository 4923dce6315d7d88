package partition

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/metadata"
)

// Blocks hold float32, which keeps about seven significant digits of a
// value: float64 data such as 1e6 ± 0.03 would all round to the same
// float32, and a timestamp in seconds to the nearest two minutes. So a
// column is read relative to an offset near its values: the block holds
// float32(x − offset), computed in float64, and each value keeps about
// seven digits of its distance from the offset rather than of its
// magnitude. Euclidean, squared Euclidean and Manhattan distances do not
// change under translation, so the kernels see the same distances; the
// coordinator adds the offsets back (in float64) to the centres it
// reports. The offsets must be the same for every shard of a job and
// known before any shard is read: Offsets takes them from the first
// shard's values. Cosine is not translation invariant and its columns are
// not shifted.
//
// After the shift a value must also be small enough that distances
// between rows stay finite in float32, whatever the kernel: for Euclidean
// and squared Euclidean distances the expansion ‖x‖² + ‖c‖² − 2x·c of the
// k-means kernel and a squared Euclidean dissimilarity matrix hold squares
// in float32 (DeviationLimit); Manhattan dissimilarities are stored as
// float32 sums (L1DeviationLimit). A value further than the limit from
// its column's offset fails the read with ErrOutOfRange, naming the file,
// column and row, rather than overflowing into a wrong clustering.
// Cosine is computed in float64 and needs no limit.

// ColumnStats summarises the finite, non-null values of one column. The
// zero value describes no values, and Merge is associative and
// commutative, so partial statistics of shards combine in any order.
type ColumnStats struct {
	// Count is the number of finite, non-null values seen.
	Count int64 `json:"count"`
	// Min and Max are the smallest and largest of them; both are 0 when
	// Count is 0.
	Min float64 `json:"min"`
	Max float64 `json:"max"`
	// Wide reports that some value was stored in a type float32 does not
	// hold exactly (float64, 32- and 64-bit integers, CSV text).
	Wide bool `json:"wide,omitempty"`
}

// Merge folds o into s.
func (s *ColumnStats) Merge(o ColumnStats) {
	s.Wide = s.Wide || o.Wide
	if o.Count == 0 {
		return
	}
	if s.Count == 0 {
		s.Min, s.Max = o.Min, o.Max
	} else {
		s.Min, s.Max = math.Min(s.Min, o.Min), math.Max(s.Max, o.Max)
	}
	s.Count += o.Count
}

// add counts one value, skipping NaN and ±Inf.
func (s *ColumnStats) add(v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return
	}
	if s.Count == 0 {
		s.Min, s.Max = v, v
	} else if v < s.Min {
		s.Min = v
	} else if v > s.Max {
		s.Max = v
	}
	s.Count++
}

// DeviationLimit is the furthest a value may lie from its column's offset
// for squared distances, when a block has d feature columns: with every
// value within it, a squared distance between two rows is at most
// 4·d·limit² = MaxFloat32/4, which leaves room for the sums and
// differences of norms that the kernels form. For d = 32 it is about 8e17.
func DeviationLimit(d int) float64 {
	return math.Sqrt(math.MaxFloat32 / (16 * float64(max(d, 1))))
}

// L1DeviationLimit is DeviationLimit for Manhattan distances, sums of d
// absolute differences: each within it, a distance is at most
// MaxFloat32/2.
func L1DeviationLimit(d int) float64 {
	return math.MaxFloat32 / (4 * float64(max(d, 1)))
}

// ShardStats reads shard s and returns the statistics of each of the
// given columns, from the values as stored (CSV fields parsed as float64).
// Null, NaN and infinite values are not counted; under NullsError they
// fail the read as ReadShard does.
func ShardStats(s Shard, columns []string, nulls NullPolicy) ([]ColumnStats, error) {
	stats := make([]ColumnStats, len(columns))
	_, err := readShard(s, columns, "", nulls, memory.DefaultAllocator, func(f *filler) { f.stats = stats })
	if err != nil {
		return nil, err
	}
	return stats, nil
}

// Offsets chooses, for each feature column of ds, the value subtracted
// from it before it is converted to float32 (see ReadShardShifted), for
// data read with the given limit (DeviationLimit, L1DeviationLimit). It
// reads the first shard, and the next ones only while some column has
// held no finite value yet: usually a few thousand rows. A column gets
// offset 0 when shifting it gains nothing: its values straddle zero, they
// are float32 already and within the limit of zero, or the shards read
// hold none; otherwise the midpoint of the values read. Any value inside
// the column's range of the whole dataset would do as well: every value
// then lies within the column's span (max − min) of it. A column whose
// values read already lie beyond the limit is ErrOutOfRange.
func Offsets(ds *Dataset, nulls NullPolicy, limit float64) ([]float64, error) {
	d := len(ds.Columns)
	if len(ds.Shards) > 0 && float32WithinLimit(ds.Shards[0], ds.Columns, nulls, limit) {
		return make([]float64, d), nil
	}
	stats := make([]ColumnStats, d)
	for _, s := range ds.Shards {
		st, err := ShardStats(s, ds.Columns, nulls)
		if err != nil {
			return nil, err
		}
		missing := false
		for j := range stats {
			stats[j].Merge(st[j])
			missing = missing || stats[j].Count == 0
		}
		if !missing {
			break
		}
	}
	out := make([]float64, d)
	for j, st := range stats {
		out[j] = chooseOffset(st, limit)
		// The rows read already show whether the column fits: refuse it
		// now, before any task, rather than in the workers' first read.
		if st.Count > 0 && math.Max(st.Max-out[j], out[j]-st.Min) > limit {
			return nil, fmt.Errorf("%w: %s: column %q: values span %.3g (from %.6g to %.6g), too wide for float32 distances (at most %.3g either side of a centre with %d columns); rescale the column",
				ErrOutOfRange, ds.Shards[0].File, ds.Columns[j], st.Max-st.Min, st.Min, st.Max, limit, d)
		}
	}
	return out, nil
}

// float32WithinLimit reports whether the footer of shard s, a Parquet
// shard, shows without reading any value that every column is float32
// lying within limit of zero in the shard's row groups, which is Offsets'
// case for offsets of 0 whatever values the read finds: a float32 column
// is not Wide, and its values all lie within the limit. Under NullsError
// the statistics must also count no null, which the read would refuse.
// Missing or unusable statistics (absent min and max, a non-finite one)
// say nothing (false), and the first shard is read.
func float32WithinLimit(s Shard, columns []string, nulls NullPolicy, limit float64) bool {
	if s.Format != FormatParquet || s.Local != "" || s.First >= s.Last || len(columns) == 0 {
		return false
	}
	md := cachedFooter(s.File)
	if md == nil || s.Last > int64(md.NumRowGroups()) {
		return false
	}
	for _, name := range columns {
		leaf := md.Schema.ColumnIndexByName(name)
		if leaf < 0 {
			return false // a partition column, or none of the file's
		}
		col := md.Schema.Column(leaf)
		if col.PhysicalType() != parquet.Types.Float || col.MaxRepetitionLevel() != 0 || col.LogicalType() != nil && !col.LogicalType().IsNone() {
			return false
		}
		for g := s.First; g < s.Last; g++ {
			cc, err := md.RowGroup(int(g)).ColumnChunk(leaf)
			if err != nil {
				return false
			}
			st, err := cc.Statistics()
			if err != nil || st == nil || !st.HasMinMax() {
				return false
			}
			fs, ok := st.(*metadata.Float32Statistics)
			if !ok {
				return false
			}
			lo, hi := float64(fs.Min()), float64(fs.Max())
			if math.IsNaN(lo) || math.IsNaN(hi) || math.Max(math.Abs(lo), math.Abs(hi)) > limit {
				return false
			}
			if nulls == NullsError && (!st.HasNullCount() || st.NullCount() > 0) {
				return false
			}
		}
	}
	return true
}

// chooseOffset is Offsets' rule for one column.
func chooseOffset(st ColumnStats, limit float64) float64 {
	switch {
	case st.Count == 0:
		return 0
	case st.Min <= 0 && st.Max >= 0:
		return 0
	case !st.Wide && math.Max(math.Abs(st.Min), math.Abs(st.Max)) <= limit:
		return 0
	}
	return st.Min + (st.Max-st.Min)/2
}

// ReadShardShifted is ReadShard reading feature column j as
// float32(x − offsets[j]), the subtraction in float64, with len(offsets)
// equal to len(columns). A value further than limit (when above 0) from
// its column's offset fails the read with ErrOutOfRange under either null
// policy: such data cannot be clustered in float32 without rescaling. The
// weight column is read as ReadShard reads it.
func ReadShardShifted(s Shard, columns []string, weight string, nulls NullPolicy, offsets []float64, limit float64) (*Block, error) {
	if len(offsets) != len(columns) {
		return nil, fmt.Errorf("%w: %d offsets for %d columns", ErrInvalidOptions, len(offsets), len(columns))
	}
	for j, o := range offsets {
		if math.IsNaN(o) || math.IsInf(o, 0) {
			return nil, fmt.Errorf("%w: column %q has offset %v", ErrInvalidOptions, columns[j], o)
		}
	}
	return readShard(s, columns, weight, nulls, memory.DefaultAllocator, func(f *filler) {
		f.offsets = offsets
		f.limit = max(limit, 0)
	})
}

// addStats counts the valid values of feature column j's chunk arr.
func (f *filler) addStats(j int, arr arrow.Array) {
	st := &f.stats[j]
	switch a := arr.(type) {
	case *array.Float32:
		statsOf(st, a.Float32Values(), arr)
	case *array.Float64:
		st.Wide = true
		statsOf(st, a.Float64Values(), arr)
	case *array.Int8:
		statsOf(st, a.Int8Values(), arr)
	case *array.Int16:
		statsOf(st, a.Int16Values(), arr)
	case *array.Int32:
		st.Wide = true
		statsOf(st, a.Int32Values(), arr)
	case *array.Int64:
		st.Wide = true
		statsOf(st, a.Int64Values(), arr)
	case *array.Uint8:
		statsOf(st, a.Uint8Values(), arr)
	case *array.Uint16:
		statsOf(st, a.Uint16Values(), arr)
	case *array.Uint32:
		st.Wide = true
		statsOf(st, a.Uint32Values(), arr)
	case *array.Uint64:
		st.Wide = true
		statsOf(st, a.Uint64Values(), arr)
	}
}

func statsOf[T integer | float32 | float64](st *ColumnStats, vals []T, arr arrow.Array) {
	valid, off := validity(arr)
	for i, v := range vals {
		if valid == nil || bitutil.BitIsSet(valid, off+i) {
			st.add(float64(v))
		}
	}
}

// outOfRange returns the error for feature column j, local row i, whose
// value v lies too far from the column's offset.
func (f *filler) outOfRange(j, i int, v float64) error {
	off, sc := f.offset(j), f.scale(j)
	if sc != 1 {
		return fmt.Errorf("%w: %s: column %q, row %d: %.6g is too far from the column's other values for float32 distances (%.3g scales of %.3g from its centre %.6g, at most %.3g with %d columns)",
			ErrOutOfRange, f.file, f.names[j], f.rowOffset+int64(i), v, math.Abs(v-off)/sc, sc, off, f.limit, f.d)
	}
	return fmt.Errorf("%w: %s: column %q, row %d: %.6g is too far from the column's other values for float32 distances (%.3g from its offset %.6g, at most %.3g with %d columns); rescale the column",
		ErrOutOfRange, f.file, f.names[j], f.rowOffset+int64(i), v, math.Abs(v-off), off, f.limit, f.d)
}

// csvBits is the precision CSV fields of column j are parsed at: float64
// where the column is shifted or its statistics gathered, so the shift
// and the statistics see the written value; float32, correctly rounded,
// elsewhere.
func (f *filler) csvBits(j int) int {
	if f.offset(j) != 0 || f.scale(j) != 1 || (j < f.d && (f.stats != nil || f.values != nil)) {
		return 64
	}
	return 32
}
