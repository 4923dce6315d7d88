package partition

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
)

// Planning an uncompressed CSV file by byte ranges (Options.CSVRanges)
// reads only its head: the header and the first csvSniffRows records,
// which also give the mean bytes per record. The rest of the file is cut
// into ranges of about ShardRows records' worth of bytes, and those
// ranges are handed out as placeholder shards (Rows < 0) for workers to
// count, with the rule Hadoop's LineRecordReader follows: a range
// [First,Last) owns the lines that begin in it, the first line that
// begins at or after First (the data start itself for the first range)
// up to the line that begins at or after Last, so the last line may run
// past Last and every line is owned by exactly one range.
//
// A line is a record only when no quoted field spans lines. The ranges
// are therefore used only when the sampled head has no such field (a file
// whose head has one is counted whole as before), and a range whose
// scan meets a newline inside quotes fails with ErrCSVMultiline rather
// than miscount: the range holding a multi-line field's start always sees
// it, whatever came before, because every earlier range was scanned from
// a true record start.
//
// The counts are turned back into the exact plan the counting pass gives
// (CSVLocates, LocateCSV, ResolveCSV): shards of ShardRows records per
// file ending where a record ends, so the shards, their IDs and row
// offsets, and every result computed from them are those of a counted
// plan.

// ErrCSVMultiline reports a quoted field that spans lines in a CSV file
// planned by byte ranges.
var ErrCSVMultiline = errors.New("a quoted CSV field spans lines")

// Uncounted reports whether some shards are byte ranges of CSV files
// whose records are not counted yet (see Options.CSVRanges).
func (ds *Dataset) Uncounted() bool {
	for _, s := range ds.Shards {
		if s.Rows < 0 {
			return true
		}
	}
	return false
}

// CSVLocate asks for the byte offsets just past some records of an
// uncounted range: Records are indices counted from the range's first
// record, ascending.
type CSVLocate struct {
	Shard   int
	Records []int64
}

// CSVLocates returns, given each uncounted range's record count (by shard
// ID), the records whose ends delimit the counted plan's shards: the
// ShardRows-th, 2·ShardRows-th, … record of each file and its last one.
func (ds *Dataset) CSVLocates(counts map[int]int64) ([]CSVLocate, error) {
	var out []CSVLocate
	err := ds.eachCSVFile(counts, func(ranges []Shard, ends []fileRecord) error {
		for _, e := range ends {
			if n := len(out); n > 0 && out[n-1].Shard == e.shard {
				out[n-1].Records = append(out[n-1].Records, e.index)
				continue
			}
			out = append(out, CSVLocate{Shard: e.shard, Records: []int64{e.index}})
		}
		return nil
	})
	return out, err
}

// ResolveCSV replaces the uncounted ranges by the counted plan's shards,
// given each range's count and the offsets LocateCSV found for
// CSVLocates' records (by shard ID, in the same order). Shard IDs and row
// offsets are renumbered over the whole dataset.
func (ds *Dataset) ResolveCSV(counts map[int]int64, offsets map[int][]int64) error {
	var shards []Shard
	i := 0
	err := ds.eachCSVFile(counts, func(ranges []Shard, ends []fileRecord) error {
		// Shards of other files, in order, before this file's ranges.
		for ; ds.Shards[i].ID != ranges[0].ID; i++ {
			shards = append(shards, ds.Shards[i])
		}
		i += len(ranges)
		used := map[int]int{}
		first := ranges[0].First
		var done int64
		for _, e := range ends {
			offs := offsets[e.shard]
			k := used[e.shard]
			if k >= len(offs) {
				return fmt.Errorf("%w: %s: no offset for record %d of bytes [%d,%d)", ErrCorrupt, ranges[0].File, e.index, e.first, e.last)
			}
			used[e.shard]++
			last := offs[k]
			if last <= first {
				return fmt.Errorf("%w: %s: record end %d not past %d; was the file changed during planning?", ErrCorrupt, ranges[0].File, last, first)
			}
			rows := e.global + 1 - done
			s := ranges[0]
			s.First, s.Last, s.Rows = first, last, rows
			shards = append(shards, s)
			first, done = last, e.global+1
		}
		return nil
	})
	if err != nil {
		return err
	}
	shards = append(shards, ds.Shards[i:]...)
	ds.Rows = 0
	for k := range shards {
		shards[k].ID, shards[k].RowOffset = k, ds.Rows
		ds.Rows += shards[k].Rows
	}
	ds.Shards = shards
	if ds.Rows == 0 {
		return fmt.Errorf("%w: %s: no rows", ErrEmptyDataset, describePaths(ds.Files))
	}
	return nil
}

// fileRecord is a record whose end closes a shard of the counted plan.
type fileRecord struct {
	shard       int   // the range holding it
	first, last int64 // the range's bytes, for messages
	index       int64 // from the range's first record
	global      int64 // from the file's first record
}

