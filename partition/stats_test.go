package partition

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// writeColumns writes columns x and y of one Arrow type to path (Parquet,
// Arrow IPC or CSV by extension) in batches of batchRows rows; a false
// entry of valid makes both values of the row null.
func writeColumns(t *testing.T, path string, typ arrow.DataType, x, y []float64, valid []bool, batchRows int) {
	t.Helper()
	if strings.HasSuffix(path, ".csv") {
		var b strings.Builder
		b.WriteString("x,y\n")
		for i := range x {
			if valid != nil && !valid[i] {
				b.WriteString(",\n")
				continue
			}
			fmt.Fprintf(&b, "%v,%v\n", x[i], y[i])
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: typ, Nullable: true}, {Name: "y", Type: typ, Nullable: true}}, nil)
	var recs []arrow.RecordBatch
	for lo := 0; lo < len(x); lo += batchRows {
		hi := min(len(x), lo+batchRows)
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		for c, vals := range [][]float64{x[lo:hi], y[lo:hi]} {
			var ok []bool
			if valid != nil {
				ok = valid[lo:hi]
			}
			switch fb := b.Field(c).(type) {
			case *array.Float32Builder:
				v := make([]float32, len(vals))
				for i, f := range vals {
					v[i] = float32(f)
				}
				fb.AppendValues(v, ok)
			case *array.Float64Builder:
				fb.AppendValues(vals, ok)
			case *array.Int64Builder:
				v := make([]int64, len(vals))
				for i, f := range vals {
					v[i] = int64(f)
				}
				fb.AppendValues(v, ok)
			}
		}
		recs = append(recs, b.NewRecordBatch())
		b.Release()
	}
	writeRecords(t, path, schema, recs...)
	for _, r := range recs {
		r.Release()
	}
}

// readShifted scans path and reads every shard with the offsets Offsets
// chooses.
func readShifted(t *testing.T, path string, nulls NullPolicy) (*Block, []float64, error) {
	t.Helper()
	ds := mustScan(t, []string{path}, Options{ShardRows: 64})
	off, err := Offsets(ds, nulls, DeviationLimit(len(ds.Columns)))
	if err != nil {
		return nil, nil, err
	}
	out := &Block{D: len(ds.Columns)}
	for _, s := range ds.Shards {
		b, err := ReadShardShifted(s, ds.Columns, "", nulls, off, DeviationLimit(len(ds.Columns)))
		if err != nil {
			return nil, off, err
		}
		out.Data = append(out.Data, b.Data...)
		out.Index = append(out.Index, b.Index...)
	}
	return out, off, nil
}

// TestShiftKeepsCloseFloat64Values: two groups 0.03 apart near 1e6 (x)
// and -2e6 (y), which float32 alone rounds to one value per column, must
// stay apart: every row's value is float32(v − offset) computed in
// float64, and the nearest of the two group means, computed in float64
// from the file's values, is also the nearest from the block's values.
func TestShiftKeepsCloseFloat64Values(t *testing.T) {
	const n, sep = 300, 0.03
	rng := rand.New(rand.NewPCG(3, 4))
	x, y, group := make([]float64, n), make([]float64, n), make([]int, n)
	for i := range n {
		group[i] = rng.IntN(2)
		x[i] = 1e6 + sep*float64(group[i]) + 0.002*(2*rng.Float64()-1)
		y[i] = -2e6 - sep*float64(group[i]) + 0.002*(2*rng.Float64()-1)
	}
	if float32(x[0]) != float32(1e6+sep) || float32(y[0]) != float32(-2e6-sep) {
		t.Fatal("the data no longer collapses in float32; the test shows nothing")
	}
	for _, c := range []struct {
		ext string
		typ arrow.DataType
	}{{".parquet", arrow.PrimitiveTypes.Float64}, {".arrow", arrow.PrimitiveTypes.Float64}, {".csv", nil}} {
		t.Run(c.ext, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "close"+c.ext)
			writeColumns(t, path, c.typ, x, y, nil, 50)
			blk, off, err := readShifted(t, path, NullsError)
			if err != nil {
				t.Fatal(err)
			}
			if off[0] < 1e6 || off[0] > 1e6+sep+0.01 || off[1] > -2e6 || off[1] < -2e6-sep-0.01 {
				t.Fatalf("offsets %v are not within the columns' ranges", off)
			}
			means := [2][2]float64{{1e6, -2e6}, {1e6 + sep, -2e6 - sep}}
			for i := range n {
				for j, v := range []float64{x[i], y[i]} {
					if got, want := blk.Data[2*i+j], float32(v-off[j]); got != want {
						t.Fatalf("row %d column %d holds %v, want float32(%v − %v) = %v", i, j, got, v, off[j], want)
					}
				}
				near := func(p [2]float64) int {
					best, bd := 0, math.Inf(1)
					for g, m := range means {
						if d := (p[0]-m[0])*(p[0]-m[0]) + (p[1]-m[1])*(p[1]-m[1]); d < bd {
							best, bd = g, d
						}
					}
					return best
				}
				fromFile := near([2]float64{x[i], y[i]})
				fromBlock := near([2]float64{float64(blk.Data[2*i]) + off[0], float64(blk.Data[2*i+1]) + off[1]})
				if fromFile != group[i] || fromBlock != group[i] {
					t.Fatalf("row %d of group %d: nearest mean %d from the file, %d from the block", i, group[i], fromFile, fromBlock)
				}
			}
		})
	}
}

