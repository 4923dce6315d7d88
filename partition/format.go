package partition

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Format is a file format that shoal reads and writes. It is chosen by the
// file's extension, never by sniffing content, so a worker knows how to
// read a shard from its Shard alone.
type Format int

const (
	// FormatParquet is Apache Parquet (.parquet, .pq); a shard is a range
	// of row groups.
	FormatParquet Format = iota
	// FormatArrowFile is the Arrow IPC file format, also known as Feather
	// v2 (.arrow, .feather, .ipc); a shard is a range of record batches
	// located through the footer.
	FormatArrowFile
	// FormatArrowStream is the Arrow IPC stream format (.arrows); a shard is
	// a range of record batches, found by reading the stream in order.
	FormatArrowStream
	// FormatCSV is comma-separated text with a header line (.csv); a shard
	// is a byte range of whole lines. A gzip (.csv.gz) or zstd (.csv.zst)
	// compressed file is CSV too, read through its decompressor; it is one
	// shard, whose range counts decompressed bytes (see csvCodec).
	FormatCSV
)

// supportedExts lists the extensions of input files, for messages.
const supportedExts = ".parquet, .pq, .arrow, .feather, .ipc, .arrows, .csv, .csv.gz or .csv.zst"

// formatByExt maps a lower-case extension to its format. The names follow
// the Arrow project's conventions: .arrows is the registered extension of
// the stream format, .arrow/.feather/.ipc all mean the file format.
var formatByExt = map[string]Format{
	".parquet": FormatParquet,
	".pq":      FormatParquet,
	".arrow":   FormatArrowFile,
	".feather": FormatArrowFile,
	".ipc":     FormatArrowFile,
	".arrows":  FormatArrowStream,
	".csv":     FormatCSV,
}

// FormatFromPath returns the format named by path's extension (case is
// ignored), or ErrUnknownFormat naming the file.
func FormatFromPath(path string) (Format, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if f, ok := formatByExt[ext]; ok {
		return f, nil
	}
	if csvCodec(path) != codecNone {
		return FormatCSV, nil
	}
	return 0, fmt.Errorf("%w: %s (want %s)", ErrUnknownFormat, path, supportedExts)
}

// codec is the compression of a CSV file, named by its extension.
type codec int

const (
	codecNone codec = iota
	codecGzip
	codecZstd
)

// csvCodec returns the compression a .csv.gz or .csv.zst name announces,
// or codecNone.
func csvCodec(path string) codec {
	lower := strings.ToLower(path)
	switch {
	case strings.HasSuffix(lower, ".csv.gz"):
		return codecGzip
	case strings.HasSuffix(lower, ".csv.zst"):
		return codecZstd
	}
	return codecNone
}

// String returns the format's name as a user would type it.
func (f Format) String() string {
	switch f {
	case FormatParquet:
		return "parquet"
	case FormatArrowFile:
		return "arrow"
	case FormatArrowStream:
		return "arrow-stream"
	case FormatCSV:
		return "csv"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}
