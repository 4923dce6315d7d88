package partition

import (
	"fmt"
	"math"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Hive-style partitioning: a directory named key=value below an input
// directory (or below the fixed part of a glob) makes a column key, of
// value value, in every row of the files under it. Values are typed as
// Spark's partition discovery types them: int64 when every value of the
// key parses as an integer, else float64 when every value parses as a
// finite number, else string. A value is URL-unescaped (Hive writes "/"
// as %2F) and __HIVE_DEFAULT_PARTITION__ is null.
//
// A partition column is a per-file constant: nothing carries it beside
// the shard. A reader finds it in the shard's file path, as the deepest
// key=value directory whose key is the requested column; Scan checks that
// this rule names exactly the partition columns it planned (see
// checkPathColumns), so every worker reading the path agrees with it.

// hiveNull is the value Hive and Spark write for a null partition value.
const hiveNull = "__HIVE_DEFAULT_PARTITION__"

// PartitionValue is one key=value directory of a file's path.
type PartitionValue struct {
	// Key is the column name, unescaped.
	Key string
	// Value is the value, unescaped; "" when Null.
	Value string
	// Null is set for __HIVE_DEFAULT_PARTITION__.
	Null bool
}

// PartitionColumn is a column that key=value directories give a dataset.
type PartitionColumn struct {
	// Name is the key.
	Name string
	// Type is "int64", "float64" or "string", from all the key's values.
	Type string
}

// parseSegment reads one path segment as key=value. ok is false when the
// segment is not of that form (no "=", or nothing before it); err is set
// when it is, but its value is empty, which Hive never writes.
func parseSegment(seg string) (pv PartitionValue, ok bool, err error) {
	i := strings.IndexByte(seg, '=')
	if i <= 0 {
		return PartitionValue{}, false, nil
	}
	key, raw := unescapeSegment(seg[:i]), seg[i+1:]
	if raw == "" {
		return PartitionValue{}, false, fmt.Errorf("%w: directory %q has an empty partition value (Hive writes %s for a null)", ErrInvalidPartition, seg, hiveNull)
	}
	if raw == hiveNull {
		return PartitionValue{Key: key, Null: true}, true, nil
	}
	return PartitionValue{Key: key, Value: unescapeSegment(raw)}, true, nil
}

// unescapeSegment undoes Hive's %XX escaping of path names; a "%" that
// starts no valid escape is kept as written, as Spark does.
func unescapeSegment(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// partitionBelow returns the key=value directories between root and the
// file path, outermost first. A directory that is not key=value ends
// nothing: Spark also reads lake/2026/x=1/part.parquet as partitioned by
// x. A key found twice is an error.
func partitionBelow(root, path string) ([]PartitionValue, error) {
	rel, err := filepath.Rel(root, filepath.Dir(path))
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return nil, nil
	}
	var out []PartitionValue
	for _, seg := range strings.Split(rel, string(filepath.Separator)) {
		pv, ok, err := parseSegment(seg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if !ok {
			continue
		}
		for _, p := range out {
			if p.Key == pv.Key {
				return nil, fmt.Errorf("%w: %s: key %q appears in two directories of the path", ErrInvalidPartition, path, pv.Key)
			}
		}
		out = append(out, pv)
	}
	return out, nil
}

// pathPartition returns the value of each key=value directory of path,
// anywhere in it; a deeper directory wins over an outer one of the same
// key. It is what a reader knows of a shard's partition.
func pathPartition(path string) map[string]PartitionValue {
	var out map[string]PartitionValue
	for _, seg := range strings.Split(filepath.ToSlash(filepath.Dir(path)), "/") {
		if pv, ok, err := parseSegment(seg); ok && err == nil {
			if out == nil {
				out = map[string]PartitionValue{}
			}
			out[pv.Key] = pv
		}
	}
	return out
}

// partitionTypes types each key from all its values, in the order of the
// first file's keys, after checking that every file has the same keys in
// the same order.
func partitionTypes(inputs []Input) ([]PartitionColumn, error) {
	if len(inputs) == 0 {
		return nil, nil
	}
	first := inputs[0]
	keys := make([]string, len(first.Partition))
	for i, p := range first.Partition {
		keys[i] = p.Key
	}
	cols := make([]PartitionColumn, len(keys))
	isInt := make([]bool, len(keys))
	isFloat := make([]bool, len(keys))
	for i := range keys {
		isInt[i], isFloat[i] = true, true
	}
	seen := make([]bool, len(keys))
	for _, in := range inputs {
		if !slices.EqualFunc(in.Partition, keys, func(p PartitionValue, k string) bool { return p.Key == k }) {
			return nil, fmt.Errorf("%w: %s lies under key=value directories %s but %s under %s; every file must have the same partition keys",
				ErrSchemaMismatch, in.Path, describeKeys(in.Partition), first.Path, describeKeys(first.Partition))
		}
		for i, p := range in.Partition {
			if p.Null {
				continue
			}
			seen[i] = true
			if isInt[i] {
				_, err := strconv.ParseInt(p.Value, 10, 64)
				isInt[i] = err == nil
			}
			if isFloat[i] && !isInt[i] {
				v, err := strconv.ParseFloat(p.Value, 64)
				isFloat[i] = err == nil && !math.IsNaN(v) && !math.IsInf(v, 0)
			}
		}
	}
	for i, k := range keys {
		cols[i] = PartitionColumn{Name: k, Type: "string"}
		switch {
		case !seen[i]:
		case isInt[i]:
			cols[i].Type = "int64"
		case isFloat[i]:
			cols[i].Type = "float64"
		}
	}
	return cols, nil
}

func describeKeys(parts []PartitionValue) string {
	if len(parts) == 0 {
		return "none"
	}
	keys := make([]string, len(parts))
	for i, p := range parts {
		keys[i] = p.Key
	}
	return quoteList(keys)
}

// withPartitionColumns appends the partition columns to a file's own
// columns, refusing a file that has a column of a partition key's name.
func withPartitionColumns(path string, cols []column, parts []PartitionColumn) ([]column, error) {
	if len(parts) == 0 {
		return cols, nil
	}
	out := slices.Clip(cols)
	for _, p := range parts {
		for _, c := range cols {
			if c.name == p.Name {
				return nil, fmt.Errorf("%w: %s: column %q is also a key=value directory of its path; rename the column or the directories",
					ErrAmbiguousColumn, path, p.Name)
			}
		}
		out = append(out, column{name: p.Name, typ: p.Type + " (partition)", numeric: p.Type != "string", partition: true})
	}
	return out, nil
}

// checkPathColumns checks that a reader of path, which takes a requested
// column from the path when a key=value directory of the path has its
// name (pathPartition), finds there exactly the partition columns of the
// plan: a key=value directory above the dataset's root must not shadow a
// column of the file.
func checkPathColumns(path string, wanted []string, parts []PartitionColumn) error {
	inPath := pathPartition(path)
	for _, name := range wanted {
		_, fromPath := inPath[name]
		isPart := slices.ContainsFunc(parts, func(p PartitionColumn) bool { return p.Name == name })
		if fromPath && !isPart {
			return fmt.Errorf("%w: %s: column %q is in the file, but a %s=... directory above the input has the same name; give the input from above that directory, or rename it",
				ErrAmbiguousColumn, path, name, name)
		}
	}
	return nil
}

// constColumn is a requested column whose value comes from the path.
type constColumn struct {
	j     int // position among the filler's names
	value float64
	null  bool
	raw   string // the value as text, for CSV; "" when null
}

// pathColumns finds which of names a reader of path takes from its
// key=value directories, with their values. A value that is not a number
// is ErrNotNumeric: only numeric partition columns are features.
func pathColumns(path string, names []string) ([]constColumn, error) {
	inPath := pathPartition(path)
	if inPath == nil {
		return nil, nil
	}
	var out []constColumn
	for j, name := range names {
		pv, ok := inPath[name]
		if !ok {
			continue
		}
		c := constColumn{j: j, null: pv.Null, raw: pv.Value}
		if !pv.Null {
			v, err := strconv.ParseFloat(pv.Value, 64)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: partition column %q has the text value %q; only numeric partition columns can be features",
					ErrNotNumeric, path, name, pv.Value)
			}
			c.value = v
		}
		out = append(out, c)
	}
	return out, nil
}

