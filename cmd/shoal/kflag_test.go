package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/shoal-io/shoal/algo/validity"
)

func TestParseK(t *testing.T) {
	for _, c := range []struct {
		in      string
		k       int
		ks      []int
		refusal string // a part of the error, "" for none
	}{
		{in: "5", k: 5},
		{in: "2..20", ks: []int{2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}},
		{in: "2..3", ks: []int{2, 3}},
		{in: " 3 .. 5 ", ks: []int{3, 4, 5}},
		{in: "2,4,8", ks: []int{2, 4, 8}},
		{in: "8,2,4", ks: []int{2, 4, 8}},
		{in: "1..3", refusal: "starts at 2"},
		{in: "0..3", refusal: "starts at 2"},
		{in: "20..2", refusal: "write it low to high, 2..20"},
		{in: "4..4", refusal: "holds one k"},
		{in: "2..100000", refusal: "99999 values of k, at most 64"},
		{in: "2..66", refusal: "65 values of k"},
		{in: "a..b", refusal: `"a" is not a whole number`},
		{in: "2..", refusal: `"" is not a whole number`},
		{in: "2,4,4", refusal: "k=4 appears twice"},
		{in: "1,4", refusal: "at least 2"},
		{in: "2,x", refusal: `"x" is not a whole number`},
		{in: "five", refusal: "not a whole number"},
		{in: "99999999999999999999..100000000000000000000", refusal: "not a whole number"},
	} {
		k, ks, err := parseK(c.in)
		switch {
		case c.refusal != "":
			if err == nil || !strings.Contains(err.Error(), c.refusal) {
				t.Errorf("parseK(%q) = %d, %v, %v; want an error saying %q", c.in, k, ks, err, c.refusal)
			}
		case err != nil || k != c.k || !slices.Equal(ks, c.ks):
			t.Errorf("parseK(%q) = %d, %v, %v; want %d, %v", c.in, k, ks, err, c.k, c.ks)
		}
	}
}

// TestRunKRangeRefusals: a range the job cannot take is one line on
// stderr naming the flag, with exit code 2.
func TestRunKRangeRefusals(t *testing.T) {
	data := filepath.Join("..", "..", "algo", "validity", "testdata", "iris.csv")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--k", "1..3"}, "--k"},
		{[]string{"--k", "2..4", "--select", "max_medoid_silhouette"}, "needs a k-medoids algorithm"},
		{[]string{"--k", "2..4", "--select", "best"}, `--select "best"`},
		{[]string{"--k", "5", "--select", "max_silhouette"}, "apply to a range of k"},
		{[]string{"--k", "2..4", "--selection", filepath.Join("x", "s.json"), "--model", filepath.Join("x", "s.json")}, "--model and --selection both name"},
	} {
		args := append([]string{"run", "-q", "--workers", "1", "--input", data, "--columns", "f0,f1,f2,f3"}, c.args...)
		code, _, errOut := shoal(t, args...)
		if code != 2 || !strings.Contains(errOut, c.want) || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and one line with %q", c.args, code, errOut, c.want)
		}
	}
	// The largest k must be below the rows: iris has 150.
	code, _, errOut := shoal(t, "run", "-q", "--workers", "1", "--input", data, "--columns", "f0,f1,f2,f3", "--k", "2,150", "--algo", "kmeans")
	if code == 0 || !strings.Contains(errOut, "the largest k of the range, 150, must be smaller than the number of rows (150)") {
		t.Errorf("k up to n: exit %d, stderr %q", code, errOut)
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
