package coordinator

import (
	"slices"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/partition"
)

// Which shards a mini-batch step reads. Drawing a step's batch from every
// shard makes each step read the whole dataset once the data no longer
// fits the workers' caches. Instead the shards are dealt, each epoch by a
// seeded permutation, into groups of about stepGroupBatches batches'
// worth of rows, and each step draws its batch from one group: the I/O of
// a step stays near stepGroupBatches × batch rows whatever the size of
// the data, and every shard is read once an epoch. A row is in a step's
// batch with probability about batch/n as before (its group's turn comes
// once in G steps, and then batch/rows(group) of its rows are drawn). The
// groups depend on the data, the batch size and the seed alone, so the
// model depends neither on the number of workers nor on their memory.
// Data of up to stepGroupBatches batches is one group: every step draws
// from every shard.
const (
	// stepGroupBatches is a group's size in batches: 64, so a step at
	// the default batch of 16384 rows reads about 1M rows (128 MB of
	// 32 float32 features), 16 shards of 65536 rows that each give
	// about 1024 rows to the batch. More shards per step would make
	// batches of data stored in clustered order closer to uniform, at
	// the cost of reading more per step.
	stepGroupBatches = 64
	streamStepGroups = 0x9e0b
)

// stepGroups is the number of groups the shards are dealt into each
// epoch: one per stepGroupBatches batches of rows, at most one per
// shard, at least one.
func (j *job) stepGroups() int {
	per := float64(stepGroupBatches) * float64(j.batchSize())
	g := int(float64(j.ds.Rows) / per)
	return max(1, min(g, len(j.ds.Shards)))
}

// stepShards returns the shards mini-batch step (from 1) draws its batch
// from, in shard order, and the fraction of their rows that makes a
// batch.
func (j *job) stepShards(step int) ([]partition.Shard, float64) {
	shards := j.ds.Shards
	g := j.stepGroups()
	if g > 1 {
		epoch, turn := (step-1)/g, (step-1)%g
		perm := algo.NewRand(j.spec.Seed, streamStepGroups, uint64(epoch)).Perm(len(shards))
		lo, hi := turn*len(shards)/g, (turn+1)*len(shards)/g
		idx := slices.Clone(perm[lo:hi])
		slices.Sort(idx)
		group := make([]partition.Shard, len(idx))
		for i, s := range idx {
			group[i] = shards[s]
		}
		shards = group
	}
	var rows int64
	for _, s := range shards {
		rows += s.Rows
	}
	return shards, min(1, float64(j.batchSize())/float64(max(rows, 1)))
}