// TestOutOfRangeIsRefused: a value further from its column's offset than
// DeviationLimit fails the read naming file, column and row, under both
// null policies, on every path a value takes into a block: plain float32
// columns, float32 with nulls, float64, integers and CSV text; found by
// Offsets when the first shard shows it, by the shard read otherwise.
func TestOutOfRangeIsRefused(t *testing.T) {
	const n = 200
	lim := DeviationLimit(2)
	for _, c := range []struct {
		name  string
		ext   string
		typ   arrow.DataType
		nulls bool // rows with nulls (float32 then leaves the plain path); NullsDrop only
		at    int  // the one row far from the others
		want  string
	}{
		{"float32 plain, first shard", ".parquet", arrow.PrimitiveTypes.Float32, false, 10, "values span"},
		{"float32 plain, later shard", ".arrow", arrow.PrimitiveTypes.Float32, false, 150, "row 150"},
		{"float32 with nulls", ".parquet", arrow.PrimitiveTypes.Float32, true, 130, "row 130"},
		{"float64", ".parquet", arrow.PrimitiveTypes.Float64, false, 199, "row 199"},
		{"int64", ".arrow", arrow.PrimitiveTypes.Int64, true, 100, "row 100"},
		{"csv", ".csv", nil, false, 77, "row 77"},
	} {
		for _, policy := range []NullPolicy{NullsError, NullsDrop} {
			if c.nulls && policy == NullsError {
				continue
			}
			t.Run(fmt.Sprintf("%s/%d", c.name, policy), func(t *testing.T) {
				x, y := make([]float64, n), make([]float64, n)
				var valid []bool
				if c.nulls {
					valid = make([]bool, n)
				}
				for i := range n {
					x[i] = float64(i % 9)
					y[i] = float64(i)
					if valid != nil {
						valid[i] = i%3 != 1 || i == c.at
					}
				}
				x[c.at] = -1.5 * lim
				if c.want == "values span" {
					x[c.at+1] = 1.5 * lim
				}
				path := filepath.Join(t.TempDir(), "wide"+c.ext)
				writeColumns(t, path, c.typ, x, y, valid, 50)
				_, _, err := readShifted(t, path, policy)
				wantErr(t, err, ErrOutOfRange, path, `column "x"`, c.want, "rescale the column")
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error spans lines: %q", err)
				}
			})
		}
	}
}

// TestShiftLeavesOtherDataAlone: data that float32 holds gets offset 0
// and reads exactly as ReadShard reads it, a NaN still follows the null
// policy, and values just inside the limit are accepted.
func TestShiftLeavesOtherDataAlone(t *testing.T) {
	const n = 130
	lim := DeviationLimit(2)
	x, y := make([]float64, n), make([]float64, n)
	for i := range n {
		x[i] = float64(float32(0.9 * lim * math.Sin(float64(i))))
		y[i] = float64(i) + 0.25
	}
	x[70] = math.NaN()
	path := filepath.Join(t.TempDir(), "ok.parquet")
	writeColumns(t, path, arrow.PrimitiveTypes.Float32, x, y, nil, 50)
	_, _, err := readShifted(t, path, NullsError)
	wantErr(t, err, ErrNull, `column "x", row 70: NaN`)
	blk, off, err := readShifted(t, path, NullsDrop)
	if err != nil {
		t.Fatal(err)
	}
	if off[0] != 0 || off[1] != 0 {
		t.Fatalf("offsets %v for float32 columns within the limit, want 0", off)
	}
	plain := readEvery(t, mustScan(t, []string{path}, Options{ShardRows: 64}), NullsDrop)
	if len(plain.Data) != len(blk.Data) || len(blk.Index) != n-1 {
		t.Fatalf("%d values and %d rows shifted, %d values plain", len(blk.Data), len(blk.Index), len(plain.Data))
	}
	for i := range plain.Data {
		if math.Float32bits(plain.Data[i]) != math.Float32bits(blk.Data[i]) {
			t.Fatalf("value %d: %v shifted, %v plain", i, blk.Data[i], plain.Data[i])
		}
	}
}

