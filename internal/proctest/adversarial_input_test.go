package proctest_test

// Inputs are read exactly or refused (issue 12, item 6): a text cell in a
// numeric CSV column, CSV files without a header or with another
// delimiter, dictionary-encoded Arrow columns, inputs behind symbolic
// links, a warm start from a model whose columns are in another order or
// are others, and options the chosen algorithm would ignore. Each runs the
// real binary (`shoal run`, embedded NATS), and the input files are the
// same afterwards.

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/shoal-io/shoal/internal/proctest"
	"github.com/shoal-io/shoal/internal/wire"
)

// inputModel is the part of a model file these cases look at.
type inputModel struct {
	N              int64       `json:"n"`
	RowsDropped    *int64      `json:"rows_dropped"`
	Columns        []string    `json:"columns"`
	Centers        [][]float64 `json:"centers"`
	ClusterSizes   []int64     `json:"cluster_sizes"`
	TotalDeviation float64     `json:"total_deviation"`
}

func readInputModel(t *testing.T, path string) inputModel {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m inputModel
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// writeInput writes text to dir/name and returns the path.
func writeInput(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// threeBlobs returns rows rows of three features around three well
// separated centres, deterministically, with sep between fields.
func threeBlobs(rows int, sep string) []string {
	lines := make([]string, rows)
	for i := range rows {
		c := float64(i%3) * 10
		j := func(k int) float64 { return math.Sin(float64(i*7+k)) * 0.5 }
		lines[i] = fmt.Sprintf("%.4f%s%.4f%s%.4f", c+j(1), sep, -c+j(2), sep, 2*c+j(3))
	}
	return lines
}

// runJob runs `shoal run` with args and requires success. Each process
// runs in a directory of its own, where its logs go.
func runJob(t *testing.T, args ...string) proctest.Result {
	t.Helper()
	return proctest.MustRun(t, t.TempDir(), jobWait, shoal("shoal", append([]string{"run", "-q", "--workers", "1"}, args...)...))
}

// TestAdversarialCSVTextCell: a text cell in a numeric CSV column, inside
// the rows Scan samples to type the columns (row 50) or beyond them (row
// 150), fails the job with one line naming the file, the column and the
// row; the column is never dropped. Under --nulls drop the row is dropped
// and counted in the model.
func TestAdversarialCSVTextCell(t *testing.T) {
	for _, bad := range []int{50, 150} {
		t.Run(fmt.Sprintf("row %d", bad), func(t *testing.T) {
			in, out := t.TempDir(), t.TempDir()
			lines := threeBlobs(300, ",")
			f := strings.Split(lines[bad], ",")
			lines[bad] = f[0] + ",oops," + f[2]
			data := writeInput(t, in, "data.csv", "a,b,c\n"+strings.Join(lines, "\n")+"\n")
			model := filepath.Join(out, "model.json")
			snap := takeSnapshot(t, in, out)
			refused(t, t.TempDir(), exitFailed, []string{"run", "--workers", "1", "--input", data, "--k", "3", "--model", model},
				data, `column "b"`, fmt.Sprintf("row %d", bad), "--nulls drop")
			snap.unchanged(t, in, out)

			snap = takeSnapshot(t, in)
			r := runJob(t, "--input", data, "--k", "3", "--nulls", "drop", "--model", model)
			m := readInputModel(t, model)
			if m.RowsDropped == nil || *m.RowsDropped != 1 || m.N != 299 || !slices.Equal(m.Columns, []string{"a", "b", "c"}) {
				t.Fatalf("model n=%d rows_dropped=%v columns %v, want 299, 1, [a b c]", m.N, m.RowsDropped, m.Columns)
			}
			if !strings.Contains(r.Stdout, "299 used, 1 dropped") {
				t.Errorf("the summary does not report the rows used and dropped:\n%s", r.Stdout)
			}
			snap.unchanged(t, in)
		})
	}
}

// TestAdversarialCSVLayout: the same data without a header line, with
// semicolons and with tabs gives the model of the plain file, columns
// named c0, c1, c2.
func TestAdversarialCSVLayout(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	plain := writeInput(t, in, "plain.csv", "c0,c1,c2\n"+strings.Join(threeBlobs(300, ","), "\n")+"\n")
	cases := []struct {
		name, text string
		flags      []string
	}{
		{"no header", strings.Join(threeBlobs(300, ","), "\n") + "\n", []string{"--no-header"}},
		{"semicolons", "c0;c1;c2\n" + strings.Join(threeBlobs(300, ";"), "\n") + "\n", []string{"--delimiter", ";"}},
		{"tabs no header", strings.Join(threeBlobs(300, "\t"), "\n") + "\n", []string{"--delimiter", `\t`, "--no-header"}},
	}
	inputs := make([]string, len(cases))
	for i, c := range cases {
		inputs[i] = writeInput(t, in, strings.ReplaceAll(c.name, " ", "_")+".csv", c.text)
	}
	snap := takeSnapshot(t, in)
	common := []string{"--k", "3", "--algo", "kmeans", "--seed", "5"}
	runJob(t, append([]string{"--input", plain, "--model", filepath.Join(out, "plain.json")}, common...)...)
	want := readInputModel(t, filepath.Join(out, "plain.json"))
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			model := filepath.Join(out, strings.ReplaceAll(c.name, " ", "_")+".json")
			runJob(t, slices.Concat([]string{"--input", inputs[i], "--model", model}, common, c.flags)...)
			got := readInputModel(t, model)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("model %+v, want that of the plain file %+v", got, want)
			}
		})
	}
	refused(t, t.TempDir(), exitUsage, []string{"run", "--input", plain, "--k", "3", "--delimiter", ";;"}, "--delimiter")
	snap.unchanged(t, in)
}

