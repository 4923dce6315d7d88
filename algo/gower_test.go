package algo

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The reference values in testdata/gower come from R's cluster package
// (daisy, pam) and stats::dist; testdata/gower/export.R wrote them.

// readGowerCSV reads a CSV of testdata/gower and prepares it as Gower
// expects: a column whose cells all parse as numbers keeps its values and
// has its range (max − min, 0 for one value); any other column is
// nominal, coded by the rank of its value among the column's sorted
// distinct values, with range 1.
func readGowerCSV(t *testing.T, name string) (data []float32, ranges []float64, n, d int) {
	t.Helper()
	rows := readRefCSV(t, name)
	n, d = len(rows), len(rows[0])
	data = make([]float32, n*d)
	ranges = make([]float64, d)
	for j := range d {
		nums := make([]float64, n)
		numeric := true
		for i := range n {
			v, err := strconv.ParseFloat(rows[i][j], 64)
			if err != nil {
				numeric = false
				break
			}
			nums[i] = v
		}
		if numeric {
			ranges[j] = slices.Max(nums) - slices.Min(nums)
			for i, v := range nums {
				data[i*d+j] = float32(v)
			}
			continue
		}
		var levels []string
		for i := range n {
			levels = append(levels, rows[i][j])
		}
		slices.Sort(levels)
		levels = slices.Compact(levels)
		ranges[j] = 1
		for i := range n {
			c, _ := slices.BinarySearch(levels, rows[i][j])
			data[i*d+j] = float32(c)
		}
	}
	return data, ranges, n, d
}

// readRefCSV returns the records of a testdata/gower CSV after its header.
func readRefCSV(t *testing.T, name string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "gower", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs[1:]
}

// gowerDataset is a reference dataset as Vectors: Gower with its ranges,
// or Jaccard for the 0/1 matrix "binary".
func gowerDataset(t *testing.T, name string) *Vectors {
	t.Helper()
	m := Gower
	if name == "binary" {
		m = Jaccard
	}
	data, ranges, n, d := readGowerCSV(t, name+".csv")
	v, err := NewVectors(data, n, d, m)
	if err != nil {
		t.Fatal(err)
	}
	if m == Gower {
		v.Ranges = ranges
	}
	return v
}

// TestGowerJaccardMatchR checks single dissimilarities against
// daisy(metric = "gower") on flower and warpbreaks and against
// dist(method = "binary") on a 0/1 matrix.
func TestGowerJaccardMatchR(t *testing.T) {
	for _, rec := range readRefCSV(t, "pairs.csv") {
		v := gowerDataset(t, rec[0])
		i, _ := strconv.Atoi(rec[1])
		j, _ := strconv.Atoi(rec[2])
		want, _ := strconv.ParseFloat(rec[3], 64)
		got := v.distance(v.row(i), v.row(j))
		if math.Abs(got-want) > 1e-12*want {
			t.Errorf("%s d(%d,%d) = %.17g, R says %.17g", rec[0], i, j, got, want)
		}
		if back := v.distance(v.row(j), v.row(i)); back != got {
			t.Errorf("%s d(%d,%d) = %v but d(%d,%d) = %v", rec[0], i, j, got, j, i, back)
		}
		if at := v.At(i, j); at != float32(got) {
			t.Errorf("%s At(%d,%d) = %v, distance %v", rec[0], i, j, at, got)
		}
	}
}