// fileNames returns names without the columns taken from the path.
func fileNames(names []string, consts []constColumn) []string {
	out := make([]string, 0, len(names)-len(consts))
	for j, n := range names {
		if !slices.ContainsFunc(consts, func(c constColumn) bool { return c.j == j }) {
			out = append(out, n)
		}
	}
	return out
}

// withConstants wraps a batch callback over the file's columns into one
// over all requested columns, inserting each path column as a constant
// float64 array of the batch's length. The arrays are made once per
// batch length and released by the returned func.
func withConstants(consts []constColumn, total int, fill func(at int, cols []arrow.Array) error) (func(at, n int, cols []arrow.Array) error, func()) {
	made := map[int][]arrow.Array{}
	release := func() {
		for _, arrs := range made {
			for _, a := range arrs {
				a.Release()
			}
		}
	}
	full := make([]arrow.Array, total)
	return func(at, n int, cols []arrow.Array) error {
		arrs, ok := made[n]
		if !ok {
			arrs = make([]arrow.Array, len(consts))
			for i, c := range consts {
				arrs[i] = constantArray(c, n)
			}
			made[n] = arrs
		}
		k, i := 0, 0
		for j := range full {
			if i < len(consts) && consts[i].j == j {
				full[j] = arrs[i]
				i++
				continue
			}
			full[j] = cols[k]
			k++
		}
		return fill(at, full)
	}, release
}

