package worker

import (
	"fmt"
	"unicode/utf8"

	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// csvRange is the partition form of a count or locate task's one shard, a
// byte range of a CSV file.
func (x *executor) csvRange(t *wire.Task) (partition.Shard, error) {
	if len(t.Shards) != 1 {
		return partition.Shard{}, fmt.Errorf("worker: a %s task has %d shards, want 1", t.Kind, len(t.Shards))
	}
	s, err := x.partitionShard(t.Shards[0])
	if err != nil {
		return partition.Shard{}, err
	}
	s.CSV.NoHeader = t.Data.NoHeader
	if t.Data.Delimiter != "" {
		s.CSV.Delimiter, _ = utf8.DecodeRuneInString(t.Data.Delimiter)
	}
	return s, nil
}

// countCSV counts the records of a CSV byte range into res.N.
func (x *executor) countCSV(t *wire.Task, res *wire.Result) error {
	s, err := x.csvRange(t)
	if err != nil {
		return err
	}
	if res.N, err = partition.CountCSV(s); err != nil {
		return &inputError{err}
	}
	return nil
}

// locateCSV finds the ends of the records t.PointRows of a CSV byte range
// into res.Rows.
func (x *executor) locateCSV(t *wire.Task, res *wire.Result) error {
	s, err := x.csvRange(t)
	if err != nil {
		return err
	}
	if res.Rows, err = partition.LocateCSV(s, t.PointRows); err != nil {
		return &inputError{err}
	}
	return nil
}