// writeDictionaryArrow writes an Arrow IPC file (or stream, by ext) of
// three clusters whose feature "d" is dictionary-encoded numbers, beside
// a plain float32 "x" and a dictionary-encoded string "kind" that is not a
// feature.
func writeDictionaryArrow(t *testing.T, path string, rows int) {
	t.Helper()
	mem := memory.DefaultAllocator
	dType := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.PrimitiveTypes.Float64}
	sType := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "kind", Type: sType},
		{Name: "x", Type: arrow.PrimitiveTypes.Float32},
		{Name: "d", Type: dType},
	}, nil)
	sb := array.NewStringBuilder(mem)
	sb.AppendValues([]string{"red", "green", "blue"}, nil)
	sDict := sb.NewArray()
	db := array.NewFloat64Builder(mem)
	db.AppendValues([]float64{0, 100, 200}, nil)
	dDict := db.NewArray()
	var kinds []int32
	var ds []int8
	var xs []float32
	for i := range rows {
		kinds = append(kinds, int32(i%3))
		ds = append(ds, int8(i%3))
		xs = append(xs, float32(i%3)*50+float32(i%7)*0.1)
	}
	ib := array.NewInt32Builder(mem)
	ib.AppendValues(kinds, nil)
	kIdx := ib.NewArray()
	i8 := array.NewInt8Builder(mem)
	i8.AppendValues(ds, nil)
	dIdx := i8.NewArray()
	xb := array.NewFloat32Builder(mem)
	xb.AppendValues(xs, nil)
	x := xb.NewArray()
	cols := []arrow.Array{array.NewDictionaryArray(sType, kIdx, sDict), x, array.NewDictionaryArray(dType, dIdx, dDict)}
	rec := array.NewRecordBatch(schema, cols, int64(rows))
	defer rec.Release()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var w interface {
		Write(arrow.RecordBatch) error
		Close() error
	}
	if strings.HasSuffix(path, ".arrows") {
		w = ipc.NewWriter(f, ipc.WithSchema(schema))
	} else if w, err = ipc.NewFileWriter(f, ipc.WithSchema(schema)); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestAdversarialArrowDictionary: Arrow files and streams with
// dictionary-encoded columns cluster; the numeric dictionary column is a
// feature, the string one is not.
func TestAdversarialArrowDictionary(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	for _, ext := range []string{".arrow", ".arrows"} {
		t.Run(ext, func(t *testing.T) {
			data := filepath.Join(in, "dict"+ext)
			writeDictionaryArrow(t, data, 300)
			snap := takeSnapshot(t, in)
			model := filepath.Join(out, "dict"+ext+".json")
			runJob(t, "--input", data, "--k", "3", "--algo", "kmeans", "--model", model)
			m := readInputModel(t, model)
			sizes := slices.Sorted(slices.Values(m.ClusterSizes))
			if !slices.Equal(m.Columns, []string{"x", "d"}) || !slices.Equal(sizes, []int64{100, 100, 100}) {
				t.Fatalf("columns %v, cluster sizes %v; want [x d] and three clusters of 100", m.Columns, m.ClusterSizes)
			}
			snap.unchanged(t, in)
		})
	}
}

// TestAdversarialSymlinkedInput: a symbolic link to a directory given as
// --input, and links inside an input directory, are followed; a link loop
// fails with one line, not a hang.
func TestAdversarialSymlinkedInput(t *testing.T) {
	base, out := t.TempDir(), t.TempDir()
	real := filepath.Join(base, "real")
	more := filepath.Join(base, "more")
	for _, d := range []string{real, more} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	lines := threeBlobs(300, ",")
	writeInput(t, real, "a.csv", "x,y,z\n"+strings.Join(lines[:150], "\n")+"\n")
	writeInput(t, more, "b.csv", "x,y,z\n"+strings.Join(lines[150:], "\n")+"\n")
	link := filepath.Join(base, "link")
	if err := os.Symlink(real, link); err != nil {
		t.Skipf("symbolic links unavailable: %v", err)
	}
	if err := os.Symlink(more, filepath.Join(real, "more")); err != nil {
		t.Fatal(err)
	}
	snap := takeSnapshot(t, base)
	model := filepath.Join(out, "model.json")
	runJob(t, "--input", link, "--k", "3", "--model", model)
	if m := readInputModel(t, model); m.N != 300 {
		t.Fatalf("model n=%d, want the 300 rows of both files", m.N)
	}
	snap.unchanged(t, base)

	loop := filepath.Join(more, "loop")
	if err := os.Symlink(real, loop); err != nil {
		t.Fatal(err)
	}
	snap = takeSnapshot(t, base)
	refused(t, t.TempDir(), exitFailed, []string{"run", "--workers", "1", "--input", link, "--k", "3"}, "symbolic link loop", "loop")
	snap.unchanged(t, base)
}

