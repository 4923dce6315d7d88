package main

import (
	"encoding/json"
	"fmt"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/algo/validity"
	"github.com/shoal-io/shoal/internal/report"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// sweep runs shoal for every k in ks on data and scores each fit with
// package validity, the way a k sweep does, then writes the selection
// report to path. It returns the directory holding each k's model and
// labels (model-<k>.json, labels-<k>.csv).
func sweep(t *testing.T, data, path string, ks []int) string {
	t.Helper()
	dir := filepath.Dir(path)
	ds, err := partition.Scan([]string{data}, partition.Options{Exclude: []string{"label"}})
	if err != nil {
		t.Fatal(err)
	}
	blk, err := partition.ReadAll(ds, partition.NullsError)
	if err != nil {
		t.Fatal(err)
	}
	const sampleSize, seed = 800, 3
	picked, err := validity.SampleRows(blk.Len(), sampleSize, seed)
	if err != nil {
		t.Fatal(err)
	}
	sel := validity.Selection{Rule: validity.RuleSilhouette, SampleSize: len(picked), Seed: seed}
	for _, k := range ks {
		model := filepath.Join(dir, "model-"+strconv.Itoa(k)+".json")
		labels := filepath.Join(dir, "labels-"+strconv.Itoa(k)+".csv")
		if code, _, e := shoal(t, "run", "-q", "--workers", "1", "--input", data, "--exclude", "label",
			"--k", strconv.Itoa(k), "--algo", "fasterpam", "--model", model, "--out", labels); code != 0 {
			t.Fatalf("run k=%d: %s", k, e)
		}
		m, err := readReportModel(model)
		if err != nil {
			t.Fatal(err)
		}
		cl, err := partition.ReadIntColumn([]string{labels}, "cluster")
		if err != nil {
			t.Fatal(err)
		}
		lab := make([]int32, len(cl))
		for i, c := range cl {
			lab[i] = int32(c)
		}
		all := validity.Data{X: blk.Data, D: blk.D, Labels: lab, K: k}
		ch, db, err := validity.Scatter(all)
		if err != nil {
			t.Fatal(err)
		}
		smp := validity.Data{D: blk.D, K: k}
		for _, r := range picked {
			smp.X = append(smp.X, blk.Data[r*blk.D:(r+1)*blk.D]...)
			smp.Labels = append(smp.Labels, lab[r])
		}
		sil, err := validity.Silhouette(smp, algo.Euclidean, runtime.GOMAXPROCS(0))
		if err != nil {
			t.Fatal(err)
		}
		var centres []float32
		for _, c := range m.Centers {
			for _, v := range c {
				centres = append(centres, float32(v))
			}
		}
		msil, err := validity.MedoidSilhouette(blk.Data, blk.D, centres, algo.Euclidean)
		if err != nil {
			t.Fatal(err)
		}
		sel.Scores = append(sel.Scores, validity.Score{K: k, Loss: m.TotalDeviation, Silhouette: sil,
			MedoidSilhouette: &msil, CalinskiHarabasz: ch, DaviesBouldin: db})
	}
	if sel.ChosenK, err = validity.Choose(sel.Scores, sel.Rule); err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(sel, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// pngStats decodes a PNG and counts its distinct colours.
func pngStats(t *testing.T, path string) (w, h, colours int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	seen := map[color.RGBA]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			seen[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)] = true
		}
	}
	return b.Dx(), b.Dy(), len(seen)
}

