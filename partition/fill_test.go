package partition

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestFillSlicedArrays: arrays that are slices of larger ones have a
// non-zero offset into their validity bitmap and values; nulls and values
// must be read at the slice's positions.
func TestFillSlicedArrays(t *testing.T) {
	fb := array.NewFloat64Builder(memory.DefaultAllocator)
	defer fb.Release()
	//                 0  1  2  3  4           5  6  7  8  9
	fb.AppendValues([]float64{0, 1, 2, 3, math.NaN(), 5, 6, 7, 8, 9},
		[]bool{true, false, true, true, true, true, false, true, true, true})
	full := fb.NewFloat64Array()
	defer full.Release()
	ib := array.NewInt16Builder(memory.DefaultAllocator)
	defer ib.Release()
	ib.AppendValues([]int16{10, 11, 12, 13, 14, 15, 16, 17, 18, 19}, []bool{true, true, true, true, true, false, true, true, true, true})
	ints := ib.NewInt16Array()
	defer ints.Release()

	// Rows 3..8 of both: float nulls at 6 (null) and 4 (NaN), int null at 5.
	a := array.NewSlice(full, 3, 9)
	defer a.Release()
	b := array.NewSlice(ints, 3, 9)
	defer b.Release()
	f, err := newFiller(Shard{File: "f", Rows: 6, RowOffset: 100}, []string{"a", "b"}, "", NullsDrop, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.fillBatch(0, []arrow.Array{a, b}); err != nil {
		t.Fatal(err)
	}
	blk, err := f.finish(6)
	if err != nil {
		t.Fatal(err)
	}
	// Local rows 0 (3), 4 (7), 5 (8) survive.
	if !slices.Equal(blk.Index, []int64{100, 104, 105}) || !slices.Equal(blk.Data, []float32{3, 13, 7, 17, 8, 18}) {
		t.Errorf("index %v data %v", blk.Index, blk.Data)
	}

	// The same under NullsError names the first bad row of column a: the
	// NaN at local row 1, global row 101.
	f, _ = newFiller(Shard{File: "f", Rows: 6, RowOffset: 100}, []string{"a", "b"}, "", NullsError, 1<<20)
	wantErr(t, f.fillBatch(0, []arrow.Array{a, b}), ErrNull, `column "a", row 101: NaN`)
}

// TestFillBatches: batches fill their rows at the right places, tiles
// longer than fillTile included, and a batch that overruns the plan or has
// columns of different lengths is refused.
func TestFillBatches(t *testing.T) {
	mk := func(vals ...float32) arrow.Array {
		b := array.NewFloat32Builder(memory.DefaultAllocator)
		defer b.Release()
		b.AppendValues(vals, nil)
		return b.NewArray()
	}
	seq := func(n int, scale float32) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(i) * scale
		}
		return v
	}
	const rows = 2 + fillTile + 7
	f, _ := newFiller(Shard{File: "f", Rows: rows}, []string{"x", "y"}, "w", NullsError, 1<<20)
	x, y, w := seq(rows, 1), seq(rows, -1), seq(rows, 0.5)
	for _, b := range [][2]int{{0, 2}, {2, rows}} {
		cols := []arrow.Array{mk(x[b[0]:b[1]]...), mk(y[b[0]:b[1]]...), mk(w[b[0]:b[1]]...)}
		if err := f.fillBatch(b[0], cols); err != nil {
			t.Fatal(err)
		}
		for _, c := range cols {
			c.Release()
		}
	}
	blk, err := f.finish(rows)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		if blk.Data[2*i] != x[i] || blk.Data[2*i+1] != y[i] || blk.Weights[i] != w[i] {
			t.Fatalf("row %d = %v, %v, weight %v", i, blk.Data[2*i], blk.Data[2*i+1], blk.Weights[i])
		}
	}
	one, two := mk(1), mk(1, 2)
	defer one.Release()
	defer two.Release()
	wantErr(t, f.fillBatch(rows-1, []arrow.Array{two, two, two}), ErrCorrupt, "more rows than")
	wantErr(t, f.fillBatch(0, []arrow.Array{one, two, one}), ErrCorrupt, `column "y" has 2 rows`)
	wantErr(t, f.fillBatch(0, []arrow.Array{one, one}), ErrCorrupt, "2 columns for 3")
	if _, err := f.finish(rows - 1); err == nil {
		t.Error("finish short of the plan: no error")
	}
}

// TestFillGrows: a plan larger than the file's byte size (as a corrupt
// header, or extremely compressed data, can make it) reserves little at
// first and grows as rows arrive, up to exactly the plan.
func TestFillGrows(t *testing.T) {
	const rows = 3*65536 + 5
	f, _ := newFiller(Shard{File: "f", Rows: rows}, []string{"x"}, "w", NullsDrop, 10)
	if got := len(f.data); got != 65536 {
		t.Fatalf("reserved %d values, want 65536", got)
	}
	b := array.NewFloat32Builder(memory.DefaultAllocator)
	defer b.Release()
	for at := 0; at < rows; at += 1000 {
		n := min(1000, rows-at)
		for i := range n {
			b.Append(float32(at + i))
		}
		x := b.NewArray()
		for i := range n {
			if (at+i)%7 == 0 {
				b.AppendNull()
			} else {
				b.Append(1)
			}
		}
		w := b.NewArray()
		if err := f.fillBatch(at, []arrow.Array{x, w}); err != nil {
			t.Fatal(err)
		}
		x.Release()
		w.Release()
	}
	blk, err := f.finish(rows)
	if err != nil {
		t.Fatal(err)
	}
	if blk.Len() != rows-(rows+6)/7 {
		t.Fatalf("kept %d rows, want %d", blk.Len(), rows-(rows+6)/7)
	}
	for k, idx := range blk.Index {
		if idx%7 == 0 || blk.Data[k] != float32(idx) || blk.Weights[k] != 1 {
			t.Fatalf("row %d: index %d value %v weight %v", k, idx, blk.Data[k], blk.Weights[k])
		}
	}
	if len(f.data) != rows {
		t.Errorf("grew to %d values, want exactly the plan's %d", len(f.data), rows)
	}
}

