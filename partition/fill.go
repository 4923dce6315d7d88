package partition

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"strconv"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/shoal-io/shoal/internal/hugepage"
)

// maxShardValues bounds the values one shard may hold (8 GiB of float32).
// Row counts come from file metadata, and a corrupt footer can claim 10¹⁵
// rows; refusing such a shard up front is an error a user can read, where
// allocating for it would kill the process.
const maxShardValues = 1 << 31

// filler decodes the columns of one shard into a Block. Values are written
// straight into their place in the row-major buffer, one type switch per
// column chunk and plain slice loops inside, so nothing is allocated or
// called through an interface per value. Rows found null or non-finite are
// marked; under NullsDrop they are squeezed out in one pass at the end.
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
	copies    []copyFunc
	plain     [][]float32 // per column: its values if float32 without nulls, else nil

	// offsets, when not nil, holds the value subtracted from each feature
	// column before its conversion to float32 (see ReadShardShifted).
	offsets []float64
	// limit, when above 0, bounds |x − offset| of every feature value:
	// a value beyond it is ErrOutOfRange, whatever the null policy.
	limit float64
	// stats, when not nil, gathers each feature column's statistics from
	// the values as stored (see ShardStats).
	stats []ColumnStats
	// scales, when not nil, holds what each feature column is divided by
	// after its offset is subtracted (see ReadShardScaled).
	scales []float64
	// values, when not nil, gathers each feature column's values as
	// stored, in float64, by local row (see ShardValues).
	values [][]float64
	// nominal, when not nil, says how each nominal feature column is read
	// (nil for a numeric one; see nominal.go).
	nominal []*nominalColumn
}

// offset returns what column j's values are shifted by: 0 for the weight
// or when there are no offsets.
func (f *filler) offset(j int) float64 {
	if j >= f.d || f.offsets == nil {
		return 0
	}
	return f.offsets[j]
}

// bound returns the largest |x − offset| column j may hold as a float32:
// the limit for a feature column when there is one, else the largest
// float32, beyond which a value is out of float32 range.
func (f *filler) bound(j int) float32 {
	if j >= f.d || f.limit <= 0 {
		return math.MaxFloat32
	}
	return float32(f.limit)
}

// bad handles a feature or weight value v (as stored) of column j, local
// row i, that bound(j) does not hold: NaN and ±Inf are rejected as nulls
// are; a finite value beyond the limit is ErrOutOfRange; without a limit,
// a value too large for float32 is rejected as a null.
func (f *filler) badValue(j, i int, v float64) error {
	if j < f.d && f.limit > 0 && !math.IsNaN(v) && !math.IsInf(v, 0) {
		return f.outOfRange(j, i, v)
	}
	return f.reject(j, i, false, v)
}

func newFiller(s Shard, columns []string, weight string, nulls NullPolicy, fileSize int64) (*filler, error) {
	if s.Rows < 0 || s.Rows > maxShardValues/int64(len(columns)+1) {
		return nil, fmt.Errorf("%w: %s: shard %d has %d rows of %d columns, more than a shard may hold (%d values); write smaller row groups or batches",
			ErrInvalidArgument, s.File, s.ID, s.Rows, len(columns)+1, int64(maxShardValues))
	}
	f := &filler{
		file:      s.File,
		names:     columns,
		d:         len(columns),
		rows:      int(s.Rows),
		rowOffset: s.RowOffset,
		nulls:     nulls,
	}
	if weight != "" {
		f.names = append(append(make([]string, 0, len(columns)+1), columns...), weight)
		f.weights = []float32{}
	}
	// Reserve the planned rows, unless the plan claims more rows than the
	// file has bytes: row counts come from metadata, and a corrupt header
	// must not make us allocate gigabytes up front. Real data that
	// compresses below a byte per row grows the block as it is read.
	f.grow(int(min(s.Rows, max(fileSize, 1<<16))))
	return f, nil
}

