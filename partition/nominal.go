package partition

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Nominal columns (for Gower's dissimilarity) are text, boolean or
// dictionary-of-text columns read as codes: the index of each value in
// the column's sorted distinct values, its levels. ShardLevels finds a
// shard's levels; the caller merges those of all shards (sorted, so the
// codes depend on the data alone, not on which process read what), and
// ReadShardNominal reads the codes. A boolean reads as the text "false" or
// "true", in every format, so a CSV column of true/false and a Parquet
// boolean column give the same levels.

// nominalColumn is how the filler reads one nominal column: into codes,
// or, while levels are being found, into seen.
type nominalColumn struct {
	codes map[string]float32
	seen  map[string]struct{}
	max   int // the most levels seen may hold
}

// isNominal reports whether feature column j is read as codes.
func (f *filler) isNominal(j int) bool {
	return j < f.d && f.nominal != nil && f.nominal[j] != nil
}

// nominalCode returns the code of value s of nominal column j (local row
// i), or records s when levels are being found (the code is then 0).
func (f *filler) nominalCode(j, i int, s string) (float32, error) {
	c := f.nominal[j]
	if c.seen != nil {
		if _, ok := c.seen[s]; !ok {
			if len(c.seen) >= c.max {
				return 0, fmt.Errorf("%w: %s: column %q has more than %d distinct values; a nominal column for metric gower has at most %d (leave an identifier or free-text column out with --exclude)",
					ErrTooManyLevels, f.file, f.names[j], c.max, c.max)
			}
			// A copy: s may point into a mapped file's pages, which
			// are gone once the shard's read is over.
			c.seen[strings.Clone(s)] = struct{}{}
		}
		return 0, nil
	}
	code, ok := c.codes[s]
	if !ok {
		return 0, fmt.Errorf("%w: %s: column %q, row %d: value %s is not one of the %d the job found in the data; was the file changed after the job started?",
			ErrCorrupt, f.file, f.names[j], f.rowOffset+int64(i), quoteCell(s), len(c.codes))
	}
	return code, nil
}

// checkNominal is check for a nominal column: it rejects null rows, turns
// the chunk's values into codes and returns the function that copies them.
func (f *filler) checkNominal(j, at int, arr arrow.Array) (copyFunc, error) {
	n := arr.Len()
	text, err := textOf(arr)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: column %q has type %s (a nominal column holds text, booleans or a dictionary of text)",
			ErrNotNumeric, f.file, f.names[j], arr.DataType())
	}
	valid, off, err := f.rejectNulls(j, at, n, arr)
	if err != nil {
		return nil, err
	}
	codes := make([]float32, n)
	for i := range n {
		if valid != nil && bitutil.BitIsNotSet(valid, off+i) {
			continue
		}
		if codes[i], err = f.nominalCode(j, at+i, text(i)); err != nil {
			return nil, err
		}
	}
	return func(dst []float32, stride, lo, hi int) error {
		for i := lo; i < hi; i++ {
			dst[(i-lo)*stride] = codes[i]
		}
		return nil
	}, nil
}

// textOf returns the function giving value i of arr as text, for the
// types a nominal column may have.
func textOf(arr arrow.Array) (func(i int) string, error) {
	switch a := arr.(type) {
	case *array.String:
		return a.Value, nil
	case *array.LargeString:
		return a.Value, nil
	case *array.Boolean:
		return func(i int) string { return strconv.FormatBool(a.Value(i)) }, nil
	case *array.Dictionary:
		inner, err := textOf(a.Dictionary())
		if err != nil {
			return nil, err
		}
		return func(i int) string { return inner(a.GetValueIndex(i)) }, nil
	}
	return nil, fmt.Errorf("%w: type %s", ErrNotNumeric, arr.DataType())
}

// nominalType reports whether a column of type typ (as column.typ gives
// it) can be a nominal feature.
func nominalType(typ string) bool {
	switch typ {
	case "text", "utf8", "large_utf8", "bool":
		return true
	}
	return strings.HasPrefix(typ, "dictionary<values=utf8") || strings.HasPrefix(typ, "dictionary<values=large_utf8")
}

// readableColumn is what a reader asks of a requested column: numeric,
// or of a type a nominal column may have (the filler then refuses it
// unless the read treats it as nominal).
func readableColumn(file string, cols []column, name string) error {
	return featureColumn(file, cols, name, Options{Nominal: true})
}

// checkNominalArgs checks the nominal flags (and levels) of columns.
func checkNominalArgs(columns []string, nominal []bool, levels [][]string) error {
	if len(nominal) != len(columns) || (levels != nil && len(levels) != len(columns)) {
		return fmt.Errorf("%w: %d nominal flags and %d level lists for %d columns", ErrInvalidOptions, len(nominal), len(levels), len(columns))
	}
	return nil
}

// ShardLevels reads shard s and returns, for each column with nominal[j]
// set, its distinct values over the rows ReadShard keeps, sorted (nil for
// the other columns), and the block of kept rows (numeric columns as
// ReadShard reads them, nominal ones 0). A column with more than
// maxLevels distinct values is ErrTooManyLevels. Nulls follow the policy
// as in ReadShard.
func ShardLevels(s Shard, columns []string, nulls NullPolicy, nominal []bool, maxLevels int) ([][]string, *Block, error) {
	if err := checkNominalArgs(columns, nominal, nil); err != nil {
		return nil, nil, err
	}
	cols := make([]*nominalColumn, len(columns))
	for j, nom := range nominal {
		if nom {
			cols[j] = &nominalColumn{seen: map[string]struct{}{}, max: maxLevels}
		}
	}
	b, err := readShard(s, columns, "", nulls, memory.DefaultAllocator, func(f *filler) { f.nominal = cols })
	if err != nil {
		return nil, nil, err
	}
	// Under NullsDrop a value of a row dropped for a null in another
	// column still counts: a level that no kept row has costs nothing
	// but a code.
	out := make([][]string, len(columns))
	for j, c := range cols {
		if c == nil {
			continue
		}
		out[j] = make([]string, 0, len(c.seen))
		for v := range c.seen {
			out[j] = append(out[j], v)
		}
		slices.Sort(out[j])
	}
	return out, b, nil
}

// MergeLevels merges sorted level lists into one sorted list without
// duplicates.
func MergeLevels(a, b []string) []string {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}

// ReadShardNominal is ReadShard for Gower: the columns with nominal[j]
// set are read as the index of their value in levels[j] (sorted); a value
// not there is ErrCorrupt. Numeric columns are read as they are.
func ReadShardNominal(s Shard, columns []string, nulls NullPolicy, nominal []bool, levels [][]string) (*Block, error) {
	if err := checkNominalArgs(columns, nominal, levels); err != nil {
		return nil, err
	}
	cols := make([]*nominalColumn, len(columns))
	for j, nom := range nominal {
		if !nom {
			continue
		}
		codes := make(map[string]float32, len(levels[j]))
		for c, v := range levels[j] {
			codes[v] = float32(c)
		}
		cols[j] = &nominalColumn{codes: codes}
	}
	return readShard(s, columns, "", nulls, memory.DefaultAllocator, func(f *filler) { f.nominal = cols })
}
