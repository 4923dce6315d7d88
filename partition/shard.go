package partition

// defaultShardRows is the shard size when Options.ShardRows is 0. 65536 rows
// of 32 float32 features is 8 MiB: large enough that per-shard overhead
// (opening a file, a task message, a partial result) is noise, small enough
// that a worker holds several shards at once and a 10⁸-row dataset still
// makes over a thousand shards to spread and retry. It is also Arrow's and
// DuckDB's customary batch size, so generated files shard one batch each.
const defaultShardRows = 65536

// Shard is a contiguous piece of one file, small enough for one task. It is
// a reference, not data: a worker that can see File reads it with ReadShard.
type Shard struct {
	// ID numbers shards 0..len(Shards)-1 in input order.
	ID int
	// File is the path, as given to Scan or found in a directory.
	File string
	// Format is the file's format, chosen by extension.
	Format Format
	// First and Last delimit the shard: for Parquet the row groups
	// [First,Last); for Arrow IPC files and streams the record batches
	// [First,Last); for CSV the byte range [First,Last) of whole lines.
	First, Last int64
	// RowOffset is the global index (over the whole dataset, in input
	// order, from 0) of the shard's first row.
	RowOffset int64
	// Rows is the number of rows in the shard, counting rows that a
	// NullsDrop read later leaves out.
	Rows int64
	// CSV is the layout of a CSV file (header, delimiter); the zero value
	// for other formats.
	CSV CSVOptions
	// Local, when set, is a local copy of File that ReadShard reads
	// instead (a staged input). File still names the data: its key=value
	// directories give the shard's partition columns.
	Local string
	// ByteStart and ByteEnd, for an Arrow IPC stream, are the byte range
	// [ByteStart,ByteEnd) of the shard's messages, from its first record
	// batch's message to the end of its last one; DictOffsets are the
	// offsets, in stream order, of the dictionary messages before
	// ByteStart that its batches need. A reader reads the schema message,
	// those, and the range, and no other batch. ByteEnd is 0 when the
	// plan has no offsets (a shard from an older plan, or dictionaries
	// that take more than maxShardDicts messages): the stream is then
	// read from its start.
	ByteStart, ByteEnd int64
	DictOffsets        []int64
	// Version is an object input's entity tag when Scan planned it:
	// ReadShard refuses the object once its tag differs, for a plan of
	// one version read from another gives rows of neither. "" for local
	// files (whose changes ReadShard notices only during a read) and for
	// a plan that has no tag.
	Version string
}

// unit is the smallest piece a format can start reading at: a Parquet row
// group, an Arrow record batch, or a run of CSV lines. Shards are made of
// consecutive units of one file.
type unit struct {
	first, last int64 // as in Shard.First, Shard.Last
	rows        int64
	// start, end and dicts locate an Arrow stream's record batch message
	// as in Shard.ByteStart, ByteEnd and DictOffsets; end is 0 for other
	// formats and for a batch whose dictionaries are not tracked.
	start, end int64
	dicts      []int64
}

// planShards groups a file's units, in order, into shards of at least
// target rows (the last one may be smaller). A unit larger than target
// makes a shard of its own: Parquet row groups and Arrow batches are never
// split. Units with no rows join their neighbour rather than make an empty
// shard. nextID and rowOffset continue the numbering of earlier files.
func planShards(file string, format Format, units []unit, target int64, nextID int, rowOffset int64) []Shard {
	var (
		out  []Shard
		cur  Shard
		open bool
		// located: every unit of cur has its byte range.
		located bool
	)
	finish := func() {
		if !located {
			cur.ByteStart, cur.ByteEnd, cur.DictOffsets = 0, 0, nil
		}
		out = append(out, cur)
	}
	for _, u := range units {
		if !open {
			cur = Shard{ID: nextID + len(out), File: file, Format: format, First: u.first, RowOffset: rowOffset,
				ByteStart: u.start, DictOffsets: u.dicts}
			open, located = true, true
		}
		cur.Last = u.last
		cur.Rows += u.rows
		cur.ByteEnd = u.end
		located = located && u.end > 0
		if cur.Rows >= target {
			finish()
			rowOffset += cur.Rows
			open = false
		}
	}
	if open && cur.Rows > 0 {
		finish()
	}
	return out
}