// grow makes room for at least rows rows (never beyond the plan),
// doubling so that growing row by row costs amortised O(1).
func (f *filler) grow(rows int) {
	have := len(f.data) / max(f.d, 1)
	if rows <= have {
		return
	}
	rows = min(max(rows, 2*have), f.rows)
	f.data = extend(f.data, rows*f.d)
	if f.weights != nil {
		f.weights = extend(f.weights, rows)
	}
	if f.bad != nil {
		f.bad = extend(f.bad, rows)
	}
}

// extend returns s lengthened to n with zeros. It makes a new slice and
// copies rather than append(s, make(...)...): the runtime then leaves
// memory fresh from the OS as it is (already zero) and clears reused
// memory in preemptible chunks. The append form clears the whole tail in
// one call the garbage collector cannot interrupt; on a shard of 8 MB
// and more, the collector then spun waiting for it longer than the
// clearing took.
// A block of a few MB and more is advised for huge pages before it is
// first written (hugepage.Make): filling it then faults once per 2 MiB.
func extend[T any](s []T, n int) []T {
	out := hugepage.Make[T](n)
	copy(out[:len(s)], s) // not copy(out, s), which compiles to the append form's clearing
	return out
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
		f.bad = make([]bool, len(f.data)/f.d)
	}
	f.bad[i] = true
	return nil
}

// fillTile is the number of rows transposed at a time: 256 rows of 32
// features are 32 KiB of output, which stays in cache while every column
// writes its values into it. Writing one whole column at a time instead
// touches a new cache line per value and is several times slower.
const fillTile = 256

// fillBatch writes rows [at, at+n) of every requested column: cols[j]
// holds column j (features, then the weight), all of length n. It checks
// nulls column by column, then copies the values into the row-major block
// tile by tile, checking floats on the way.
func (f *filler) fillBatch(at int, cols []arrow.Array) error {
	if len(cols) != len(f.names) {
		return fmt.Errorf("%w: %s: %d columns for %d requested", ErrCorrupt, f.file, len(cols), len(f.names))
	}
	if len(cols) == 0 {
		return nil
	}
	n := cols[0].Len()
	if at < 0 || n > f.rows-at {
		return fmt.Errorf("%w: %s: more rows than the %d planned; was the file changed after Scan?", ErrCorrupt, f.file, f.rows)
	}
	f.grow(at + n)
	copies := f.copies[:0]
	for j, arr := range cols {
		if arr.Len() != n {
			return fmt.Errorf("%w: %s: column %q has %d rows where %q has %d", ErrCorrupt, f.file, f.names[j], arr.Len(), f.names[0], n)
		}
		c, err := f.check(j, at, arr)
		if err != nil {
			return f.firstBad(at, cols, err)
		}
		copies = append(copies, c)
		if f.stats != nil && j < f.d {
			f.addStats(j, arr)
		}
		if f.values != nil && j < f.d {
			f.addValues(j, at, arr)
		}
	}
	f.copies = copies
	f.plain = f.plain[:0]
	for j, arr := range cols {
		var v []float32
		if a, ok := arr.(*array.Float32); ok && a.NullN() == 0 && f.offset(j) == 0 && f.scale(j) == 1 {
			v = a.Float32Values()
			// The fast copies test for NaN and ±Inf only: values beyond
			// the limit are found here first.
			if lim := f.bound(j); j < f.d && lim < math.MaxFloat32 {
				if i := beyond(v, lim); i >= 0 {
					return f.outOfRange(j, at+i, float64(v[i]))
				}
			}
		}
		f.plain = append(f.plain, v)
	}
	// Large batches are copied by several goroutines, each on its own
	// rows: the transposition is bound by memory traffic, and one core
	// does not saturate it.
	parts := min(runtime.GOMAXPROCS(0), (n*len(cols))/fillParallelValues)
	if parts <= 1 {
		return f.firstBad(at, cols, f.copyRows(at, 0, n))
	}
	if f.nulls == NullsDrop && f.bad == nil {
		f.bad = make([]bool, len(f.data)/f.d) // reject must not allocate it concurrently
	}
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for p := range parts {
		lo := (n / parts * p) / fillTile * fillTile
		hi := (n / parts * (p + 1)) / fillTile * fillTile
		if p == parts-1 {
			hi = n
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The columns may be slices of a mapped file (guard.go).
			errs[p] = guardFaults(f.file, func() error { return f.copyRows(at, lo, hi) })
		}()
	}
	wg.Wait()
	return f.firstBad(at, cols, errors.Join(errs...))
}

