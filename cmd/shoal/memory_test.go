package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMemoryFlag(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		err  string
	}{
		{in: "2GiB", want: 2 << 30},
		{in: "512MiB", want: 512 << 20},
		{in: "1.5GiB", want: 3 << 29},
		{in: " 4gib ", want: 4 << 30},
		{in: "1GB", want: 1_000_000_000},
		{in: "128MiB", want: 128 << 20},
		{in: "127MiB", err: "below the least budget"},
		{in: "0", err: "below the least budget"},
		{in: "-1GiB", err: "want a size"},
		{in: "NaN", err: "want a size"},
		{in: "lots", err: "want a size"},
		{in: "", err: "want a size"},
		{in: "9EiB", err: "more memory than any machine has"},
		{in: "1e40", err: "want a size"},
	} {
		var m memoryFlag
		err := m.Set(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Set(%q) = %v, want an error with %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || m.bytes != tc.want {
			t.Errorf("Set(%q) = %d, %v; want %d", tc.in, m.bytes, err, tc.want)
		}
	}
}

func TestPlanMemory(t *testing.T) {
	p := planMemory(2 << 30)
	if p.Limit != 2<<30 || p.Blocks != 1<<30 || p.Nearest != 256<<20 {
		t.Errorf("planMemory(2GiB) = %+v", p)
	}
	// The default is a share of what the machine has, and never below
	// the least budget.
	d := planMemory(0)
	if d.Limit < minMemory || d.Limit > machineMemory() {
		t.Errorf("default budget %d outside [%d, %d]", d.Limit, minMemory, machineMemory())
	}
	if d.Blocks+d.Nearest >= d.Limit {
		t.Errorf("caches %d+%d leave nothing of %d for the work at hand", d.Blocks, d.Nearest, d.Limit)
	}
	// Without an input to size it by, the advice is heapAdvice, within
	// the budget.
	for _, budget := range []int64{512 << 20, 4 << 30} {
		if w := planMemory(budget); w.Advice != min(budget, heapAdvice) {
			t.Errorf("planMemory(%d) advises %d, want %d", budget, w.Advice, min(budget, heapAdvice))
		}
	}
}

// TestFitInputs: a run whose inputs are local files advises twice their
// bytes, at least minHeapAdvice and at most the budget and the default
// share of the machine; one whose size is not known here (a directory, a
// glob, an object, a missing file) keeps heapAdvice.
func TestFitInputs(t *testing.T) {
	dir := t.TempDir()
	file := func(name string, size int64) string {
		t.Helper()
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := f.Truncate(size); err != nil {
			t.Fatal(err)
		}
		return p
	}
	small, a, b := file("small.parquet", 1000), file("a.parquet", 300<<20), file("b.csv", 100<<20)
	huge := file("huge.parquet", machineMemory()/4) // sparse: no block is written
	share := machineShare()
	for _, tc := range []struct {
		name   string
		budget int64
		inputs []string
		want   int64
	}{
		{"two files", 4 << 30, []string{a, b}, min(800<<20, share)},
		{"capped by the budget", 512 << 20, []string{a, b}, min(512<<20, share)},
		{"a small file", 4 << 30, []string{small}, min(minHeapAdvice, share)},
		{"a directory", 4 << 30, []string{a, dir}, heapAdvice},
		{"a glob", 4 << 30, []string{filepath.Join(dir, "*.parquet")}, heapAdvice},
		{"an object", 4 << 30, []string{"s3://bucket/data.parquet"}, heapAdvice},
		{"a missing file", 4 << 30, []string{filepath.Join(dir, "none.parquet")}, heapAdvice},
		{"no input", 4 << 30, nil, heapAdvice},
		{"unknown, capped by the budget", 256 << 20, []string{dir}, 256 << 20},
		{"capped by the machine", 8 * machineMemory(), []string{huge}, share},
	} {
		p := planMemory(tc.budget)
		p.fitInputs(tc.inputs)
		if p.Advice != tc.want {
			t.Errorf("%s: advice %d, want %d", tc.name, p.Advice, tc.want)
		}
	}
}

// TestDoubledSum: twice the inputs' bytes, saturating rather than
// wrapping when files claim sizes near the int64 range (sparse files,
// which no test file system here can hold).
func TestDoubledSum(t *testing.T) {
	const top = math.MaxInt64 / 4 * 2
	for _, tc := range []struct {
		sizes []int64
		want  int64
	}{
		{nil, 0},
		{[]int64{1000, 24}, 2048},
		{[]int64{math.MaxInt64}, top},
		{[]int64{math.MaxInt64 / 4, 1}, top},
		{[]int64{math.MaxInt64, math.MaxInt64, math.MaxInt64}, top},
		{[]int64{1 << 40, math.MaxInt64 - 1}, top},
	} {
		if got := doubledSum(tc.sizes); got != tc.want || got < 0 {
			t.Errorf("doubledSum(%v) = %d, want %d", tc.sizes, got, tc.want)
		}
	}
}

func TestMemoryFlagRefusedOnCommandLine(t *testing.T) {
	var out, errb strings.Builder
	code := execute([]string{"worker", "--nats", "nats://127.0.0.1:1", "--memory", "12"}, &out, &errb)
	if code != 2 || !strings.Contains(errb.String(), "--memory") || strings.Count(strings.TrimSpace(errb.String()), "\n") > 1 {
		t.Errorf("exit %d, stderr %q: want exit 2 and one line naming --memory", code, errb.String())
	}
}