// eachCSVFile calls fn for each file's run of uncounted ranges with the
// records that end its shards.
func (ds *Dataset) eachCSVFile(counts map[int]int64, fn func(ranges []Shard, ends []fileRecord) error) error {
	target := ds.csvTarget
	if target <= 0 {
		target = defaultShardRows
	}
	for i := 0; i < len(ds.Shards); {
		if ds.Shards[i].Rows >= 0 {
			i++
			continue
		}
		j := i
		for j < len(ds.Shards) && ds.Shards[j].Rows < 0 && ds.Shards[j].File == ds.Shards[i].File {
			j++
		}
		ranges := ds.Shards[i:j]
		var (
			ends []fileRecord
			seen int64 // records of the file before the range
		)
		for _, r := range ranges {
			n, ok := counts[r.ID]
			if !ok || n < 0 {
				return fmt.Errorf("%w: %s: bytes [%d,%d) were not counted", ErrCorrupt, r.File, r.First, r.Last)
			}
			rec := fileRecord{shard: r.ID, first: r.First, last: r.Last}
			// Shard ends: every target-th record, and the file's last.
			for k := (seen/target + 1) * target; k <= seen+n; k += target {
				rec.index, rec.global = k-1-seen, k-1
				ends = append(ends, rec)
			}
			seen += n
		}
		if seen > 0 && seen%target != 0 {
			for k := len(ranges) - 1; k >= 0; k-- {
				if n := counts[ranges[k].ID]; n > 0 {
					r := ranges[k]
					ends = append(ends, fileRecord{shard: r.ID, first: r.First, last: r.Last, index: n - 1, global: seen - 1})
					break
				}
			}
		}
		if err := fn(ranges, ends); err != nil {
			return err
		}
		i = j
	}
	return nil
}

// CountCSV counts the records of an uncounted CSV range (see
// Options.CSVRanges).
func CountCSV(s Shard) (int64, error) {
	var n int64
	err := scanCSVRange(s, func(int64) error { n++; return nil })
	return n, err
}

// LocateCSV returns the byte offsets just past the given records of an
// uncounted CSV range, indices counted from the range's first record in
// ascending order.
func LocateCSV(s Shard, records []int64) ([]int64, error) {
	if !slices.IsSorted(records) {
		return nil, fmt.Errorf("%w: record indices out of order", ErrInvalidOptions)
	}
	out := make([]int64, 0, len(records))
	var i int64
	err := scanCSVRange(s, func(end int64) error {
		for len(out) < len(records) && records[len(out)] == i {
			out = append(out, end)
		}
		i++
		if len(out) == len(records) {
			return errStopScan
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) < len(records) {
		return nil, fmt.Errorf("%w: %s: bytes [%d,%d) hold %d records, not the %d counted; was the file changed during the job?",
			ErrCorrupt, s.File, s.First, s.Last, i, records[len(records)-1]+1)
	}
	return out, nil
}

// scanCSVRange calls emit with the end of each record of the range
// [s.First,s.Last) under the line-start rule.
func scanCSVRange(s Shard, emit func(end int64) error) error {
	path := s.File
	if s.Local != "" {
		path = s.Local
	}
	if err := s.CSV.validate(); err != nil {
		return err
	}
	src, err := openCSVSource(path)
	if err != nil {
		return err
	}
	defer src.close()
	if src.codec != codecNone {
		return fmt.Errorf("%w: %s: a compressed CSV file cannot be read by byte range", ErrInvalidOptions, s.File)
	}
	_, dataStart, err := csvHeader(s.File, src, s.CSV)
	if err != nil {
		return err
	}
	first, err := src.lineStart(s.First, dataStart)
	if err != nil {
		return err
	}
	last, err := src.lineStart(s.Last, dataStart)
	if err != nil {
		return err
	}
	if last <= first {
		return nil
	}
	r, err := src.at(first)
	if err != nil {
		return err
	}
	sc := recordScanner{pos: first, start: first}
	buf := make([]byte, 256<<10)
	in := io.LimitReader(r, last-first)
	for {
		n, rerr := in.Read(buf)
		if n > 0 {
			if e := sc.scan(buf[:n], func(_, end int64) error { return emit(end) }); e != nil {
				if errors.Is(e, errStopScan) {
					return nil
				}
				return e
			}
			if sc.sawQuotedNL {
				return multilineError(s.File, sc.quotedNLAt)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return corrupt(s.File, "", rerr)
		}
	}
	if sc.inQuote {
		return multilineError(s.File, sc.pos)
	}
	if e := sc.end(func(_, end int64) error { return emit(end) }); e != nil && !errors.Is(e, errStopScan) {
		return e
	}
	return nil
}

func multilineError(file string, at int64) error {
	return fmt.Errorf("%w: %s: near byte %d, past the first %d rows that planning samples, so the file cannot be split into byte ranges; compress it (.csv.gz, read as one shard) or run the job with --stage (the coordinator then counts its records)",
		ErrCSVMultiline, file, at, csvSniffRows)
}

// lineStart returns the offset of the first line that begins at or after
// at: dataStart itself when at is not past it, otherwise just past the
// first newline at or after at-1, or the file's end when there is none.
func (s *csvSource) lineStart(at, dataStart int64) (int64, error) {
	if at <= dataStart {
		return dataStart, nil
	}
	r, err := s.at(at - 1)
	if err != nil {
		return 0, err
	}
	off, err := nextLineStart(bufio.NewReaderSize(r, 4<<10), at-1)
	if err != nil {
		return 0, corrupt(s.path, "", err)
	}
	return off, nil
}

// nextLineStart reads r, which starts at offset base, up to its first
// newline and returns the offset just past it, or base plus the bytes
// read when r ends first.
func nextLineStart(r io.Reader, base int64) (int64, error) {
	buf := make([]byte, 4<<10)
	for {
		n, err := r.Read(buf)
		if i := bytes.IndexByte(buf[:n], '\n'); i >= 0 {
			return base + int64(i) + 1, nil
		}
		base += int64(n)
		if err == io.EOF {
			return base, nil
		}
		if err != nil {
			return 0, err
		}
	}
}