// fillParallelValues is the batch size, in values, above which fillBatch
// copies in parallel.
const fillParallelValues = 1 << 18

// copyRows copies rows [lo,hi) of the current batch, which starts at row
// at, tile by tile.
func (f *filler) copyRows(at, lo, hi int) error {
	d, copies := f.d, f.copies
	for t := lo; t < hi; t += fillTile {
		end := min(hi, t+fillTile)
		for j := 0; j < d; {
			if haveTranspose8 && f.plainRun(j, 8) {
				done := f.copy8(at, j, t, end)
				if err := f.copy4(at, j, t+done, end); err != nil {
					return err
				}
				if err := f.copy4(at, j+4, t+done, end); err != nil {
					return err
				}
				j += 8
				continue
			}
			if f.plainRun(j, 4) {
				if err := f.copy4(at, j, t, end); err != nil {
					return err
				}
				j += 4
				continue
			}
			if err := copies[j](f.data[(at+t)*d+j:], d, t, end); err != nil {
				return err
			}
			j++
		}
	}
	if f.weights != nil {
		return copies[d](f.weights[at+lo:], 1, lo, hi)
	}
	return nil
}

// plainRun reports whether the n feature columns j..j+n-1 exist and are
// all plain float32.
func (f *filler) plainRun(j, n int) bool {
	if j+n > f.d {
		return false
	}
	for _, p := range f.plain[j : j+n] {
		if p == nil {
			return false
		}
	}
	return true
}

// copy8 transposes rows [lo,hi) of the batch's plain float32 columns
// j..j+7 into the block with the AVX2 routine, up to the first group of
// eight rows holding a NaN or ±Inf, and returns how many rows it copied;
// copy4 takes the rest, and rejects the bad value where it is.
func (f *filler) copy8(at, j, lo, hi int) int {
	if hi-lo < 8 {
		return 0
	}
	var cols [8]*float32
	for k := range cols {
		cols[k] = &f.plain[j+k][lo]
	}
	return transpose8AVX2(&f.data[(at+lo)*f.d+j], 4*f.d, &cols, hi-lo)
}

// copy4 copies rows [lo,hi) of the batch's plain float32 columns j..j+3
// together: each row gets 16 contiguous bytes, and one test covers the
// four values. At the first row holding NaN or ±Inf the columns' own copy
// functions take over the rest of the rows, to reject it.
func (f *filler) copy4(at, j, lo, hi int) error {
	d := f.d
	c0 := f.plain[j][lo:hi]
	c1, c2, c3 := f.plain[j+1][lo:hi], f.plain[j+2][lo:hi], f.plain[j+3][lo:hi]
	c1, c2, c3 = c1[:len(c0)], c2[:len(c0)], c3[:len(c0)]
	out := f.data[(at+lo)*d:]
	for i, x0 := range c0 {
		x1, x2, x3 := c1[i], c2[i], c3[i]
		if (x0-x0)+(x1-x1)+(x2-x2)+(x3-x3) != 0 { // x-x is NaN for NaN and ±Inf
			for c := j; c < j+4; c++ {
				if err := f.copies[c](f.data[(at+lo+i)*d+c:], d, lo+i, hi); err != nil {
					return err
				}
			}
			return nil
		}
		o := out[i*d+j : i*d+j+4]
		o[0], o[1], o[2], o[3] = x0, x1, x2, x3
	}
	return nil
}

