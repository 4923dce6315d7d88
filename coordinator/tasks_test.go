package coordinator

import (
	"testing"

	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

func TestGroupedShardTasks(t *testing.T) {
	sizes := []int64{1000, 1000, 500, 3000, 1000, 1000, 200}
	ds := &partition.Dataset{}
	var off int64
	for i, n := range sizes {
		ds.Shards = append(ds.Shards, partition.Shard{ID: i, File: "f", RowOffset: off, Rows: n})
		off += n
	}
	j := &job{spec: &wire.JobSpec{K: 3, Seed: 5}, ds: ds, d: 2}
	for _, tc := range []struct {
		name     string
		fraction float64
		minRows  int
		want     [][]int // shard IDs per task
	}{
		{"full pass: one task per shard of enough rows", 1, 1000, [][]int{{0}, {1}, {2, 3}, {4}, {5}, {6}}},
		{"small batch: grouped up to the minimum", 0.5, 1000, [][]int{{0, 1}, {2, 3}, {4, 5}, {6}}},
		{"tiny batch: one task", 0.001, 1000, [][]int{{0, 1, 2, 3, 4, 5, 6}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tasks := j.groupedShardTasks(wire.KindSums, tc.fraction, tc.minRows)
			if len(tasks) != len(tc.want) {
				t.Fatalf("%d tasks, want %d", len(tasks), len(tc.want))
			}
			for i, task := range tasks {
				var ids []int
				for _, s := range task.Shards {
					ids = append(ids, s.ID)
				}
				if len(ids) != len(tc.want[i]) {
					t.Fatalf("task %d has shards %v, want %v", i, ids, tc.want[i])
				}
				for x := range ids {
					if ids[x] != tc.want[i][x] {
						t.Fatalf("task %d has shards %v, want %v", i, ids, tc.want[i])
					}
				}
				if task.ID != ids[0] || task.Kind != wire.KindSums || task.K != 3 || task.D != 2 || task.Seed != 5 {
					t.Errorf("task %d: %+v", i, task)
				}
			}
		})
	}
}
