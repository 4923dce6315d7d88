package partition

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
)

// tableKind says what a written table holds, which decides how its
// Parquet columns are encoded.
type tableKind int

const (
	// dataTable is a dataset of feature columns (WriteTable, `shoal gen`).
	dataTable tableKind = iota
	// labelsTable is a labels file or part: row, cluster and distance,
	// then any kept input columns.
	labelsTable
)

// parquetWriterProps are the Parquet writer settings for a table of the
// given kind and schema.
//
// Measured values rarely repeat: a dictionary of floats costs a hash per
// value to write, slows reading several times, and falls back to plain
// encoding anyway once it outgrows its page. Other columns of a data
// table keep a dictionary and Snappy.
//
// The labels' own three columns are written for the cost of writing
// them, which is most of a job's output time (BenchmarkWriteLabels,
// BenchmarkWriteLabelsPart): the row column is sequential and the cluster
// column small integers, so DELTA_BINARY_PACKED stores them in about a
// byte per row (the row column in almost nothing) without the hash per
// value of a dictionary; the distances are random float64 bits that
// Snappy cannot shrink. None of the three is compressed: Snappy spent
// more than half of the encoding time and saved under 1% once row and
// cluster are delta-encoded. Kept input columns (strings, timestamps,
// keys) are the user's data and keep the defaults.
func parquetWriterProps(schema *arrow.Schema, kind tableKind) *parquet.WriterProperties {
	opts := []parquet.WriterProperty{
		parquet.WithCompression(compress.Codecs.Snappy),
		// One row group per written batch: the caller chose the batch
		// size, and shards follow row groups.
		parquet.WithMaxRowGroupLength(1 << 40),
	}
	if kind == labelsTable {
		// Pages of 64 KiB rather than 1 MiB: the encoder's page buffer
		// stays small and pooled instead of growing (and being copied
		// and zeroed) to a shard's 512 KiB of distances, which halved
		// the memory a part takes to write and was the larger part of
		// its time.
		opts = append(opts, parquet.WithDataPageSize(64<<10))
	}
	for i, f := range schema.Fields() {
		if kind == labelsTable && i < len(labelsSchema.Fields()) {
			opts = append(opts,
				parquet.WithDictionaryFor(f.Name, false),
				parquet.WithCompressionFor(f.Name, compress.Codecs.Uncompressed))
			if f.Type.ID() == arrow.INT64 || f.Type.ID() == arrow.INT32 {
				opts = append(opts, parquet.WithEncodingFor(f.Name, parquet.Encodings.DeltaBinaryPacked))
			}
			continue
		}
		if f.Type.ID() == arrow.FLOAT32 || f.Type.ID() == arrow.FLOAT64 {
			opts = append(opts, parquet.WithDictionaryFor(f.Name, false))
		}
	}
	return parquet.NewWriterProperties(opts...)
}
