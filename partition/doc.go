// Package partition turns files into shards and shards into float32 blocks.
//
// A dataset is one or more Parquet, Arrow IPC (file or stream) or CSV
// files, or directories of them. Scan reads only metadata (Parquet footers,
// Arrow footers and batch headers, one newline-counting pass over CSV),
// resolves the feature and weight columns, checks that every file agrees,
// and plans Shards: contiguous row groups, record batches or CSV byte
// ranges, each with the global index of its first row. A Shard is a small
// value that a coordinator sends to any worker that can see the file;
// ReadShard decodes it into a Block, a row-major []float32 with the global
// row index of each row. Global row indices count rows from 0 over all
// files in input order; they are the "row" of the labels file and the
// medoid_rows of a model, and what deterministic sampling hashes.
//
// A data lake's layouts are datasets too. ExpandPaths walks directories
// (skipping names that start with "." or "_", such as _SUCCESS and
// _delta_log), expands quoted globs one path segment at a time, and skips
// the key=value directories a Where rules out without entering them; it
// opens no file, so a service checks every file it lists before ScanInputs
// reads any. Hive-style key=value directories below an input's root are
// partition columns (Dataset.Partitions), typed int64, float64 or string
// from all their values as Spark types them. A numeric one can be a
// feature when named; none is a default feature. Nothing about partitions
// travels with a shard: a reader takes a value from the shard's path, as the
// deepest key=value directory of that name, and Scan checks that this
// finds exactly the columns it planned. Files ending .csv.gz and .csv.zst
// are CSV read through gzip or zstd, one shard per file.
//
// Decoding uses arrow-go's own Parquet and IPC readers; CSV uses
// encoding/csv on the shard's byte range. Every numeric type (float32,
// float64, signed and unsigned integers) converts to float32. Null, NaN and
// infinite values either fail the read, naming file, column and row, or
// drop the row (NullPolicy).
//
// The package also writes: CreateLabels for the labels file (row, cluster,
// distance), WriteLabelsPart for one part of a labels dataset with the
// input columns that ReadKept read for its rows (KeepColumns resolves
// them), GenerateBlobs for Gaussian test data, WriteTable for any
// float32/int32 table. Writers produce a temporary file and rename it into
// place when complete.
//
// Core types: Options, Dataset, Shard, Block, NullPolicy, Format,
// LabelsWriter, KeepColumn, BlobsConfig, Input, Where. Nominal (text,
// boolean, dictionary) columns are features only when Options.Nominal
// admits them: ShardLevels finds their values, ReadShardNominal reads
// them as codes (nominal.go).
//
// # Caveats
//
//   - A Block owns its slices; nothing in it refers to Arrow memory, and
//     ReadShard releases every Arrow buffer it used before returning.
//   - Arrow IPC files are memory-mapped while a shard is read. Truncating
//     or rewriting a file under a running read can kill the process with
//     SIGBUS; replace files by renaming, as the writers here do.
//   - A dataset must not change between Scan and ReadShard. A changed row
//     count is detected (ErrCorrupt); changed values are not.
//   - Integers beyond 2²⁴ and float64 values lose precision in float32.
//     ReadShardShifted keeps about seven digits of each value's distance
//     from its column's offset (see Offsets) instead of its magnitude,
//     and refuses values too far from it for float32 distances.
//   - A CSV column is numeric when a number appears in its first 100 rows
//     and text when only text does; a column is never left out for a stray
//     cell. A cell of a numeric column that does not parse, in those rows
//     or later, is a bad value: an error naming file, column and row, or a
//     dropped row under NullsDrop. CSVOptions give the header and the
//     delimiter; each Shard carries them. A quoted field may span lines,
//     but shard boundaries assume RFC 4180 quoting.
//   - A where value is compared as text: month=3 does not match month=03,
//     though both read as the number 3. Partition columns are typed from
//     the files a where filter keeps, so year=2026.5 left out keeps year
//     an int64.
//   - Directories are walked following symbolic links; a loop
//     (ErrSymlinkLoop) or a directory or file reached twice
//     (ErrDuplicateInput) is an error rather than rows read twice.
//   - Arrow IPC files with dictionary-encoded fields are read through
//     arrow-go's plain file reader, which copies each batch, not over the
//     memory mapping (whose reader in arrow-go v18.8 panics on them).
//   - Arrow streams have no index: Scan reads through each stream once and
//     records each shard's byte range and the dictionary messages before
//     it that its batches need (Shard.ByteStart, ByteEnd, DictOffsets); a
//     shard's read reads the schema message, those, and its range. A
//     shard without offsets (an older plan, or a stream whose dictionaries
//     take more than 64 delta messages) is read from the start of the
//     stream, passing over the batches before it.
//   - arrow-go trusts the flatbuffer metadata of Arrow IPC data (also
//     stored in Parquet footers), so a corrupt file could make it allocate
//     without bound or recurse forever, which no recover can catch. The
//     package checks that metadata before arrow-go decodes it, limits what
//     decompression may allocate (1 GiB plus 64 times the file size held at
//     once), and decodes Parquet columns on its own goroutines so their
//     panics are recovered. These guards follow what fuzzing found; they
//     are not a proof, and a worker should still run where a crash costs
//     only a retried task.
//   - arrow-go v18.8 does not read Parquet's deprecated LZ4 codec (Hadoop
//     framing; LZ4_RAW works) nor a compressed v2 data page with no data;
//     such files fail with ErrCorrupt.
//   - ReadKept returns Arrow arrays the caller releases; they copy the
//     file's data, so they outlive the read. Kept columns come from
//     Parquet and Arrow files (and key=value directories); a CSV file's
//     columns are refused, having no Arrow types.
//   - Scan, ReadShard, ReadAll and ReadIntColumn are safe to call
//     concurrently; a LabelsWriter is not. ReadShard decodes Parquet
//     columns in parallel, up to GOMAXPROCS at a time.
package partition