// fillFloat32 fills a block from plain float32 columns (vals[j] is column
// names[j], all of one length) in one batch under the null policy.
func fillFloat32(t *testing.T, names []string, vals [][]float32, nulls NullPolicy) (*Block, error) {
	t.Helper()
	rows := len(vals[0])
	f, err := newFiller(Shard{File: "f", Rows: int64(rows)}, names, "", nulls, 1<<22)
	if err != nil {
		t.Fatal(err)
	}
	cols := make([]arrow.Array, len(vals))
	for j, v := range vals {
		b := array.NewFloat32Builder(memory.DefaultAllocator)
		b.AppendValues(v, nil)
		cols[j] = b.NewArray()
		b.Release()
	}
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	if err := f.fillBatch(0, cols); err != nil {
		return nil, err
	}
	return f.finish(rows)
}

// TestFillFourColumns: plain float32 columns are copied four at a time;
// values must land where they belong, with a fifth column copied alone,
// and a NaN or ±Inf anywhere in a group of four must be rejected at its
// row and column under both policies, past a tile boundary too.
func TestFillFourColumns(t *testing.T) {
	const rows, d = fillTile + 40, 5
	names := []string{"a", "b", "c", "e", "g"}
	vals := make([][]float32, d)
	for j := range vals {
		vals[j] = make([]float32, rows)
		for i := range vals[j] {
			vals[j][i] = float32(j*1000 + i)
		}
	}
	read := func(nulls NullPolicy) (*Block, error) { return fillFloat32(t, names, vals, nulls) }
	blk, err := read(NullsError)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		for j := range d {
			if got := blk.Data[i*d+j]; got != vals[j][i] {
				t.Fatalf("row %d column %d = %v, want %v", i, j, got, vals[j][i])
			}
		}
	}
	vals[2][3] = float32(math.NaN())
	vals[0][fillTile+5] = float32(math.Inf(-1))
	vals[3][fillTile+5] = float32(math.Inf(1))
	vals[1][fillTile+9] = float32(math.NaN())
	_, err = read(NullsError)
	wantErr(t, err, ErrNull, `column "c", row 3: NaN`)
	blk, err = read(NullsDrop)
	if err != nil {
		t.Fatal(err)
	}
	if len(blk.Index) != rows-3 || slices.Contains(blk.Index, 3) || slices.Contains(blk.Index, fillTile+5) || slices.Contains(blk.Index, fillTile+9) {
		t.Fatalf("kept %d rows: %v", len(blk.Index), blk.Index)
	}
	for k, i := range blk.Index {
		for j := range d {
			if got := blk.Data[k*d+j]; got != vals[j][i] {
				t.Fatalf("kept row %d (row %d) column %d = %v, want %v", k, i, j, got, vals[j][i])
			}
		}
	}
}

// TestFillEightColumns: plain float32 columns go eight at a time through
// the AVX2 transpose where there is one, the rest four at a time or
// alone. For several widths, with a row count that is not a multiple of
// eight, every value must land where it belongs, and a NaN or ±Inf in a
// group of eight must be rejected at its row and column (the first such
// row, then column, under NullsError) or its row dropped (NullsDrop),
// near a tile boundary too.
func TestFillEightColumns(t *testing.T) {
	const rows = fillTile + 45
	for _, d := range []int{8, 11, 16, 19, 32} {
		names := make([]string, d)
		vals := make([][]float32, d)
		for j := range vals {
			names[j] = fmt.Sprintf("c%d", j)
			vals[j] = make([]float32, rows)
			for i := range vals[j] {
				vals[j][i] = float32(j*1000+i) / 7
			}
		}
		read := func(nulls NullPolicy) (*Block, error) { return fillFloat32(t, names, vals, nulls) }
		check := func(blk *Block, skip map[int]bool) {
			t.Helper()
			k := 0
			for i := range rows {
				if skip[i] {
					continue
				}
				if blk.Index[k] != int64(i) {
					t.Fatalf("d=%d: kept row %d is row %d, want %d", d, k, blk.Index[k], i)
				}
				for j := range d {
					if got := blk.Data[k*d+j]; got != vals[j][i] {
						t.Fatalf("d=%d: row %d column %d = %v, want %v", d, i, j, got, vals[j][i])
					}
				}
				k++
			}
			if k != len(blk.Index) {
				t.Fatalf("d=%d: kept %d rows, want %d", d, len(blk.Index), k)
			}
		}
		blk, err := read(NullsError)
		if err != nil {
			t.Fatal(err)
		}
		check(blk, nil)

		bad := map[int]bool{}
		for _, p := range []struct {
			row, col int
			v        float64
		}{{fillTile + 7, 5, math.Inf(1)}, {fillTile - 1, 7, math.NaN()}, {17, 2, math.Inf(-1)}, {17, 0, math.NaN()}, {rows - 1, d - 1, math.NaN()}} {
			vals[p.col][p.row] = float32(p.v)
			bad[p.row] = true
		}
		_, err = read(NullsError)
		wantErr(t, err, ErrNull, `column "c0", row 17: NaN`)
		blk, err = read(NullsDrop)
		if err != nil {
			t.Fatal(err)
		}
		check(blk, bad)
	}
}