// TestAdversarialInitFromColumns: --init-from matches a model's centres to
// the features by name. A model whose columns are in another order gives
// the model of one in the job's order; a model of other columns is
// refused, naming the missing and extra ones.
func TestAdversarialInitFromColumns(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	data := writeInput(t, in, "data.csv", "x,y,z\n"+strings.Join(threeBlobs(300, ","), "\n")+"\n")
	// Starting centres near, not at, the clusters, so that the one
	// iteration allowed moves them.
	start := wire.Model{Algorithm: "kmeans", K: 3, Columns: []string{"x", "y", "z"},
		Centers: [][]float64{{1, -1, 3}, {9, -8, 19}, {18, -21, 41}}}
	permuted := start
	permuted.Columns = []string{"z", "x", "y"}
	permuted.Centers = nil
	for _, c := range start.Centers {
		permuted.Centers = append(permuted.Centers, []float64{c[2], c[0], c[1]})
	}
	other := start
	other.Columns = []string{"x", "y", "w"}
	write := func(name string, m wire.Model) string {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return writeInput(t, in, name, string(b))
	}
	inOrder, reordered, others := write("start.json", start), write("permuted.json", permuted), write("other.json", other)
	snap := takeSnapshot(t, in)
	common := []string{"--input", data, "--k", "3", "--algo", "kmeans", "--max-iter", "1"}
	runJob(t, append(common, "--init-from", inOrder, "--model", filepath.Join(out, "a.json"))...)
	runJob(t, append(common, "--init-from", reordered, "--model", filepath.Join(out, "b.json"))...)
	a, b := readInputModel(t, filepath.Join(out, "a.json")), readInputModel(t, filepath.Join(out, "b.json"))
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("a model with its columns in another order gave another result:\n%+v\n%+v", a, b)
	}
	refused(t, t.TempDir(), exitUsage, slices.Concat([]string{"run"}, common, []string{"--init-from", others}), "missing: z", "extra: w")
	snap.unchanged(t, in)
}

// TestAdversarialInapplicableOptions: an option the chosen algorithm would
// ignore is refused with exit 2 and one line naming it, before any work.
func TestAdversarialInapplicableOptions(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	data := writeInput(t, in, "data.csv", "x,y,z,w\n"+strings.Join(threeBlobs(30, ","), ",1\n")+",1\n")
	b, _ := json.Marshal(wire.Model{Algorithm: "kmeans", K: 3, Columns: []string{"x", "y", "z"},
		Centers: [][]float64{{0, 0, 0}, {10, -10, 20}, {20, -20, 40}}})
	model := writeInput(t, in, "model.json", string(b))
	snap := takeSnapshot(t, in, out)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--algo", "kmeans", "--silhouette", "100"}, "--silhouette"},
		{[]string{"--algo", "minibatch", "--silhouette", "100"}, "--silhouette"},
		{[]string{"--columns", "x,y", "--exclude", "z"}, "--exclude"},
		{[]string{"--algo", "pam", "--precomputed", "--metric", "manhattan"}, "--metric"},
		{[]string{"--algo", "minibatch", "--samples", "3"}, "--samples"},
		{[]string{"--algo", "fasterpam", "--sample-size", "20"}, "--sample-size"},
		{[]string{"--algo", "fastclara", "--numlocal", "2"}, "--numlocal"},
		{[]string{"--algo", "kmeans", "--maxneighbor", "0.5"}, "--maxneighbor"},
		{[]string{"--algo", "kmeans", "--batch-size", "100"}, "--batch-size"},
		{[]string{"--algo", "fasterpam", "--init-from", model}, "--init-from"},
		{[]string{"--algo", "pam", "--weight", "w"}, "--weight"},
		{[]string{"--algo", "pam", "--tol", "0.1"}, "--tol"},
		{[]string{"--algo", "clarans", "--max-iter", "3"}, "--max-iter"},
		{[]string{"--algo", "fastclarans", "--init", "build"}, "--init"},
		{[]string{"--algo", "fasterpam", "--init", "kmeans||"}, "--init kmeans||"},
		{[]string{"--algo", "kmeans", "--init", "random", "--init-from", model}, "--init"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			args := slices.Concat([]string{"run", "--input", data, "--k", "3", "--model", filepath.Join(out, "m.json")}, c.args)
			refused(t, t.TempDir(), exitUsage, args, c.want)
		})
	}
	snap.unchanged(t, in, out)
}
