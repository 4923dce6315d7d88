package coordinator

import (
	"math"
	"slices"
	"testing"

	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// stepJob is a job over shards of the given row counts.
func stepJob(rows []int64, batch int, seed uint64) *job {
	ds := &partition.Dataset{}
	var off int64
	for i, r := range rows {
		ds.Shards = append(ds.Shards, partition.Shard{ID: i, File: "f", RowOffset: off, Rows: r})
		off += r
	}
	ds.Rows = off
	return &job{spec: &wire.JobSpec{K: 4, Seed: seed, BatchSize: batch}, ds: ds, d: 2}
}

func TestStepShardsSmallDataIsOneGroup(t *testing.T) {
	// Up to 64 batches of rows, every step draws from every shard, with
	// the fraction of the whole data: what the steps always did.
	j := stepJob([]int64{65536, 65536, 65536, 1000}, DefaultBatchSize, 3)
	for step := 1; step <= 5; step++ {
		shards, frac := j.stepShards(step)
		if len(shards) != 4 || frac != float64(DefaultBatchSize)/float64(j.ds.Rows) {
			t.Fatalf("step %d: %d shards, fraction %v", step, len(shards), frac)
		}
	}
}

func TestStepShardsEpochs(t *testing.T) {
	// 200 shards of 65536 rows (13.1M) at the default batch: 12 groups
	// of 16 or 17 shards, about a million rows each.
	rows := make([]int64, 200)
	for i := range rows {
		rows[i] = 65536
	}
	j := stepJob(rows, DefaultBatchSize, 9)
	g := j.stepGroups()
	if want := int(13_107_200 / (64 * DefaultBatchSize)); g != want {
		t.Fatalf("%d groups, want %d", g, want)
	}
	var epochs [][]int
	hits := make([]float64, len(rows)) // expected batch rows drawn from each shard
	for epoch := range 3 {
		var seen []int
		for turn := range g {
			shards, frac := j.stepShards(epoch*g + turn + 1)
			if n := len(shards); n < 200/g || n > 200/g+1 {
				t.Fatalf("epoch %d turn %d: %d shards, want %d or %d", epoch, turn, n, 200/g, 200/g+1)
			}
			var got int64
			for i, s := range shards {
				if i > 0 && s.ID <= shards[i-1].ID {
					t.Fatalf("epoch %d turn %d: shards not in shard order", epoch, turn)
				}
				got += s.Rows
				seen = append(seen, s.ID)
				hits[s.ID] += frac * float64(s.Rows)
			}
			if batch := frac * float64(got); math.Abs(batch-DefaultBatchSize) > 1e-6 {
				t.Fatalf("epoch %d turn %d: expected batch %v rows, want %d", epoch, turn, batch, DefaultBatchSize)
			}
		}
		slices.Sort(seen)
		for i, id := range seen {
			if id != i {
				t.Fatalf("epoch %d: shards %v, want every shard once", epoch, seen)
			}
		}
		epochs = append(epochs, seen)
	}
	// Every shard gives the batch its share of rows over an epoch: a row
	// is drawn with probability about batch/n a step, as a draw from
	// every shard would give.
	for id, h := range hits {
		want := 3 * float64(g) * DefaultBatchSize * 65536 / float64(j.ds.Rows)
		if math.Abs(h-want) > 0.1*want {
			t.Errorf("shard %d: %.0f expected batch rows over 3 epochs, want about %.0f", id, h, want)
		}
	}
	// Epochs deal the shards differently, and the same seed deals them
	// the same way.
	a, _ := j.stepShards(1)
	b, _ := j.stepShards(g + 1)
	if slices.EqualFunc(a, b, func(x, y partition.Shard) bool { return x.ID == y.ID }) {
		t.Errorf("epochs 1 and 2 start with the same group %v", a)
	}
	sameIDs := func(x, y partition.Shard) bool { return x.ID == y.ID }
	again, _ := stepJob(rows, DefaultBatchSize, 9).stepShards(1)
	other, _ := stepJob(rows, DefaultBatchSize, 10).stepShards(1)
	if !slices.EqualFunc(a, again, sameIDs) || slices.EqualFunc(a, other, sameIDs) {
		t.Errorf("groups do not follow the seed")
	}
}

func TestStepShardsSumsTasksReadOnlyTheGroup(t *testing.T) {
	rows := make([]int64, 200)
	for i := range rows {
		rows[i] = 65536
	}
	j := stepJob(rows, DefaultBatchSize, 9)
	shards, frac := j.stepShards(5)
	var read int
	for _, task := range j.spreadShardTasks(wire.KindSums, shards, frac, DefaultBatchSize/2, 8) {
		read += len(task.Shards)
		for _, s := range task.Shards {
			if !slices.ContainsFunc(shards, func(x partition.Shard) bool { return x.ID == s.ID }) {
				t.Fatalf("task reads shard %d outside the step's group", s.ID)
			}
		}
	}
	if read != len(shards) || read > 200/j.stepGroups()+1 {
		t.Fatalf("a step's tasks read %d shards of 200, want its group's %d", read, len(shards))
	}
}
