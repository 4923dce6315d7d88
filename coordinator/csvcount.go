package coordinator

import (
	"context"

	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// Rounds of the CSV planning tasks (see countCSV), apart from those of
// job.go.
const (
	roundCSVCount  = -4
	roundCSVLocate = -5
)

// countCSV completes a plan whose CSV files were cut into byte ranges
// (partition.Options.CSVRanges) without the coordinator reading them past
// their first rows: workers count each range's records in parallel, then
// find the byte offsets where the counted plan's shards end, and the plan
// becomes the one a counting pass gives, row offsets and all. Its rounds
// go through the job's result feed like every other round.
func (j *job) countCSV(ctx context.Context) error {
	var tasks []*wire.Task
	for _, s := range j.ds.Shards {
		if s.Rows < 0 {
			tasks = append(tasks, j.csvTask(wire.KindCount, s))
		}
	}
	res, err := j.collect(ctx, roundCSVCount, tasks)
	if err != nil {
		return err
	}
	counts := make(map[int]int64, len(tasks))
	for i, t := range tasks {
		counts[t.ID] = res[i].N
	}
	locs, err := j.ds.CSVLocates(counts)
	if err != nil {
		return err
	}
	tasks = tasks[:0]
	for _, l := range locs {
		t := j.csvTask(wire.KindLocate, j.ds.Shards[l.Shard])
		t.PointRows = l.Records
		tasks = append(tasks, t)
	}
	res, err = j.collect(ctx, roundCSVLocate, tasks)
	if err != nil {
		return err
	}
	offsets := make(map[int][]int64, len(tasks))
	for i, t := range tasks {
		offsets[t.ID] = res[i].Rows
	}
	return j.ds.ResolveCSV(counts, offsets)
}

// csvTask is a count or locate task over the byte range s.
func (j *job) csvTask(kind wire.Kind, s partition.Shard) *wire.Task {
	return &wire.Task{ID: s.ID, Kind: kind, D: j.d, Shards: []wire.Shard{
		{ID: s.ID, File: s.File, Format: s.Format.String(), First: s.First, Last: s.Last, Version: s.Version},
	}}
}
