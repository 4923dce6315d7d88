package proctest_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/shoal-io/shoal/internal/proctest"
)

// shoal assign over a hive-partitioned lake, as a scheduled pipeline runs
// it: one partition (--where), labels as a dataset that keeps the key and
// the partition column, each row in the cluster the fit on the whole lake
// gave it.
func TestAssignLakeDatasetKeep(t *testing.T) {
	dir := t.TempDir()
	lake := filepath.Join(dir, "lake")
	writeKeyedParquet(t, filepath.Join(lake, "year=2025", "part-00000.parquet"), 0, 2000, -1)
	writeKeyedParquet(t, filepath.Join(lake, "year=2026", "part-00000.parquet"), 2000, 2000, -1)
	model, single, labels := filepath.Join(dir, "model.json"), filepath.Join(dir, "fit.parquet"), filepath.Join(dir, "labels")
	proctest.MustRun(t, dir, jobWait, shoal("run", "run", "-q", "--workers", "2", "--input", lake+"/", "--columns", "f0,f1",
		"--k", "3", "--algo", "kmeans", "--shard-rows", "1000", "--model", model, "--out", single))
	fit := map[int64]labelRow{}
	readLabelsParquet(t, single, fit)

	proctest.MustRun(t, dir, jobWait, shoal("assign", "assign", "-q", "--workers", "2", "--model", model, "--input", lake+"/",
		"--where", "year=2026", "--shard-rows", "1000", "--keep", "id,year", "--out", labels+"/"))
	got, parts := readLabelsDataset(t, labels)
	if len(parts) != 2 || len(got) != 2000 {
		t.Fatalf("%d parts, %d rows; want 2 parts of the 2000 rows of 2026", len(parts), len(got))
	}
	for r := range int64(2000) {
		g, ok := got[r]
		switch {
		case !ok:
			t.Fatalf("row %d is in no part", r)
		case g.id != fmt.Sprintf("id-%d", 2000+r) || g.year != 2026:
			t.Fatalf("row %d: id %q year %d, want id-%d and 2026", r, g.id, g.year, 2000+r)
		case g.cluster != fit[2000+r].cluster:
			t.Fatalf("row %d: cluster %d, the fit gave %d", r, g.cluster, fit[2000+r].cluster)
		}
	}
}
