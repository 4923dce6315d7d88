package coordinator

import (
	"context"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/storage"
)

// workerView is rows as the workers read them: each value minus its
// column's offset, in float64, rounded to float32.
func workerView(j *job, rows [][]float64) [][]float64 {
	out := make([][]float64, len(rows))
	for i, x := range rows {
		out[i] = make([]float64, len(x))
		for f, v := range x {
			out[i][f] = float64(float32(v - j.offset(f)))
		}
	}
	return out
}

// euclid is the Euclidean distance in float64, summed in order.
func euclid(a, b []float64) float64 {
	var s float64
	for f, v := range a {
		s += (v - b[f]) * (v - b[f])
	}
	return math.Sqrt(s)
}

// bruteAssign returns each row's nearest medoid (rows given by index)
// and the total deviation.
func bruteAssign(rows [][]float64, medoids []int64) ([]int, float64) {
	labels := make([]int, len(rows))
	var total float64
	for i, x := range rows {
		best := math.Inf(1)
		for c, m := range medoids {
			if d := euclid(x, rows[m]); d < best {
				best, labels[i] = d, c
			}
		}
		total += best
	}
	return labels, total
}

// readCSVRows reads the first d columns of a CSV file with a header.
func readCSVRows(t *testing.T, path string, d int) [][]float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rows := make([][]float64, len(recs)-1)
	for i, rec := range recs[1:] {
		rows[i] = make([]float64, d)
		for c := range d {
			if rows[i][c], err = strconv.ParseFloat(rec[c], 64); err != nil {
				t.Fatal(err)
			}
		}
	}
	return rows
}

