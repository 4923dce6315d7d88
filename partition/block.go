package partition

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Block is the decoded data of one shard (or of a whole dataset): the
// feature columns as a row-major float32 matrix, the global index of each
// row, and the weights if the dataset has a weight column.
type Block struct {
	// Data holds Len() rows of D values each, row-major.
	Data []float32
	// D is the number of features per row.
	D int
	// Index is the global row index (input order, from 0) of each row;
	// with NullsDrop it skips the rows that were left out.
	Index []int64
	// Weights holds one weight per row, or is nil when there is no weight
	// column.
	Weights []float32
}

// Len returns the number of rows in the block.
func (b *Block) Len() int { return len(b.Index) }

// ReadShard decodes one shard's feature (and weight) columns into a Block,
// converting any numeric type to float32. A null, NaN or ±Inf value (or one
// too large for float32) fails the read with ErrNull naming the file, the
// column and the global row under NullsError; under NullsDrop the row is
// skipped, whichever column (weight included) holds it. A negative weight
// is always an error. A truncated or corrupt file gives ErrCorrupt naming
// the file, never a panic.
//
// Cost: O(rows × columns) with one allocation for the block; Parquet
// columns are decoded in parallel, CSV parses only the shard's byte range.
func ReadShard(s Shard, columns []string, weight string, nulls NullPolicy) (*Block, error) {
	return readShard(s, columns, weight, nulls, memory.DefaultAllocator)
}

// readShard is ReadShard with the allocator that Arrow buffers come from,
// so a test can hand in a checked allocator, and functions that set up
// the filler before it reads (offsets, statistics).
func readShard(s Shard, columns []string, weight string, nulls NullPolicy, mem memory.Allocator, setup ...func(*filler)) (b *Block, err error) {
	if len(columns) == 0 {
		return nil, fmt.Errorf("%w: %s: no feature columns", ErrInvalidOptions, s.File)
	}
	if err := validateColumnNames(columns, weight); err != nil {
		return nil, err
	}
	if nulls != NullsError && nulls != NullsDrop {
		return nil, fmt.Errorf("%w: null policy %d", ErrInvalidOptions, int(nulls))
	}
	if s.First < 0 || s.Last < s.First {
		return nil, fmt.Errorf("%w: %s: shard %d has range [%d,%d)", ErrInvalidArgument, s.File, s.ID, s.First, s.Last)
	}
	consts, err := pathColumns(s.File, columns)
	if err != nil {
		return nil, err
	}
	if s.Local != "" {
		s.File = s.Local
	}
	before, size, err := statInput(s.File)
	if err != nil {
		return nil, openError(s.File, err)
	}
	if err := checkVersion(s, before); err != nil {
		return nil, err
	}
	f, err := newFiller(s, columns, weight, nulls, size)
	if err != nil {
		return nil, err
	}
	for _, fn := range setup {
		fn(f)
	}
	// A file that changed while it was read gave an error or rows of two
	// versions: either way the answer is errChanged (see guard.go).
	defer func() {
		if changed := unchangedSince(s.File, before); changed != nil {
			b, err = nil, changed
		}
	}()
	if beforeRead != nil {
		beforeRead(s.File)
	}
	defer recoverCorrupt(s.File, &err)
	var got int
	switch {
	case len(consts) > 0:
		got, err = readWithPathColumns(s, f, consts, mem)
	default:
		got, err = readFormat(s, f, mem)
	}
	if err != nil {
		return nil, err
	}
	return f.finish(got)
}

// checkVersion refuses an object input whose entity tag (in now) is no
// longer the one s was planned with.
func checkVersion(s Shard, now fileState) error {
	if s.Version != "" && s.Local == "" && now.tag != s.Version {
		return fmt.Errorf("%w: %s: the object was replaced after the job was planned; run the job again", ErrCorrupt, s.File)
	}
	return nil
}

// readFormat reads shard s into f with the reader of its format.
func readFormat(s Shard, f *filler, mem memory.Allocator) (got int, err error) {
	switch s.Format {
	case FormatParquet:
		got, err = readParquetShard(s, f, mem)
	case FormatArrowFile:
		got, err = readArrowFileShard(s, f, mem)
	case FormatArrowStream:
		got, err = readArrowStreamShard(s, f, mem)
	case FormatCSV:
		got, err = readCSVShard(s, f)
	default:
		err = fmt.Errorf("%w: %s: format %v", ErrUnknownFormat, s.File, s.Format)
	}
	return got, err
}

// ReadAll reads every shard of ds in order into one Block: for precomputed
// dissimilarity matrices and data small enough for one process.
func ReadAll(ds *Dataset, nulls NullPolicy) (*Block, error) {
	out := &Block{D: len(ds.Columns)}
	// Reserve for the planned rows, up to a million: the plan comes from
	// metadata, and append finds out what is really there.
	rows := min(ds.Rows, 1<<20)
	out.Data = make([]float32, 0, rows*int64(out.D))
	out.Index = make([]int64, 0, rows)
	if ds.Weight != "" {
		out.Weights = make([]float32, 0, rows)
	}
	for _, s := range ds.Shards {
		b, err := ReadShard(s, ds.Columns, ds.Weight, nulls)
		if err != nil {
			return nil, err
		}
		out.Data = append(out.Data, b.Data...)
		out.Index = append(out.Index, b.Index...)
		if out.Weights != nil {
			out.Weights = append(out.Weights, b.Weights...)
		}
	}
	out.Data = slices.Clip(out.Data)
	return out, nil
}

// recoverCorrupt turns a panic inside the Arrow or Parquet decoders, which
// some malformed inputs still provoke, into ErrCorrupt naming the file. It
// must be deferred directly.
func recoverCorrupt(file string, err *error) {
	if r := recover(); r != nil {
		*err = corrupt(file, "", fmt.Errorf("%v", r))
	}
}

// corrupt wraps an error from a decoder as ErrCorrupt naming the file (and
// where in it, when known), on one line: decoder errors may join several
// causes with newlines.
func corrupt(file, where string, err error) error {
	msg := strings.Join(strings.Fields(err.Error()), " ")
	if where != "" {
		return fmt.Errorf("%w: %s: %s: %s", ErrCorrupt, file, where, msg)
	}
	return fmt.Errorf("%w: %s: %s", ErrCorrupt, file, msg)
}