// TestChooseOffset: the rule, case by case.
func TestChooseOffset(t *testing.T) {
	const lim = 1e18
	for _, c := range []struct {
		st   ColumnStats
		want float64
	}{
		{ColumnStats{}, 0},
		{ColumnStats{Count: 3, Min: -1, Max: 5, Wide: true}, 0},
		{ColumnStats{Count: 3, Min: 1e6, Max: 1e6 + 0.03, Wide: true}, 1e6 + 0.015},
		{ColumnStats{Count: 3, Min: -2e6 - 0.03, Max: -2e6, Wide: true}, -2e6 - 0.015},
		{ColumnStats{Count: 3, Min: 1e6, Max: 1e6 + 1}, 0},                // float32 already
		{ColumnStats{Count: 3, Min: 3e18, Max: 3e18 + 1e12}, 3e18 + 5e11}, // float32 but beyond the limit
		{ColumnStats{Count: 1, Min: 7, Max: 7, Wide: true}, 7},
	} {
		if got := chooseOffset(c.st, lim); math.Abs(got-c.want) > 1e-9*math.Abs(c.want) {
			t.Errorf("%+v: offset %v, want %v", c.st, got, c.want)
		}
	}
}

// TestColumnStatsMerge: statistics of a column split anywhere and merged
// in any order equal those of the whole; the zero value changes nothing.
func TestColumnStatsMerge(t *testing.T) {
	seed := uint64(rand.Int64())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	for range 200 {
		vals := make([]float64, 1+rng.IntN(50))
		for i := range vals {
			vals[i] = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(20)))
			if rng.IntN(10) == 0 {
				vals[i] = math.NaN()
			}
		}
		var whole ColumnStats
		for _, v := range vals {
			whole.add(v)
		}
		parts := make([]ColumnStats, 1+rng.IntN(5))
		for _, v := range vals {
			parts[rng.IntN(len(parts))].add(v)
		}
		var merged ColumnStats
		for _, i := range rng.Perm(len(parts)) {
			merged.Merge(parts[i])
			merged.Merge(ColumnStats{})
		}
		if merged != whole {
			t.Fatalf("merged %+v, whole %+v (values %v)", merged, whole, vals)
		}
	}
}

// TestOffsetsReadOnUntilEveryColumnHasValues: a column all null in the
// first shard (NullsDrop) takes its offset from the next shard.
func TestOffsetsReadOnUntilEveryColumnHasValues(t *testing.T) {
	const n = 200
	x, y := make([]float64, n), make([]float64, n)
	valid := make([]bool, n)
	for i := range n {
		x[i], y[i] = 5e6+float64(i)/1000, 7e6+float64(i%10)/100
		valid[i] = i >= 100
	}
	path := filepath.Join(t.TempDir(), "late.parquet")
	writeColumns(t, path, arrow.PrimitiveTypes.Float64, x, y, valid, 50)
	blk, off, err := readShifted(t, path, NullsDrop)
	if err != nil {
		t.Fatal(err)
	}
	if off[1] < 7e6 || off[1] > 7e6+0.1 {
		t.Fatalf("offset of y is %v, want one inside [7e6, 7e6+0.09]", off[1])
	}
	if blk.Len() != 100 || blk.Index[0] != 100 {
		t.Fatalf("kept %d rows from %d", blk.Len(), blk.Index[0])
	}
}