// claraFit runs the CLARA family's fit of spec on a job of its own.
func claraFit(t *testing.T, c *Coordinator, spec wire.JobSpec) (*fitted, *job) {
	t.Helper()
	ctx := context.Background()
	j := newRunsJob(t, ctx, c, NewJobID(), spec, nil)
	fit, err := j.clara(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return fit, j
}

// With as many candidates as a cluster has rows, the refined medoids are
// a fixed point of the alternating algorithm, checked by brute force in
// float64: no row of any cluster (rows assigned to their nearest medoid)
// is a cheaper medoid for it. And refining never loses against the best
// sample alone.
func TestRefineFixedPoint(t *testing.T) {
	const n, d, k = 2000, 3, 6
	path, raw := blobsCSV(t, n, d, k, 21)
	c := runsStack(t, 2)
	spec := wire.JobSpec{Inputs: []string{path}, K: k, Algorithm: "fastclara", Seed: 5, ShardRows: 300, Samples: 2, SampleSize: 60}
	plain, _ := claraFit(t, c, spec)
	spec.Refine = n
	fit, j := claraFit(t, c, spec)
	rows := workerView(j, raw)
	labels, total := bruteAssign(rows, fit.medoidRows)
	_, plainTotal := bruteAssign(rows, plain.medoidRows)
	t.Logf("fastclara %.4f, refined %.4f (%+.3f%%): %s", plainTotal, total, 100*(total/plainTotal-1), fit.stop)
	if total > plainTotal*(1+1e-12) {
		t.Errorf("refined total deviation %v above fastclara's %v", total, plainTotal)
	}
	if math.Abs(total-fit.loss) > 1e-9*total {
		t.Errorf("refinement reports total deviation %v, brute force gives %v", fit.loss, total)
	}
	for cl, m := range fit.medoidRows {
		var members []int
		for i, l := range labels {
			if l == cl {
				members = append(members, i)
			}
		}
		cost := func(o int) float64 {
			var s float64
			for _, i := range members {
				s += euclid(rows[i], rows[o])
			}
			return s
		}
		own := cost(int(m))
		for _, o := range members {
			if v := cost(o); v < own-1e-9*total {
				t.Errorf("cluster %d: row %d costs %v, less than medoid row %d's %v", cl, o, v, m, own)
				break
			}
		}
	}
}

// The refined medoids do not depend on the number of workers, and a
// refinement stopped after a round resumes from its checkpoint to the
// medoids of an undisturbed one.
func TestRefineWorkersAndResume(t *testing.T) {
	path, _ := blobsCSV(t, 6000, 4, 8, 22)
	spec := wire.JobSpec{Inputs: []string{path}, K: 8, Algorithm: "fastclara", Seed: 6, ShardRows: 700, Samples: 2, SampleSize: 80, Refine: 16}
	one, _ := claraFit(t, runsStack(t, 1), spec)
	c := runsStack(t, 3)
	three, _ := claraFit(t, c, spec)
	if !slices.Equal(one.medoidRows, three.medoidRows) || one.loss != three.loss || one.stop != three.stop {
		t.Fatalf("1 worker: %v %v (%s); 3 workers: %v %v (%s)", one.medoidRows, one.loss, one.stop, three.medoidRows, three.loss, three.stop)
	}
	// Candidates cut into a group per cluster, a task each per shard,
	// give the same medoids.
	refineGroupBytes = 1
	grouped, _ := claraFit(t, c, spec)
	refineGroupBytes = 0
	if !slices.Equal(one.medoidRows, grouped.medoidRows) || one.loss != grouped.loss || one.stop != grouped.stop {
		t.Fatalf("one group: %v %v (%s); a group per cluster: %v %v (%s)", one.medoidRows, one.loss, one.stop, grouped.medoidRows, grouped.loss, grouped.stop)
	}
	if one.swaps < 1 {
		t.Fatalf("no medoid moved (%s): nothing to resume", one.stop)
	}
	ctx := context.Background()
	id := NewJobID()
	if _, err := c.opts.Store.CreateJob(id, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.opts.Store.Transition(id, storage.StateRunning, ""); err != nil {
		t.Fatal(err)
	}
	cut, cancel := context.WithCancel(ctx)
	first := newRunsJob(t, ctx, c, id, spec, func(p Progress) {
		if p.Phase == "refine" && p.Step == 2 {
			cancel()
		}
	})
	if _, err := first.clara(cut); err == nil {
		t.Fatal("the interrupted refinement ended")
	}
	cancel()
	if seq, _, err := c.opts.Store.Checkpoint(id, checkpointRefine); err != nil || seq != 2 {
		t.Fatalf("refine checkpoint %d, %v; want round 2", seq, err)
	}
	resumed := newRunsJob(t, ctx, c, id, spec, nil)
	got, err := resumed.clara(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.medoidRows, one.medoidRows) || got.loss != one.loss || got.stop != one.stop {
		t.Errorf("resumed: %v %v (%s); undisturbed: %v %v (%s)", got.medoidRows, got.loss, got.stop, one.medoidRows, one.loss, one.stop)
	}
}

// On R's xclara (3000×2, k=3) and scikit-learn's digits (1797×64, k=10),
// refining FastCLARA's medoids lowers their total deviation, to within
// 0.5% of FasterPAM (from BUILD) on all rows in one process. Every total
// deviation is computed here by brute force from the medoid rows.
func TestRefineQuality(t *testing.T) {
	if testing.Short() {
		t.Skip("FasterPAM on all rows takes seconds")
	}
	c := runsStack(t, 2)
	for _, tc := range []struct {
		name, path string
		d, k       int
		sampleSize int
	}{
		{"xclara", filepath.Join("..", "algo", "testdata", "xclara.csv"), 2, 3, 0},
		{"digits", filepath.Join("testdata", "digits.csv"), 64, 10, 0},
		{"digits-sample-200", filepath.Join("testdata", "digits.csv"), 64, 10, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := readCSVRows(t, tc.path, tc.d)
			var cols []string
			if tc.name != "xclara" {
				for f := range tc.d {
					cols = append(cols, "p"+strconv.Itoa(f))
				}
			}
			spec := wire.JobSpec{Inputs: []string{tc.path}, Columns: cols, K: tc.k, Algorithm: "fastclara", Seed: 1, ShardRows: 500, SampleSize: tc.sampleSize}
			plain, j := claraFit(t, c, spec)
			spec.Refine = 32
			fit, _ := claraFit(t, c, spec)
			rows := workerView(j, raw)
			_, plainTotal := bruteAssign(rows, plain.medoidRows)
			_, total := bruteAssign(rows, fit.medoidRows)

			data := make([]float32, 0, len(rows)*tc.d)
			for _, x := range rows {
				for _, v := range x {
					data = append(data, float32(v))
				}
			}
			v, err := algo.NewVectors(data, len(rows), tc.d, algo.Euclidean)
			if err != nil {
				t.Fatal(err)
			}
			init, err := algo.InitialMedoids(v, tc.k, algo.InitBuild, algo.NewRand(1))
			if err != nil {
				t.Fatal(err)
			}
			pam, err := algo.FasterPAM(v, init, 0)
			if err != nil {
				t.Fatal(err)
			}
			pamRows := make([]int64, len(pam.Medoids))
			for i, m := range pam.Medoids {
				pamRows[i] = int64(m)
			}
			_, pamTotal := bruteAssign(rows, pamRows)
			t.Logf("%s k=%d: FasterPAM %.4f; fastclara %.4f (%+.3f%%); refined %.4f (%+.3f%%), %s",
				tc.name, tc.k, pamTotal, plainTotal, 100*(plainTotal/pamTotal-1), total, 100*(total/pamTotal-1), fit.stop)
			if total > plainTotal*(1+1e-12) {
				t.Errorf("refined %v above fastclara's %v", total, plainTotal)
			}
			if total > pamTotal*1.005 {
				t.Errorf("refined %v more than 0.5%% above FasterPAM's %v", total, pamTotal)
			}
		})
	}
}

func TestRefineGroups(t *testing.T) {
	for _, c := range []struct {
		counts   []int
		d, bytes int
		want     [][2]int
	}{
		{[]int{1, 2, 3}, 2, 1 << 20, [][2]int{{0, 3}}},
		{[]int{1, 2, 3}, 2, 24, [][2]int{{0, 2}, {2, 3}}},
		{[]int{4, 1, 1}, 2, 8, [][2]int{{0, 1}, {1, 2}, {2, 3}}}, // a cluster alone beyond the budget
		{[]int{2, 2}, 1, 16, [][2]int{{0, 1}, {1, 2}}},           // costs of 8 bytes weigh more than d=1 floats
	} {
		if got := refineGroups(c.counts, c.d, c.bytes); !reflect.DeepEqual(got, c.want) {
			t.Errorf("refineGroups(%v, d=%d, %d bytes) = %v, want %v", c.counts, c.d, c.bytes, got, c.want)
		}
	}
}
