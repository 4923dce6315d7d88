package worker

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/shoal-io/shoal/internal/atomicfile"
	"github.com/shoal-io/shoal/internal/blobfs"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// stagingDirName is the directory of a labels dataset under which each
// job stages its parts (see coordinator.StagingDir).
const stagingDirName = "_temporary"

// partNamePattern is the form of a part's file name.
var partNamePattern = regexp.MustCompile(`^part-[0-9]{5,}\.parquet$`)

// checkPart refuses a task whose part would land anywhere but a file
// part-NNNNN.parquet directly in its own job's staging directory,
// <dir>/_temporary/<job>: a crafted task cannot make a worker write over
// other files.
func checkPart(t *wire.Task) error {
	job := t.Job
	if job == "" || job == "." || job == ".." || strings.ContainsAny(job, `/\`) {
		return fmt.Errorf("worker: task %s: job id %q cannot name a staging directory", t.Key(), job)
	}
	if blobfs.IsURL(t.PartDir) {
		if _, err := blobfs.Parse(t.PartDir); err != nil {
			return fmt.Errorf("worker: task %s: part prefix: %w", t.Key(), err)
		}
	}
	dir := blobfs.Clean(strings.TrimSuffix(t.PartDir, "/"))
	if blobfs.Base(dir) != job || blobfs.Base(blobfs.Dir(dir)) != stagingDirName {
		return fmt.Errorf("worker: task %s: part directory %q is not <out>/%s/%s; refusing to write there", t.Key(), t.PartDir, stagingDirName, job)
	}
	if !partNamePattern.MatchString(t.PartName) {
		return fmt.Errorf("worker: task %s: part name %q is not part-NNNNN.parquet; refusing to write it", t.Key(), t.PartName)
	}
	if blobfs.IsURL(dir) {
		return nil // objects are written whole; there is no directory to check
	}
	st, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("worker: task %s: staging directory: %w (is --out on a filesystem this worker sees?)", t.Key(), err)
	}
	if !st.IsDir() {
		return fmt.Errorf("worker: task %s: staging directory %s is not a directory", t.Key(), dir)
	}
	return nil
}

// labelPart labels the task's rows, writes them (with the kept input
// columns) as the part file t.PartName in t.PartDir, and returns only
// the counts and losses, as a CountsOnly task does.
func (x *executor) labelPart(t *wire.Task, res *wire.Result) error {
	if err := checkPart(t); err != nil {
		return &inputError{err}
	}
	full := *t
	full.CountsOnly = false
	if err := x.label(&full, res); err != nil {
		return err
	}
	names := make([]string, len(t.Keep))
	for i, k := range t.Keep {
		names[i] = k.Name
	}
	keep, err := x.keptColumns(t, res.Rows)
	if err != nil {
		return err
	}
	defer func() {
		for _, a := range keep {
			a.Release()
		}
	}()
	if err := writePart(t, res, names, keep); err != nil {
		return err
	}
	res.Counts = make([]int64, t.K)
	for _, c := range res.Labels {
		if c < 0 || int(c) >= t.K {
			return fmt.Errorf("worker: label %d outside [0,%d)", c, t.K)
		}
		res.Counts[c]++
	}
	res.N = int64(len(res.Rows))
	res.Rows, res.Labels, res.Distances = nil, nil, nil
	return nil
}

// writePart writes the labels part: in place on a filesystem, or to a
// local scratch file uploaded as one object, which appears whole or not
// at all.
func writePart(t *wire.Task, res *wire.Result, names []string, keep []arrow.Array) error {
	dir := blobfs.Clean(strings.TrimSuffix(t.PartDir, "/"))
	if !blobfs.IsURL(dir) {
		if err := partition.WriteLabelsPart(filepath.Join(dir, t.PartName), res.Rows, res.Labels, res.Distances, names, keep); err != nil {
			return fmt.Errorf("worker: writing labels part: %w", err)
		}
		return nil
	}
	scratch, err := atomicfile.MkdirTemp("", "shoal-part-")
	if err != nil {
		return fmt.Errorf("worker: scratch directory for a labels part: %w", err)
	}
	defer os.RemoveAll(scratch)
	local := filepath.Join(scratch, t.PartName)
	if err := partition.WriteLabelsPart(local, res.Rows, res.Labels, res.Distances, names, keep); err != nil {
		return fmt.Errorf("worker: writing labels part: %w", err)
	}
	if err := blobfs.UploadFile(context.Background(), local, partObject(t)); err != nil {
		return fmt.Errorf("worker: uploading labels part: %w", err)
	}
	return nil
}

// partObject is the URL of the part object a task checkPart accepted
// writes.
func partObject(t *wire.Task) string {
	return blobfs.Join(blobfs.Clean(strings.TrimSuffix(t.PartDir, "/")), t.PartName)
}

// keptColumns reads the kept columns of the labelled rows, shard by
// shard, as one array per column.
func (x *executor) keptColumns(t *wire.Task, rows []int64) (_ []arrow.Array, err error) {
	if len(t.Keep) == 0 {
		return nil, nil
	}
	keep := make([]partition.KeepColumn, len(t.Keep))
	for i, k := range t.Keep {
		keep[i] = partition.KeepColumn{Name: k.Name, Partition: k.Partition}
	}
	mem := memory.DefaultAllocator
	perShard := make([][]arrow.Array, len(t.Shards))
	defer func() {
		for _, arrs := range perShard {
			for _, a := range arrs {
				a.Release()
			}
		}
	}()
	for i, s := range t.Shards {
		n := 0
		for n < len(rows) && rows[n] < s.RowOffset+s.Rows {
			n++
		}
		ps, err := x.partitionShard(s)
		if err != nil {
			return nil, err
		}
		if perShard[i], err = partition.ReadKept(ps, keep, rows[:n], mem); err != nil {
			return nil, &inputError{err}
		}
		rows = rows[n:]
	}
	if len(rows) > 0 {
		return nil, fmt.Errorf("worker: task %s: row %d lies in none of its shards", t.Key(), rows[0])
	}
	out := make([]arrow.Array, len(keep))
	for c := range keep {
		if len(perShard) == 1 {
			out[c] = perShard[0][c]
			out[c].Retain()
			continue
		}
		cols := make([]arrow.Array, len(perShard))
		for i := range perShard {
			cols[i] = perShard[i][c]
		}
		if out[c], err = array.Concatenate(cols, mem); err != nil {
			for _, a := range out[:c] {
				a.Release()
			}
			return nil, fmt.Errorf("worker: kept column %q: %w", keep[c].Name, err)
		}
	}
	return out, nil
}

// partitionShard is the partition form of s, reading the staged copy of
// its file when it has one.
func (x *executor) partitionShard(s wire.Shard) (partition.Shard, error) {
	format, err := partition.FormatFromPath(s.File)
	if err != nil {
		return partition.Shard{}, &inputError{err}
	}
	ps := partition.Shard{ID: s.ID, File: s.File, Format: format, First: s.First, Last: s.Last, RowOffset: s.RowOffset, Rows: s.Rows,
		ByteStart: s.ByteStart, ByteEnd: s.ByteEnd, DictOffsets: s.DictOffsets, Version: s.Version}
	if s.Object != "" {
		if ps.Local, err = x.staged.path(context.Background(), x.js, s.Object, filepath.Base(s.File)); err != nil {
			return partition.Shard{}, err
		}
	}
	return ps, nil
}
