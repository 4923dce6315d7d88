package partition

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Feature scaling extends the shift of stats.go: a scaled column j is
// read as float32((x − offsets[j]) / scales[j]), both operations in
// float64, so a standardised column keeps float32's seven digits of
// (x − mean)/σ whatever the magnitude of x. The limit then bounds the
// scaled value. The statistics that choose offsets and scales are taken
// from the values as stored, in float64 (ShardValues).

// scale returns what column j's values are divided by: 1 for the weight
// or when there are no scales.
func (f *filler) scale(j int) float64 {
	if j >= f.d || f.scales == nil {
		return 1
	}
	return f.scales[j]
}

// ReadShardScaled is ReadShardShifted with a divisor per feature column:
// column j is read as float32((x − offsets[j]) / scales[j]), computed in
// float64. Every scale must be finite and above zero; limit bounds the
// scaled value.
func ReadShardScaled(s Shard, columns []string, weight string, nulls NullPolicy, offsets, scales []float64, limit float64) (*Block, error) {
	if len(offsets) != len(columns) || len(scales) != len(columns) {
		return nil, fmt.Errorf("%w: %d offsets and %d scales for %d columns", ErrInvalidOptions, len(offsets), len(scales), len(columns))
	}
	for j := range columns {
		if o, sc := offsets[j], scales[j]; math.IsNaN(o) || math.IsInf(o, 0) || !(sc > 0) || math.IsInf(sc, 0) {
			return nil, fmt.Errorf("%w: column %q has offset %v and scale %v (want finite, the scale above 0)", ErrInvalidOptions, columns[j], o, sc)
		}
	}
	return readShard(s, columns, weight, nulls, memory.DefaultAllocator, func(f *filler) {
		f.offsets, f.scales = offsets, scales
		f.limit = max(limit, 0)
	})
}

// ShardValues reads shard s and returns, for each of the given columns,
// the values of the rows ReadShard keeps, as stored, in float64 (CSV
// fields parsed as float64): values[j][i] is column j of the shard's i-th
// kept row. Under NullsDrop a row with a null, NaN or infinite value in
// any column (the weight included) is left out of every column, as the
// clustering leaves it out; under NullsError it fails the read.
func ShardValues(s Shard, columns []string, weight string, nulls NullPolicy) ([][]float64, *Block, error) {
	values := make([][]float64, len(columns))
	b, err := readShard(s, columns, weight, nulls, memory.DefaultAllocator, func(f *filler) { f.values = values })
	if err != nil {
		return nil, nil, err
	}
	out := make([][]float64, len(columns))
	for j, col := range values {
		out[j] = make([]float64, b.Len())
		for i, g := range b.Index {
			local := int(g - s.RowOffset)
			if local < len(col) {
				out[j][i] = col[local]
			}
		}
	}
	return out, b, nil
}

// putValue records value v of feature column j at local row i.
func (f *filler) putValue(j, i int, v float64, null bool) {
	col := f.values[j]
	for len(col) <= i {
		col = append(col, 0)
	}
	if null {
		v = math.NaN()
	}
	col[i] = v
	f.values[j] = col
}

// addValues records feature column j's chunk arr, whose first value is
// local row at.
func (f *filler) addValues(j, at int, arr arrow.Array) {
	need := at + arr.Len()
	col := f.values[j]
	if cap(col) < need {
		col = append(col[:cap(col)], make([]float64, need-cap(col))...)
	}
	col = col[:max(len(col), need)]
	f.values[j] = col
	dst := col[at:need]
	switch a := arr.(type) {
	case *array.Float32:
		valuesOf(dst, a.Float32Values(), arr)
	case *array.Float64:
		valuesOf(dst, a.Float64Values(), arr)
	case *array.Int8:
		valuesOf(dst, a.Int8Values(), arr)
	case *array.Int16:
		valuesOf(dst, a.Int16Values(), arr)
	case *array.Int32:
		valuesOf(dst, a.Int32Values(), arr)
	case *array.Int64:
		valuesOf(dst, a.Int64Values(), arr)
	case *array.Uint8:
		valuesOf(dst, a.Uint8Values(), arr)
	case *array.Uint16:
		valuesOf(dst, a.Uint16Values(), arr)
	case *array.Uint32:
		valuesOf(dst, a.Uint32Values(), arr)
	case *array.Uint64:
		valuesOf(dst, a.Uint64Values(), arr)
	}
}

func valuesOf[T integer | float32 | float64](dst []float64, vals []T, arr arrow.Array) {
	valid, off := validity(arr)
	for i, v := range vals[:len(dst)] {
		if valid == nil || bitutil.BitIsSet(valid, off+i) {
			dst[i] = float64(v)
		} else {
			dst[i] = math.NaN()
		}
	}
}