// constantArray is n copies of c's value, or n nulls.
func constantArray(c constColumn, n int) arrow.Array {
	vals := make([]float64, n)
	buffers := []*memory.Buffer{nil, memory.NewBufferBytes(arrow.Float64Traits.CastToBytes(vals))}
	nulls := 0
	if c.null {
		buffers[0] = memory.NewBufferBytes(make([]byte, (n+7)/8))
		nulls = n
	} else {
		for i := range vals {
			vals[i] = c.value
		}
	}
	data := array.NewData(arrow.PrimitiveTypes.Float64, n, buffers, nil, nulls, 0)
	defer data.Release()
	return array.NewFloat64Data(data)
}

// readWithPathColumns reads shard s into f when some requested columns
// come from the path: the format's reader reads the file's columns, and
// each batch gets the constant columns inserted before f fills it. With
// no file column requested, the plan's row count makes one batch.
func readWithPathColumns(s Shard, f *filler, consts []constColumn, mem memory.Allocator) (int, error) {
	if s.Format == FormatCSV {
		return readCSVShardWith(s, f, consts)
	}
	names := fileNames(f.names, consts)
	fill, release := withConstants(consts, len(f.names), f.fillBatch)
	defer release()
	if len(names) == 0 {
		n := int(s.Rows)
		return n, fill(0, n, nil)
	}
	batch := func(at int, cols []arrow.Array) error { return fill(at, cols[0].Len(), cols) }
	switch s.Format {
	case FormatParquet:
		return readParquet(s.File, names, s.First, s.Last, mem, batch)
	case FormatArrowFile:
		return readArrowFile(s.File, names, s.First, s.Last, mem, batch)
	case FormatArrowStream:
		return readArrowStream(s.File, names, spanOf(s), mem, batch)
	}
	return 0, fmt.Errorf("%w: %s: format %v", ErrUnknownFormat, s.File, s.Format)
}
