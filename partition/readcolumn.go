package partition

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ReadIntColumn reads one integer column of every row of the files, in
// input order (directories expanded as Scan does): ground-truth labels, or
// the cluster column of a labels file. Integer types of any width are
// accepted, and floats whose values are whole numbers (as label columns
// often are after a trip through pandas). A null, a fraction, or a value
// outside int64 is an error naming the file, column and global row.
func ReadIntColumn(paths []string, column string) ([]int64, error) {
	files, err := expandPaths(paths, nil)
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, in := range files {
		if out, err = readIntsFrom(in.Path, column, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// readIntsFrom appends the column's values in one file to out.
func readIntsFrom(path, column string, out []int64) (_ []int64, err error) {
	format, err := FormatFromPath(path)
	if err != nil {
		return nil, err
	}
	defer recoverCorrupt(path, &err)
	base := int64(len(out))
	names := []string{column}
	collect := func(at int, cols []arrow.Array) error {
		out, err = appendInts(out, cols[0], path, column, base+int64(at))
		return err
	}
	mem := memory.DefaultAllocator
	switch format {
	case FormatParquet:
		// One row group at a time: the column is held twice (Arrow and
		// out) only for one group.
		var info *fileInfo
		if info, err = probeParquet(path); err != nil {
			return nil, err
		}
		for _, u := range info.units {
			base = int64(len(out))
			if _, err = readParquet(path, names, u.first, u.last, mem, collect); err != nil {
				break
			}
		}
	case FormatArrowFile:
		_, err = readArrowFile(path, names, 0, -1, mem, collect)
	case FormatArrowStream:
		_, err = readArrowStream(path, names, wholeStream, mem, collect)
	case FormatCSV:
		_, err = readCSV(path, CSVOptions{}, names, -1, -1, base, func(i int, fields []string) error {
			v, null, ok := parseCSVInt(fields[0])
			if null {
				return fmt.Errorf("%w: %s: column %q, row %d: null", ErrNull, path, column, base+int64(i))
			}
			if !ok {
				return fmt.Errorf("%w: %s: column %q, row %d: %q", ErrNotInteger, path, column, base+int64(i), fields[0])
			}
			out = append(out, v)
			return nil
		})
	}
	return out, err
}

// appendInts appends arr's values, the first of which is global row row0.
func appendInts(out []int64, arr arrow.Array, path, column string, row0 int64) ([]int64, error) {
	valid, off := validity(arr)
	for i := range arr.Len() {
		if valid != nil && bitutil.BitIsNotSet(valid, off+i) {
			return nil, fmt.Errorf("%w: %s: column %q, row %d: null", ErrNull, path, column, row0+int64(i))
		}
	}
	bad := func(i int, v any) error {
		return fmt.Errorf("%w: %s: column %q, row %d: %v", ErrNotInteger, path, column, row0+int64(i), v)
	}
	switch a := arr.(type) {
	case *array.Int8:
		return appendConverted(out, a.Int8Values()), nil
	case *array.Int16:
		return appendConverted(out, a.Int16Values()), nil
	case *array.Int32:
		return appendConverted(out, a.Int32Values()), nil
	case *array.Int64:
		return append(out, a.Int64Values()...), nil
	case *array.Uint8:
		return appendConverted(out, a.Uint8Values()), nil
	case *array.Uint16:
		return appendConverted(out, a.Uint16Values()), nil
	case *array.Uint32:
		return appendConverted(out, a.Uint32Values()), nil
	case *array.Uint64:
		for i, v := range a.Uint64Values() {
			if v > math.MaxInt64 {
				return nil, bad(i, v)
			}
			out = append(out, int64(v))
		}
		return out, nil
	case *array.Float32:
		for i, v := range a.Float32Values() {
			n, ok := wholeNumber(float64(v))
			if !ok {
				return nil, bad(i, v)
			}
			out = append(out, n)
		}
		return out, nil
	case *array.Float64:
		for i, v := range a.Float64Values() {
			n, ok := wholeNumber(v)
			if !ok {
				return nil, bad(i, v)
			}
			out = append(out, n)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: %s: column %q has type %s (want an integer type)", ErrNotNumeric, path, column, arr.DataType())
}

func appendConverted[T int8 | int16 | int32 | uint8 | uint16 | uint32](out []int64, vals []T) []int64 {
	for _, v := range vals {
		out = append(out, int64(v))
	}
	return out
}

// wholeNumber converts v to int64 when it is an integer in int64's range.
func wholeNumber(v float64) (int64, bool) {
	if v != math.Trunc(v) || v < -(1<<63) || v >= 1<<63 {
		return 0, false
	}
	return int64(v), true
}

// parseCSVInt parses a CSV field as an integer; "3.0" is accepted, "3.5"
// is not. null reports a null token.
func parseCSVInt(s string) (v int64, null, ok bool) {
	if len(s) > 0 && (s[0] == ' ' || s[len(s)-1] == ' ') {
		s = strings.TrimSpace(s)
	}
	if isCSVNull(s) {
		return 0, true, false
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, false, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false, false
	}
	v, ok = wholeNumber(f)
	return v, false, ok
}
