package partition

import (
	"fmt"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
)

// maxShardValues bounds the values one shard may hold (8 GiB of float32).
// Row counts come from file metadata, and a corrupt footer can claim 10¹⁵
// rows; refusing such a shard up front is an error a user can read, where
// allocating for it would kill the process.
const maxShardValues = 1 << 31

// filler decodes the columns of one shard into a Block. Each column is
// written straight into its place in the row-major buffer (stride d), one
// type switch per column chunk and a plain slice loop inside, so nothing is
// allocated or called through an interface per value. Rows found null or
// non-finite are marked; under NullsDrop they are squeezed out in one pass
// at the end.
type filler struct {
	file      string
	names     []string // features, then the weight column if any
	d         int
	rows      int // rows the shard plan promised
	rowOffset int64
	nulls     NullPolicy
	data      []float32
	weights   []float32 // nil without a weight column
	bad       []bool    // allocated at the first bad row; bad[i] marks local row i
}

func newFiller(s Shard, columns []string, weight string, nulls NullPolicy) (*filler, error) {
	if s.Rows < 0 || s.Rows > maxShardValues/int64(len(columns)+1) {
		return nil, fmt.Errorf("%w: %s: shard %d has %d rows of %d columns, more than a shard may hold (%d values); write smaller row groups or batches",
			ErrInvalidArgument, s.File, s.ID, s.Rows, len(columns)+1, int64(maxShardValues))
	}
	rows := int(s.Rows)
	f := &filler{
		file:      s.File,
		names:     columns,
		d:         len(columns),
		rows:      rows,
		rowOffset: s.RowOffset,
		nulls:     nulls,
		data:      make([]float32, rows*len(columns)),
	}
	if weight != "" {
		f.names = append(append(make([]string, 0, len(columns)+1), columns...), weight)
		f.weights = make([]float32, rows)
	}
	return f, nil
}

// dest returns where column j goes and the distance between its values.
func (f *filler) dest(j int) ([]float32, int) {
	if j == f.d {
		return f.weights, 1
	}
	return f.data[j:], f.d
}

// reject records that local row i has a bad value in column j: an error
// under NullsError, a mark under NullsDrop.
func (f *filler) reject(j, i int, null bool, v float64) error {
	if f.nulls == NullsError {
		what := "null"
		switch {
		case null:
		case math.IsNaN(v):
			what = "NaN"
		case math.IsInf(v, 0):
			what = strconv.FormatFloat(v, 'g', -1, 64)
		default:
			what = fmt.Sprintf("%g is out of float32 range", v)
		}
		return fmt.Errorf("%w: %s: column %q, row %d: %s (use --nulls drop to skip such rows)",
			ErrNull, f.file, f.names[j], f.rowOffset+int64(i), what)
	}
	if f.bad == nil {
		f.bad = make([]bool, f.rows)
	}
	f.bad[i] = true
	return nil
}

// fillArrow writes arr as rows [at, at+arr.Len()) of column j.
func (f *filler) fillArrow(j, at int, arr arrow.Array) error {
	n := arr.Len()
	if at < 0 || n > f.rows-at {
		return fmt.Errorf("%w: %s: column %q has more rows than the %d planned; was the file changed after Scan?",
			ErrCorrupt, f.file, f.names[j], f.rows)
	}
	switch a := arr.(type) {
	case *array.Float32:
		return fillFloats(f, j, at, a.Float32Values(), arr)
	case *array.Float64:
		return fillFloats(f, j, at, a.Float64Values(), arr)
	case *array.Int8:
		return fillInts(f, j, at, a.Int8Values(), arr)
	case *array.Int16:
		return fillInts(f, j, at, a.Int16Values(), arr)
	case *array.Int32:
		return fillInts(f, j, at, a.Int32Values(), arr)
	case *array.Int64:
		return fillInts(f, j, at, a.Int64Values(), arr)
	case *array.Uint8:
		return fillInts(f, j, at, a.Uint8Values(), arr)
	case *array.Uint16:
		return fillInts(f, j, at, a.Uint16Values(), arr)
	case *array.Uint32:
		return fillInts(f, j, at, a.Uint32Values(), arr)
	case *array.Uint64:
		return fillInts(f, j, at, a.Uint64Values(), arr)
	}
	return fmt.Errorf("%w: %s: column %q has type %s (want float32, float64 or an integer type)",
		ErrNotNumeric, f.file, f.names[j], arr.DataType())
}

