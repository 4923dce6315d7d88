package partition

import "errors"

// Every error from this package wraps one of these sentinels first, so a
// caller can test it with errors.Is and a user reads one line that names the
// file, the column and the row.

// Planning: Scan and the path and option checks it makes.
var (
	// ErrUnknownFormat is returned when a file's extension names no
	// supported format (.parquet, .pq, .arrow, .feather, .ipc, .arrows, .csv).
	ErrUnknownFormat = errors.New("partition: unknown file format")

	// ErrNotFound is returned when a path given to Scan or ReadIntColumn
	// does not exist.
	ErrNotFound = errors.New("partition: no such file or directory")

	// ErrNoSuchColumn is returned when a requested column (feature, weight,
	// excluded or label) is not in a file; the message lists the columns
	// that are.
	ErrNoSuchColumn = errors.New("partition: no such column")

	// ErrNotNumeric is returned when a feature or weight column has a type
	// other than float32, float64 or a signed or unsigned integer, or when a
	// CSV field in such a column does not parse as a number.
	ErrNotNumeric = errors.New("partition: column is not numeric")

	// ErrTooManyLevels is returned when a nominal column (metric gower)
	// has more distinct values than a job allows.
	ErrTooManyLevels = errors.New("partition: too many distinct values in a nominal column")

	// ErrSchemaMismatch is returned when the files of one dataset disagree:
	// a column of the first file is missing from another, or, with
	// automatic column selection, the files have different numeric columns.
	ErrSchemaMismatch = errors.New("partition: files disagree on columns")

	// ErrAmbiguousColumn is returned when a requested column name occurs
	// more than once in a file, so which one is meant is unclear.
	ErrAmbiguousColumn = errors.New("partition: column name occurs more than once")

	// ErrEmptyDataset is returned when the paths hold no rows at all, or a
	// directory holds no supported file.
	ErrEmptyDataset = errors.New("partition: empty dataset")

	// ErrInvalidOptions is returned for contradictory or malformed options:
	// the weight column listed as a feature, a column named twice, a
	// negative ShardRows, an unknown null policy, no feature column left.
	ErrInvalidOptions = errors.New("partition: invalid options")

	// ErrSymlinkLoop is returned when a symbolic link inside an input
	// directory leads back to a directory that holds it.
	ErrSymlinkLoop = errors.New("partition: symbolic link loop")

	// ErrDuplicateInput is returned when one input directory reaches the
	// same directory or file twice (through symbolic links), which would
	// read its rows twice.
	ErrDuplicateInput = errors.New("partition: input reached twice")

	// ErrInvalidPartition is returned for a key=value directory that
	// cannot be a partition: an empty value, or a key found twice in one
	// path.
	ErrInvalidPartition = errors.New("partition: invalid partition directory")

	// ErrNoMatch is returned when a glob matches no file, or a where
	// filter leaves none.
	ErrNoMatch = errors.New("partition: no input file matches")
)

// Reading: ReadShard, ReadAll and ReadIntColumn.
var (
	// ErrNull is returned under NullsError when a feature or weight value is
	// null (missing), NaN, infinite, or too large for float32.
	ErrNull = errors.New("partition: null or non-finite value")

	// ErrOutOfRange is returned by ReadShardShifted when a feature value
	// lies so far from its column's offset that squared distances would
	// overflow float32: the column needs rescaling.
	ErrOutOfRange = errors.New("partition: value out of range for float32 distances")

	// ErrNegativeWeight is returned when a weight is below zero: a weighted
	// loss with negative weights has no minimum worth finding.
	ErrNegativeWeight = errors.New("partition: negative weight")

	// ErrNotInteger is returned by ReadIntColumn when a value has a
	// fractional part or does not fit in int64.
	ErrNotInteger = errors.New("partition: value is not an integer")

	// ErrCorrupt is returned when a file cannot be decoded: truncated,
	// malformed, or changed since it was scanned (a shard whose row count no
	// longer matches).
	ErrCorrupt = errors.New("partition: unreadable file")
)

// Writing: CreateLabels, GenerateBlobs and WriteTable.
var (
	// ErrInvalidArgument is returned when a writer is handed inconsistent
	// input: slices of different lengths, a data slice that is not n×d, a
	// blobs configuration with N, D or K out of range.
	ErrInvalidArgument = errors.New("partition: invalid argument")

	// ErrUnwritable is returned when an output file cannot be created:
	// its directory is missing or not writable.
	ErrUnwritable = errors.New("partition: output")

	// ErrClosed is returned by a LabelsWriter used after Close or Abort.
	ErrClosed = errors.New("partition: writer is closed")
)
