package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
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
	orig := filepath.Join("..", "..", "algo", "validity", "testdata", "iris.csv")
	before, err := os.ReadFile(orig)
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(t.TempDir(), "iris.csv")
	if err := os.WriteFile(data, before, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--k", "1..3"}, "--k"},
		{[]string{"--k", "2..4", "--select", "max_medoid_silhouette"}, "needs a k-medoids algorithm"},
		{[]string{"--k", "2..4", "--select", "best"}, `--select "best"`},
		{[]string{"--k", "5", "--select", "max_silhouette"}, "apply to a range of k"},
		{[]string{"--k", "2..4", "--selection", filepath.Join("x", "s.json"), "--model", filepath.Join("x", "s.json")}, "--model and --selection both name"},
		// The report must never land on the input or the labels.
		{[]string{"--k", "2..4", "--model", filepath.Join("x", "m.json"), "--selection", data}, "is the input"},
		{[]string{"--k", "2..4", "--model", filepath.Join("x", "m.json"), "--out", filepath.Join("x", "m.selection.json")}, "also the model or labels path"},
	} {
		args := append([]string{"run", "-q", "--workers", "1", "--input", data, "--columns", "f0,f1,f2,f3"}, c.args...)
		code, _, errOut := shoal(t, args...)
		if code != 2 || !strings.Contains(errOut, c.want) || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and one line with %q", c.args, code, errOut, c.want)
		}
	}
	if after, err := os.ReadFile(data); err != nil || !bytes.Equal(after, before) {
		t.Errorf("the input changed: %v", err)
	}
	// The largest k must be below the rows: iris has 150.
	code, _, errOut := shoal(t, "run", "-q", "--workers", "1", "--input", data, "--columns", "f0,f1,f2,f3", "--k", "2,150", "--algo", "kmeans")
	if code == 0 || !strings.Contains(errOut, "the largest k of the range, 150, must be smaller than the number of rows (150)") {
		t.Errorf("k up to n: exit %d, stderr %q", code, errOut)
	}
}