// validity returns arr's validity bitmap and offset when it has nulls, or
// nil when every value is valid.
func validity(arr arrow.Array) ([]byte, int) {
	if arr.NullN() == 0 {
		return nil, 0
	}
	return arr.NullBitmapBytes(), arr.Data().Offset()
}

type integer interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// fillInts converts integers to float32 (rounding to nearest above 2²⁴).
func fillInts[T integer](f *filler, j, at int, vals []T, arr arrow.Array) error {
	if len(vals) != arr.Len() {
		return fmt.Errorf("%w: %s: column %q: %d values for %d rows", ErrCorrupt, f.file, f.names[j], len(vals), arr.Len())
	}
	dst, stride := f.dest(j)
	k := at * stride
	valid, off := validity(arr)
	if valid == nil {
		for _, v := range vals {
			dst[k] = float32(v)
			k += stride
		}
		return nil
	}
	for i, v := range vals {
		if bitutil.BitIsNotSet(valid, off+i) {
			if err := f.reject(j, at+i, true, 0); err != nil {
				return err
			}
		}
		dst[k] = float32(v)
		k += stride
	}
	return nil
}

// fillFloats converts floats to float32 and rejects NaN, ±Inf and values
// that overflow float32: x-x is 0 exactly when x is finite.
func fillFloats[T float32 | float64](f *filler, j, at int, vals []T, arr arrow.Array) error {
	if len(vals) != arr.Len() {
		return fmt.Errorf("%w: %s: column %q: %d values for %d rows", ErrCorrupt, f.file, f.names[j], len(vals), arr.Len())
	}
	dst, stride := f.dest(j)
	k := at * stride
	valid, off := validity(arr)
	for i, v := range vals {
		x := float32(v)
		null := valid != nil && bitutil.BitIsNotSet(valid, off+i)
		if null || x-x != 0 {
			if err := f.reject(j, at+i, null, float64(v)); err != nil {
				return err
			}
		}
		dst[k] = x
		k += stride
	}
	return nil
}

// finish checks the row count and weights and returns the Block, with bad
// rows removed.
func (f *filler) finish(got int) (*Block, error) {
	if got != f.rows {
		return nil, fmt.Errorf("%w: %s: read %d rows where the shard plan has %d; was the file changed after Scan?",
			ErrCorrupt, f.file, got, f.rows)
	}
	b := &Block{Data: f.data, D: f.d, Index: make([]int64, 0, f.rows), Weights: f.weights}
	d, k := f.d, 0
	for i := 0; i < f.rows; i++ {
		if f.bad != nil && f.bad[i] {
			continue
		}
		if f.weights != nil {
			if w := f.weights[i]; w < 0 {
				return nil, fmt.Errorf("%w: %s: column %q, row %d: %g", ErrNegativeWeight, f.file, f.names[d], f.rowOffset+int64(i), w)
			}
		}
		if k != i {
			copy(f.data[k*d:(k+1)*d], f.data[i*d:(i+1)*d])
			if f.weights != nil {
				f.weights[k] = f.weights[i]
			}
		}
		b.Index = append(b.Index, f.rowOffset+int64(i))
		k++
	}
	b.Data = f.data[:k*d]
	if f.weights != nil {
		b.Weights = f.weights[:k]
	}
	return b, nil
}

// set writes one value, v, as row i of column j (for text formats).
func (f *filler) set(j, i int, v float64, null bool) error {
	x := float32(v)
	if null || x-x != 0 {
		if err := f.reject(j, i, null, v); err != nil {
			return err
		}
	}
	dst, stride := f.dest(j)
	dst[i*stride] = x
	return nil
}