// TestGowerPAMMatchesR runs PAM and FasterPAM (from BUILD) on the Gower
// matrix of flower and warpbreaks and the Jaccard matrix of a 0/1
// matrix, and checks R's pam medoids and total deviation (objective × n).
func TestGowerPAMMatchesR(t *testing.T) {
	for _, rec := range readRefCSV(t, "reference.csv") {
		v := gowerDataset(t, rec[0])
		k, _ := strconv.Atoi(rec[1])
		var want []int
		for _, f := range strings.Fields(rec[2]) {
			x, _ := strconv.Atoi(f)
			want = append(want, x)
		}
		slices.Sort(want)
		td, _ := strconv.ParseFloat(rec[4], 64)
		lt, err := BuildLowerTriangle(v, 1)
		if err != nil {
			t.Fatal(err)
		}
		pam, err := PAM(lt, k, 100)
		if err != nil {
			t.Fatal(err)
		}
		build, err := InitialMedoids(lt, k, InitBuild, nil)
		if err != nil {
			t.Fatal(err)
		}
		fp, err := FasterPAM(lt, build, 100)
		if err != nil {
			t.Fatal(err)
		}
		for name, res := range map[string]*KMedoidsResult{"pam": pam, "fasterpam": fp} {
			loss := gowerLoss(v, res.Medoids)
			if got := slices.Sorted(slices.Values(res.Medoids)); !slices.Equal(got, want) {
				// Several medoid sets can have the same loss (warpbreaks
				// has rows that differ only in breaks, at equal distance
				// from the rest): R keeps the first its scan finds. Another
				// one is right only if it is exactly as good.
				if rl := gowerLoss(v, want); math.Abs(rl-loss) > 1e-12*rl {
					t.Errorf("%s %s k=%d: medoids %v (loss %.17g), R's pam %v (loss %.17g)", rec[0], name, k, got, loss, want, rl)
					continue
				}
				t.Logf("%s %s k=%d: medoids %v tie with R's %v", rec[0], name, k, got, want)
			}
			if math.Abs(loss-td) > 1e-9*td {
				t.Errorf("%s %s k=%d: total deviation %.17g, R's %.17g (relative %.2g)", rec[0], name, k, loss, td, math.Abs(loss-td)/td)
			}
		}
	}
}

// gowerLoss is the total deviation of medoids over v, in float64.
func gowerLoss(v *Vectors, medoids []int) float64 {
	loss := 0.0
	for i := range v.N {
		best := math.Inf(1)
		for _, c := range medoids {
			best = math.Min(best, v.distance(v.row(i), v.row(c)))
		}
		loss += best
	}
	return loss
}

// TestGowerHandCases checks the rules a reader can verify by hand: a
// nominal mismatch adds 1 whatever the codes, a column of range 0 adds 0
// but counts in the mean, NaN columns are left out of a pair's mean, and
// Jaccard of two all-zero vectors is 0.
func TestGowerHandCases(t *testing.T) {
	ranges := []float64{10, 1, 0}
	cases := []struct {
		a, b []float32
		want float64
	}{
		{[]float32{0, 0, 5}, []float32{5, 7, 5}, (0.5 + 1 + 0) / 3},
		{[]float32{0, 2, 5}, []float32{10, 2, 5}, 1.0 / 3},
		{[]float32{float32(math.NaN()), 0, 5}, []float32{4, 1, 5}, 1.0 / 2},
		{[]float32{float32(math.NaN()), 0, 5}, []float32{4, float32(math.NaN()), float32(math.NaN())}, 1},
	}
	for _, c := range cases {
		if got := GowerDistance(c.a, c.b, ranges); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("GowerDistance(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
	// An asymmetric binary column (range −1, daisy's "A"): two falses
	// leave it out, a true on either side counts 0 or 1.
	asym := []float64{10, -1}
	for _, c := range []struct {
		a, b []float32
		want float64
	}{
		{[]float32{0, 0}, []float32{5, 0}, 0.5},
		{[]float32{0, 1}, []float32{5, 0}, (0.5 + 1) / 2},
		{[]float32{0, 1}, []float32{5, 1}, 0.5 / 2},
	} {
		if got := GowerDistance(c.a, c.b, asym); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("asymmetric: GowerDistance(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
	if got := Distance(Jaccard, []float32{0, 0, 0}, []float32{0, 0, 0}); got != 0 {
		t.Errorf("Jaccard of zero vectors = %v", got)
	}
	if got := Distance(Jaccard, []float32{1, 0, 2, 0}, []float32{3, 1, 0, 0}); got != 2.0/3 {
		t.Errorf("Jaccard = %v, want 2/3", got)
	}
}