// TestReport fits four blobs for k = 2..6, writes a selection report as
// a sweep would, and draws the full report: every PNG must decode at the
// documented size with the clusters' colours in it, and index.html must
// show each of them and the chosen k. The input is a directory of two
// files, so the report's passes cross shards; its indices must equal the
// sweep's, which computed them in one pass over all rows in memory.
// SHOAL_REPORT_DIR keeps the report there for a look.
func TestReport(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "blobs")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	// The same four blobs in both files: two shards of one data set.
	for i := range 2 {
		part := filepath.Join(data, "part-"+strconv.Itoa(i)+".csv")
		if code, _, e := shoal(t, "gen", "blobs", "--n", "750", "--d", "4", "--k", "4", "--seed", "11", "--out", part); code != 0 {
			t.Fatalf("gen: %s", e)
		}
	}
	selPath := filepath.Join(dir, "selection.json")
	sweep(t, data, selPath, []int{2, 3, 4, 5, 6})
	out := filepath.Join(dir, "report")
	if keep := os.Getenv("SHOAL_REPORT_DIR"); keep != "" {
		out = keep
	}
	// The sweep's sample: 800 rows drawn with seed 3.
	code, stdout, e := shoal(t, "report", "--model", filepath.Join(dir, "model-4.json"), "--labels", filepath.Join(dir, "labels-4.csv"),
		"--input", data, "--selection", selPath, "--sample", "800", "--seed", "3", "--out", out)
	if code != 0 {
		t.Fatalf("report: exit %d: %s", code, e)
	}
	if !strings.Contains(stdout, "index.html") {
		t.Errorf("stdout: %q", stdout)
	}
	wantW, wantH := report.PixelSize()
	html, err := os.ReadFile(filepath.Join(out, report.IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{report.SizesFile, report.SilhouetteFile, report.ProjectionFile, report.SelectionFile} {
		w, h, colours := pngStats(t, filepath.Join(out, name))
		if w != wantW || h != wantH {
			t.Errorf("%s is %d×%d, want %d×%d", name, w, h, wantW, wantH)
		}
		// Four cluster colours (three in k.png), black, white and the
		// anti-aliased shades between them.
		if colours < 20 {
			t.Errorf("%s has %d distinct colours: a blank or one-colour plot", name, colours)
		}
		if !strings.Contains(string(html), `src="`+name+`"`) {
			t.Errorf("index.html does not show %s", name)
		}
	}
	var sel validity.Selection
	b, _ := os.ReadFile(selPath)
	if err := json.Unmarshal(b, &sel); err != nil {
		t.Fatal(err)
	}
	if sel.ChosenK != 4 {
		t.Errorf("four well-separated blobs: the sweep chose k=%d", sel.ChosenK)
	}
	for _, want := range []string{"k=4", "fasterpam", "Calinski–Harabasz", "medoid silhouette", `class="chosen"`} {
		if !strings.Contains(string(html), want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	k4 := sel.Scores[2]
	for _, c := range []struct {
		row  string
		want float64
	}{
		{`silhouette \(exact on 800 sampled rows\)`, k4.Silhouette},
		{`medoid silhouette \(1500 rows\)`, *k4.MedoidSilhouette},
		{`Calinski–Harabasz \(1500 rows, higher is better\)`, k4.CalinskiHarabasz},
		{`Davies–Bouldin \(1500 rows, lower is better\)`, k4.DaviesBouldin},
	} {
		m := regexp.MustCompile(c.row + `</th><td class="num">([-0-9.e+]+)<`).FindSubmatch(html)
		if m == nil {
			t.Errorf("index.html has no row %s", c.row)
			continue
		}
		// The page prints six significant digits.
		if v, _ := strconv.ParseFloat(string(m[1]), 64); math.Abs(v-c.want) > 5e-6*math.Abs(c.want) {
			t.Errorf("%s on the page is %v, the sweep computed %v", c.row, v, c.want)
		}
	}
}

// TestReportPartialLabels: a labels file that covers some rows of the
// input (as after --nulls drop) is reported on those rows alone.
func TestReportPartialLabels(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	model := write("model.json", `{"algorithm":"kmeans","k":2,"metric":"euclidean","n":3,"columns":["a"],"centers":[[0.5],[5]],"cluster_sizes":[2,1]}`)
	data := write("data.csv", "a\n0\n1\n99\n5\n")
	labels := write("labels.csv", "row,cluster,distance\n0,0,0.5\n1,0,0.5\n3,1,0\n")
	out := filepath.Join(dir, "r")
	if code, _, e := shoal(t, "report", "--model", model, "--labels", labels, "--input", data, "--out", out); code != 0 {
		t.Fatalf("report: %s", e)
	}
	html, _ := os.ReadFile(filepath.Join(out, report.IndexFile))
	// Rows 0, 1 in cluster 0 and row 3 in cluster 1 (the 99 is not
	// labelled): s(0) = (5−1)/5, s(1) = (4−1)/4, s(5) = 0 (a singleton);
	// means 0.5 and 5, grand mean 2, B = 2·1.5² + 1·3² = 13.5, W = 0.5,
	// CH = 13.5·(3−2)/(0.5·(2−1)) = 27.
	wantSil := ((5.0-1)/5 + (4.0-1)/4) / 3
	for _, c := range []struct {
		row  string
		want float64
	}{
		{`silhouette \(exact on 3 sampled rows\)`, wantSil},
		{`Calinski–Harabasz \(3 rows, higher is better\)`, 27},
	} {
		m := regexp.MustCompile(c.row + `</th><td class="num">([-0-9.e+]+)<`).FindSubmatch(html)
		if m == nil {
			t.Fatalf("index.html has no row %s:\n%s", c.row, html)
		}
		if v, _ := strconv.ParseFloat(string(m[1]), 64); math.Abs(v-c.want) > 5e-6*c.want {
			t.Errorf("%s = %v, want %v", c.row, v, c.want)
		}
	}
}

// TestReportModelOnly: without labels and input the report is the sizes
// from the model, and a second report into the same directory removes the
// plots the first drew that it does not.
func TestReportModelOnly(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model.json")
	mod := wire.Model{Algorithm: "kmeans", K: 3, Metric: "euclidean", N: 60, Columns: []string{"a", "b"},
		Centers: [][]float64{{0, 0}, {1, 1}, {2, 2}}, ClusterSizes: []int64{10, 20, 30}}
	b, _ := json.Marshal(mod)
	if err := os.WriteFile(model, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "r")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(out, report.SilhouetteFile)
	mine := filepath.Join(out, "notes.txt")
	for _, p := range []string{stale, mine} {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, e := shoal(t, "report", "--model", model, "--out", out); code != 0 {
		t.Fatalf("report: %s", e)
	}
	if _, _, colours := pngStats(t, filepath.Join(out, report.SizesFile)); colours < 3 {
		t.Errorf("sizes.png has %d colours", colours)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the stale silhouette.png is still there: %v", err)
	}
	if _, err := os.Stat(mine); err != nil {
		t.Errorf("a file the report did not write was touched: %v", err)
	}
	html, _ := os.ReadFile(filepath.Join(out, report.IndexFile))
	if strings.Contains(string(html), report.SilhouetteFile) || !strings.Contains(string(html), report.SizesFile) {
		t.Errorf("index.html shows the wrong plots:\n%s", html)
	}
}

// TestReportErrors: bad input fails with exit 1 or 2 and one line that
// names the file, and nothing is written.
func TestReportErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	model := write("model.json", `{"algorithm":"kmeans","k":2,"metric":"euclidean","n":4,"columns":["a","b"],"centers":[[0,0],[5,5]],"cluster_sizes":[2,2]}`)
	data := write("data.csv", "a,b\n0,0\n0,1\n5,5\n5,6\n")
	labels := write("labels.csv", "row,cluster,distance\n0,0,0\n1,0,1\n2,1,0\n3,1,1\n")
	badCluster := write("bad-cluster.csv", "row,cluster,distance\n0,0,0\n1,0,1\n2,1,0\n3,2,1\n")
	badRow := write("bad-row.csv", "row,cluster,distance\n0,0,0\n9,0,1\n")
	twice := write("twice.csv", "row,cluster,distance\n0,0,0\n0,1,1\n")
	notModel := write("not-model.json", `[1,2]`)
	wrongCenters := write("wrong-centers.json", `{"algorithm":"kmeans","k":3,"columns":["a","b"],"centers":[[0,0],[5,5]]}`)
	otherCols := write("other-cols.json", `{"algorithm":"kmeans","k":2,"metric":"euclidean","columns":["x","y"],"centers":[[0,0],[5,5]]}`)
	sel := write("sel.json", `{"rule":"max_silhouette","chosen_k":2,"scores":[{"k":2,"loss":1,"silhouette":0.1,"calinski_harabasz":1,"davies_bouldin":1},{"k":3,"loss":1,"silhouette":0.5,"calinski_harabasz":1,"davies_bouldin":1}]}`)
	selTypo := write("sel-typo.json", `{"rule":"max_silhouette","chosen_k":2,"scores":[{"k":2,"los":1}]}`)
	out := filepath.Join(dir, "out")
	cases := []struct {
		name string
		args []string
		code int
		want string // in the one line of stderr
	}{
		{"no model", []string{"--out", out}, 2, "--model and --out are required"},
		{"labels without input", []string{"--model", model, "--labels", labels, "--out", out}, 2, "go together"},
		{"missing model", []string{"--model", filepath.Join(dir, "none.json"), "--out", out}, 1, "none.json"},
		{"not a model", []string{"--model", notModel, "--out", out}, 1, "not-model.json: not a model file"},
		{"centers for other k", []string{"--model", wrongCenters, "--out", out}, 1, "wrong-centers.json: 2 centers for k=3"},
		{"cluster beyond k", []string{"--model", model, "--labels", badCluster, "--input", data, "--out", out}, 1, "bad-cluster.csv: row 3 has cluster 2"},
		{"row beyond the input", []string{"--model", model, "--labels", badRow, "--input", data, "--out", out}, 1, "bad-row.csv: row 9 is outside the 4 rows"},
		{"row twice", []string{"--model", model, "--labels", twice, "--input", data, "--out", out}, 1, "twice.csv: row 0 is labelled twice"},
		{"columns not in input", []string{"--model", otherCols, "--labels", labels, "--input", data, "--out", out}, 1, "data.csv"},
		{"chosen_k the rule does not pick", []string{"--model", model, "--selection", sel, "--out", out}, 1, "sel.json: validity: inconsistent selection report: chosen_k=2 but max_silhouette picks k=3"},
		{"unknown key", []string{"--model", model, "--selection", selTypo, "--out", out}, 1, `sel-typo.json: not a selection report: json: unknown field "los"`},
		{"out is an input", []string{"--model", model, "--out", model}, 2, "model.json"},
		{"input inside out", []string{"--model", model, "--labels", labels, "--input", data, "--out", dir}, 2, "inside the output directory"},
		{"sample of one", []string{"--model", model, "--sample", "1", "--out", out}, 2, "--sample must be at least 2"},
	}
	for _, c := range cases {
		code, _, e := shoal(t, append([]string{"report"}, c.args...)...)
		if code != c.code || !strings.Contains(e, c.want) || strings.Count(e, "\n") != 1 {
			t.Errorf("%s: exit %d, stderr %q; want exit %d and one line with %q", c.name, code, e, c.code, c.want)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed report created %s", out)
	}
	// The inputs are untouched.
	if b, _ := os.ReadFile(model); !strings.HasPrefix(string(b), `{"algorithm":"kmeans"`) {
		t.Errorf("model.json changed: %s", b)
	}
}

// TestReportHelp: --help says what each plot needs and what the
// selection report holds.
func TestReportHelp(t *testing.T) {
	code, out, _ := shoal(t, "report", "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"silhouette.png", "projection.png", "k.png", "sizes.png", `"chosen_k"`, "max_silhouette", "--labels", "--selection"} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

// TestRunSweepReport runs a k sweep from the command line and draws its
// selection report with shoal report: the report a sweep writes is one
// that report reads, and --json carries the chosen k and the table.
func TestRunSweepReport(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join("..", "..", "algo", "validity", "testdata", "iris.csv")
	model := filepath.Join(dir, "m.json")
	labels := filepath.Join(dir, "labels.csv")
	code, out, errOut := shoal(t, "run", "-q", "--workers", "2", "--input", data, "--columns", "f0,f1,f2,f3",
		"--k", "2..5", "--algo", "fasterpam", "--seed", "3", "--model", model, "--out", labels, "--json")
	if code != 0 {
		t.Fatalf("sweep: exit %d: %s", code, errOut)
	}
	var sum struct {
		K         int `json:"k"`
		Selection struct {
			validity.Selection
			Report string `json:"report"`
		} `json:"selection"`
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	sel := filepath.Join(dir, "m.selection.json")
	if sum.Selection.Report != sel || len(sum.Selection.Scores) != 4 || sum.K != sum.Selection.ChosenK {
		t.Errorf("--json summary: k=%d, selection %+v", sum.K, sum.Selection)
	}
	if err := sum.Selection.Validate(); err != nil {
		t.Error(err)
	}
	for _, s := range sum.Selection.Scores {
		if s.MedoidSilhouette == nil {
			t.Errorf("k=%d of a k-medoids sweep has no medoid silhouette", s.K)
		}
	}
	rep := filepath.Join(dir, "report")
	code, _, errOut = shoal(t, "report", "--model", model, "--labels", labels, "--input", data, "--selection", sel, "--out", rep)
	if code != 0 {
		t.Fatalf("report: exit %d: %s", code, errOut)
	}
	if st, err := os.Stat(filepath.Join(rep, "k.png")); err != nil || st.Size() == 0 {
		t.Errorf("report drew no plot against k: %v", err)
	}
	// Without --json the summary shows the table with the chosen k.
	code, out, errOut = shoal(t, "run", "-q", "--workers", "2", "--input", data, "--columns", "f0,f1,f2,f3",
		"--k", "2,3", "--algo", "kmeans", "--seed", "3")
	if code != 0 || !strings.Contains(out, "k chosen by max_silhouette: 2") {
		t.Errorf("summary: exit %d\n%s%s", code, out, errOut)
	}
}

// A scaled model is reported in the space it clustered: the report's own
// silhouette, Calinski–Harabasz and Davies–Bouldin of the chosen k,
// computed from the input file and the labels, equal the sweep's, which
// the workers computed on the scaled features; on raw wine features
// (proline spans thousands) they would not.
func TestReportScaledModel(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join("..", "..", "algo", "validity", "testdata", "wine.csv")
	cols := make([]string, 13)
	for i := range cols {
		cols[i] = fmt.Sprintf("f%d", i)
	}
	model, labels := filepath.Join(dir, "m.json"), filepath.Join(dir, "labels.csv")
	code, _, errOut := shoal(t, "run", "-q", "--workers", "2", "--input", data, "--columns", strings.Join(cols, ","),
		"--scale", "standard", "--k", "2..4", "--algo", "kmeans", "--seed", "2", "--model", model, "--out", labels)
	if code != 0 {
		t.Fatalf("sweep: exit %d: %s", code, errOut)
	}
	sel, err := readSelection(filepath.Join(dir, "m.selection.json"))
	if err != nil {
		t.Fatal(err)
	}
	in, err := gatherReport(reportFlags{model: model, labels: labels, inputs: []string{data}, sample: 2000, seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var want validity.Score
	for _, s := range sel.Scores {
		if s.K == sel.ChosenK {
			want = s
		}
	}
	got := in.Indices
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"silhouette", got.Silhouette, want.Silhouette},
		{"Calinski–Harabasz", got.CalinskiHarabasz, want.CalinskiHarabasz},
		{"Davies–Bouldin", got.DaviesBouldin, want.DaviesBouldin},
	} {
		if math.Abs(c.got-c.want) > 1e-5*math.Abs(c.want) {
			t.Errorf("k=%d %s: report %.8f, sweep %.8f", sel.ChosenK, c.name, c.got, c.want)
		}
	}
	if len(in.Model.Centers) != sel.ChosenK || in.Model.Centers[0][12] > 10 {
		t.Errorf("the projection's centres are not the scaled ones: %v", in.Model.Centers)
	}
}