// TestOutOfRangeInPlainColumns: plain float32 columns, copied four and
// eight at a time, are checked against the limit before they are copied:
// a value beyond it in any of them, past a tile boundary too, fails the
// fill at its column and row under both policies, and one just inside
// it does not.
func TestOutOfRangeInPlainColumns(t *testing.T) {
	const rows = fillTile + 45
	for _, d := range []int{4, 8, 11, 32} {
		names := make([]string, d)
		vals := make([][]float32, d)
		for j := range d {
			names[j] = fmt.Sprintf("c%d", j)
			vals[j] = make([]float32, rows)
			for i := range rows {
				vals[j][i] = float32(j*1000 + i)
			}
		}
		lim := DeviationLimit(d)
		fill := func(nulls NullPolicy) error {
			f, err := newFiller(Shard{File: "f", Rows: rows, RowOffset: 1000}, names, "", nulls, 1<<22)
			if err != nil {
				t.Fatal(err)
			}
			f.offsets, f.limit = make([]float64, d), lim
			cols := make([]arrow.Array, d)
			for j, v := range vals {
				b := array.NewFloat32Builder(memory.DefaultAllocator)
				b.AppendValues(v, nil)
				cols[j] = b.NewArray()
				b.Release()
				defer cols[j].Release()
			}
			if err := f.fillBatch(0, cols); err != nil {
				return err
			}
			_, err = f.finish(rows)
			return err
		}
		vals[d-1][3] = float32(math.Nextafter32(float32(lim), 0))
		if err := fill(NullsError); err != nil {
			t.Fatalf("d=%d: a value inside the limit: %v", d, err)
		}
		j, i := d/2, fillTile+7
		vals[j][i] = -2 * float32(lim)
		for _, nulls := range []NullPolicy{NullsError, NullsDrop} {
			wantErr(t, fill(nulls), ErrOutOfRange, fmt.Sprintf(`column "c%d", row %d`, j, 1000+i))
		}
		vals[j][i] = 0
	}
}

// TestOffsetsFromParquetStatistics: float32 Parquet columns whose
// statistics lie within the limit get offsets of 0 from the footer alone,
// as a read would give them: with the first row group's pages garbled,
// Offsets still answers while reading the shard fails. Statistics beyond
// the limit, or float64 columns, are read as before.
func TestOffsetsFromParquetStatistics(t *testing.T) {
	const n = 200
	x, y := make([]float64, n), make([]float64, n)
	for i := range n {
		x[i], y[i] = 1e6+float64(i), -float64(i%7)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "f32.parquet")
	writeColumns(t, path, arrow.PrimitiveTypes.Float32, x, y, nil, 50)
	ds := mustScan(t, []string{path}, Options{ShardRows: 64})
	lim := DeviationLimit(2)
	want, err := Offsets(ds, NullsError, lim)
	if err != nil || want[0] != 0 || want[1] != 0 {
		t.Fatalf("offsets %v, %v; want 0 for float32 columns within the limit", want, err)
	}
	// Garble the first column chunk's first page, leaving the footer.
	md := cachedFooter(path)
	cc, err := md.RowGroup(0).ColumnChunk(0)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xff}, 24), cc.DataPageOffset()); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := ShardStats(ds.Shards[0], ds.Columns, NullsError); err == nil {
		t.Fatal("the garbled shard read: the test would not tell a read from the footer")
	}
	got, err := Offsets(ds, NullsError, lim)
	if err != nil || got[0] != 0 || got[1] != 0 {
		t.Fatalf("offsets %v, %v from the footer of a file with garbled pages", got, err)
	}
	// Beyond the limit, or float64: the shard is read, and fails.
	for _, c := range []struct {
		name string
		typ  arrow.DataType
		x0   float64
	}{{"far", arrow.PrimitiveTypes.Float32, 2 * lim}, {"float64", arrow.PrimitiveTypes.Float64, 1}} {
		p := filepath.Join(dir, c.name+".parquet")
		x[0] = c.x0
		writeColumns(t, p, c.typ, x, y, nil, 50)
		ds := mustScan(t, []string{p}, Options{ShardRows: 64})
		md := cachedFooter(p)
		cc, _ := md.RowGroup(0).ColumnChunk(0)
		f, _ := os.OpenFile(p, os.O_WRONLY, 0)
		_, _ = f.WriteAt(bytes.Repeat([]byte{0xff}, 24), cc.DataPageOffset())
		f.Close()
		if _, err := Offsets(ds, NullsError, lim); err == nil {
			t.Errorf("%s: Offsets answered without reading the shard", c.name)
		}
	}
}
