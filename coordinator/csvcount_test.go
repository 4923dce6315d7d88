package coordinator_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// TestCSVRangesEndToEnd runs jobs on a CSV file twice: planned by byte
// ranges that the workers count, and staged, which the coordinator plans
// with its own counting pass as before. Models and labels must be the
// same: shard IDs, row offsets and so every sample, mini-batch draw and
// row index depend on the plan.
func TestCSVRangesEndToEnd(t *testing.T) {
	const n, d = 3000, 4
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(5, 5))
	var b strings.Builder
	b.WriteString("id,x0,x1,x2,x3,note\r\n")
	for i := range n {
		c := float64(i % 3 * 10)
		fmt.Fprintf(&b, "%d", i)
		for range d {
			fmt.Fprintf(&b, ",%s", formatF32(c+rng.NormFloat64()))
		}
		if i%7 == 0 {
			fmt.Fprintf(&b, ",\"a, %d\"\r\n", i)
		} else {
			b.WriteString(",b\r\n")
		}
		if i%50 == 0 {
			b.WriteString("\r\n")
		}
	}
	data := filepath.Join(dir, "data.csv")
	if err := os.WriteFile(data, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ds, err := partition.Scan([]string{data}, partition.Options{ShardRows: 256, Exclude: []string{"id"}, CSVRanges: true})
	if err != nil {
		t.Fatal(err)
	}
	if !ds.Uncounted() {
		t.Fatal("the file is not planned by byte ranges")
	}
	s := mustStartStack(t, 2)
	for _, algo := range []string{"minibatch", "fastclara"} {
		t.Run(algo, func(t *testing.T) {
			var models []*wire.Model
			var labels [][]int64
			for _, stage := range []bool{false, true} {
				out := filepath.Join(dir, fmt.Sprintf("%s-%v.parquet", algo, stage))
				m, err := s.run(t, wire.JobSpec{
					Inputs: []string{data}, Exclude: []string{"id"}, K: 3, Algorithm: algo,
					Seed: 11, ShardRows: 256, Out: out, Stage: stage,
				})
				if err != nil {
					t.Fatalf("stage %v: %v", stage, err)
				}
				m.Seconds, m.Timings, m.Tasks = 0, nil, nil
				models = append(models, m)
				got, err := partition.ReadIntColumn([]string{out}, "cluster")
				if err != nil {
					t.Fatal(err)
				}
				labels = append(labels, got)
				if m.N != n {
					t.Errorf("stage %v: %d rows, want %d", stage, m.N, n)
				}
			}
			if !reflect.DeepEqual(models[0], models[1]) {
				t.Errorf("model from byte ranges differs from the counted plan's:\n%+v\n%+v", models[0], models[1])
			}
			if !slices.Equal(labels[0], labels[1]) {
				t.Error("labels from byte ranges differ from the counted plan's")
			}
		})
	}
}

func formatF32(v float64) string {
	return fmt.Sprintf("%g", float32(v))
}

// TestCSVRangesQuotedNewlineRefused checks a job on a CSV file with a
// quoted newline past the rows planning samples fails with one message
// naming the file, rather than miscounting.
func TestCSVRangesQuotedNewlineRefused(t *testing.T) {
	var b strings.Builder
	b.WriteString("x,note\n")
	for i := range 500 {
		if i == 300 {
			fmt.Fprintf(&b, "%d,\"two\nlines\"\n", i)
			continue
		}
		fmt.Fprintf(&b, "%d,n\n", i)
	}
	data := filepath.Join(t.TempDir(), "multi.csv")
	if err := os.WriteFile(data, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	s := mustStartStack(t, 1)
	_, err := s.run(t, wire.JobSpec{Inputs: []string{data}, Columns: []string{"x"}, K: 2, Algorithm: "kmeans", Seed: 1, ShardRows: 64})
	if err == nil || !strings.Contains(err.Error(), data) || !strings.Contains(err.Error(), "quoted CSV field spans lines") {
		t.Fatalf("got %v, want a refusal naming %s", err, data)
	}
}