// firstBad turns an ErrNull found while filling a batch into the error for
// the batch's first bad row (then first column), so the row a user is
// told about does not depend on the order checks run in. Other errors
// pass through. It is the error path: it looks at values one by one.
func (f *filler) firstBad(at int, cols []arrow.Array, err error) error {
	if err == nil || !errors.Is(err, ErrNull) {
		return err
	}
	for i := range cols[0].Len() {
		for j, arr := range cols {
			if arr.IsNull(i) {
				return f.reject(j, at+i, true, 0)
			}
			var v float64
			switch a := arr.(type) {
			case *array.Float32:
				v = float64(a.Value(i))
			case *array.Float64:
				v = a.Value(i)
			default:
				continue
			}
			if x := float32(v); x-x != 0 {
				return f.reject(j, at+i, false, v)
			}
		}
	}
	return err
}

// copyFunc writes values [lo,hi) of a column to dst[0], dst[stride], ...,
// rejecting bad ones on the way.
type copyFunc func(dst []float32, stride, lo, hi int) error

// check rejects the null rows of column j (rows at...) and returns the
// function that copies its values. One type switch per column chunk; the
// loops inside are over plain slices.
func (f *filler) check(j, at int, arr arrow.Array) (copyFunc, error) {
	if f.isNominal(j) {
		return f.checkNominal(j, at, arr)
	}
	switch a := arr.(type) {
	case *array.Float32:
		return checkFloats(f, j, at, a.Float32Values(), arr)
	case *array.Float64:
		return checkFloats(f, j, at, a.Float64Values(), arr)
	case *array.Int8:
		return checkInts(f, j, at, a.Int8Values(), arr)
	case *array.Int16:
		return checkInts(f, j, at, a.Int16Values(), arr)
	case *array.Int32:
		return checkInts(f, j, at, a.Int32Values(), arr)
	case *array.Int64:
		return checkInts(f, j, at, a.Int64Values(), arr)
	case *array.Uint8:
		return checkInts(f, j, at, a.Uint8Values(), arr)
	case *array.Uint16:
		return checkInts(f, j, at, a.Uint16Values(), arr)
	case *array.Uint32:
		return checkInts(f, j, at, a.Uint32Values(), arr)
	case *array.Uint64:
		return checkInts(f, j, at, a.Uint64Values(), arr)
	}
	return nil, fmt.Errorf("%w: %s: column %q has type %s (want float32, float64 or an integer type)",
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

// rejectNulls checks that column j's chunk arr holds n values and
// rejects its null rows (local rows at, at+1, ...). It returns the
// validity bitmap and its offset, nil when the chunk has no nulls.
func (f *filler) rejectNulls(j, at, n int, arr arrow.Array) ([]byte, int, error) {
	if n != arr.Len() {
		return nil, 0, fmt.Errorf("%w: %s: column %q: %d values for %d rows", ErrCorrupt, f.file, f.names[j], n, arr.Len())
	}
	valid, off := validity(arr)
	if valid != nil {
		for i := range n {
			if bitutil.BitIsNotSet(valid, off+i) {
				if err := f.reject(j, at+i, true, 0); err != nil {
					return nil, 0, err
				}
			}
		}
	}
	return valid, off, nil
}

// checkInts rejects null rows; integers convert to float32 by rounding to
// nearest (exact up to 2²⁴), after the column's offset is subtracted in
// float64 when it has one.
func checkInts[T integer](f *filler, j, at int, vals []T, arr arrow.Array) (copyFunc, error) {
	valid, off, err := f.rejectNulls(j, at, len(vals), arr)
	if err != nil {
		return nil, err
	}
	shift, lim := f.offset(j), f.bound(j)
	if shift == 0 && f.scale(j) == 1 && lim == math.MaxFloat32 {
		return func(dst []float32, stride, lo, hi int) error {
			k := 0
			for _, v := range vals[lo:hi] {
				dst[k] = float32(v)
				k += stride
			}
			return nil
		}, nil
	}
	return shiftedCopy(f, j, at, vals, valid, off, shift, f.scale(j), lim), nil
}

// shiftedCopy is the copy of a column with an offset, a scale or a
// limit: each value has the offset subtracted and is divided by the scale
// in float64, and one beyond the limit (NaN and ±Inf included) in a valid
// row is refused or, under NullsDrop, drops its row.
func shiftedCopy[T integer | float32 | float64](f *filler, j, at int, vals []T, valid []byte, off int, shift, scale float64, lim float32) copyFunc {
	return func(dst []float32, stride, lo, hi int) error {
		k := 0
		for i, v := range vals[lo:hi] {
			x := float32((float64(v) - shift) / scale)
			if !(x >= -lim && x <= lim) && (valid == nil || bitutil.BitIsSet(valid, off+lo+i)) {
				if err := f.badValue(j, at+lo+i, float64(v)); err != nil {
					return err
				}
			}
			dst[k] = x
			k += stride
		}
		return nil
	}
}

// beyond returns the index of the first value of v outside [-lim, lim],
// or -1; NaN is not counted (the copies reject it). Four values at a
// time are compared by the bits of their magnitude, which order as the
// magnitudes do, without a branch per value; a group holding a value
// beyond, or a NaN, sends the rest to the plain loop.
func beyond(v []float32, lim float32) int {
	const mag = 0x7fffffff
	lb := math.Float32bits(lim)
	if haveMaxAbs && maxAbsBitsAVX2(v) <= lb {
		return -1 // every magnitude within the limit: the common case, at memory speed
	}
	i := 0
	for ; i+4 <= len(v); i += 4 {
		q := v[i : i+4 : i+4]
		b := max(math.Float32bits(q[0])&mag, math.Float32bits(q[1])&mag, math.Float32bits(q[2])&mag, math.Float32bits(q[3])&mag)
		if b > lb {
			break
		}
	}
	for ; i < len(v); i++ {
		if x := v[i]; x > lim || x < -lim {
			return i
		}
	}
	return -1
}

// checkFloats rejects null rows; the copy it returns rejects values that
// are NaN, ±Inf or overflow float32 as it goes (x-x is 0 exactly when x is
// finite), so clean data is read once. A shifted column, or one with a
// limit, has its own copy.
func checkFloats[T float32 | float64](f *filler, j, at int, vals []T, arr arrow.Array) (copyFunc, error) {
	valid, off, err := f.rejectNulls(j, at, len(vals), arr)
	if err != nil {
		return nil, err
	}
	if shift, scale, lim := f.offset(j), f.scale(j), f.bound(j); shift != 0 || scale != 1 || lim != math.MaxFloat32 {
		return shiftedCopy(f, j, at, vals, valid, off, shift, scale, lim), nil
	}
	return func(dst []float32, stride, lo, hi int) error {
		k := 0
		for i, v := range vals[lo:hi] {
			x := float32(v)
			if x-x != 0 && (valid == nil || bitutil.BitIsSet(valid, off+lo+i)) {
				if err := f.reject(j, at+lo+i, false, float64(v)); err != nil {
					return err
				}
			}
			dst[k] = x
			k += stride
		}
		return nil
	}, nil
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

// set writes one value, v, as row i of column j (for text formats). The
// caller grows the block to hold row i first.
func (f *filler) set(j, i int, v float64, null bool) error {
	if f.stats != nil && j < f.d && !null {
		f.stats[j].Wide = true
		f.stats[j].add(v)
	}
	if f.values != nil && j < f.d {
		f.putValue(j, i, v, null)
	}
	x := float32((v - f.offset(j)) / f.scale(j))
	if lim := f.bound(j); null {
		if err := f.reject(j, i, null, v); err != nil {
			return err
		}
	} else if !(x >= -lim && x <= lim) {
		if err := f.badValue(j, i, v); err != nil {
			return err
		}
	}
	dst, stride := f.dest(j)
	dst[i*stride] = x
	return nil
}
