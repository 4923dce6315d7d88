package partition

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	flatbuffers "github.com/google/flatbuffers/go"
)

// Arrow files may store a column dictionary-encoded: small integer indices
// into a dictionary of values. A dictionary of numbers is a numeric column
// like any other; the readers undo the encoding batch by batch before the
// values reach a filler, so the fill code sees only plain arrays. A
// dictionary of strings is text, left out of the automatic features.

// slotFieldDictionary is the slot of Field.dictionary in Schema.fbs.
const slotFieldDictionary = 12

// ipcFileHasDictionaries reports whether the schema in the footer of an
// Arrow IPC file (checked by checkIPCFile) has a dictionary-encoded field,
// at any depth. arrow-go's reader over a memory mapping (v18.8) keeps no
// dictionary memo and panics on such a schema, so these files are read
// through its plain file reader instead, which copies each batch's body.
func ipcFileHasDictionaries(data ipcBytes) (bool, error) {
	footer, _, err := ipcFooter(data, 0)
	if err != nil {
		return false, err
	}
	found := false
	var field func(w *fbWalk, f flatbuffers.Table, depth int) error
	field = func(w *fbWalk, f flatbuffers.Table, depth int) error {
		if f.Offset(slotFieldDictionary) != 0 {
			found = true
		}
		if found || depth > maxFieldDepth {
			return nil
		}
		return w.elements(f, slotFieldChildren, func(c flatbuffers.Table) error { return field(w, c, depth+1) })
	}
	err = checkFB(footer, func(w *fbWalk, footer flatbuffers.Table) error {
		s, ok, err := w.table(footer, slotFooterSchema)
		if err != nil || !ok {
			return err
		}
		return w.elements(s, slotSchemaFields, func(f flatbuffers.Table) error { return field(w, f, 1) })
	})
	return found, err
}

// isNumericType reports whether a column of type t holds numbers, plain or
// dictionary-encoded.
func isNumericType(t arrow.DataType) bool {
	if d, ok := t.(*arrow.DictionaryType); ok {
		return isNumeric(d.ValueType)
	}
	return isNumeric(t)
}

// decodeDictionary returns arr with a dictionary encoding undone: an array
// of the dictionary's value type holding each row's value, null where the
// index or the value it points to is null. Any other array is returned as
// is, with decoded false; a decoded array must be released by the caller.
func decodeDictionary(path, column string, arr arrow.Array, mem memory.Allocator) (out arrow.Array, decoded bool, err error) {
	d, ok := arr.(*array.Dictionary)
	if !ok {
		return arr, false, nil
	}
	dict := d.Dictionary()
	switch v := dict.(type) {
	case *array.Float32:
		out, err = gather(path, column, d, v.Float32Values(), array.NewFloat32Builder(mem))
	case *array.Float64:
		out, err = gather(path, column, d, v.Float64Values(), array.NewFloat64Builder(mem))
	case *array.Int8:
		out, err = gather(path, column, d, v.Int8Values(), array.NewInt8Builder(mem))
	case *array.Int16:
		out, err = gather(path, column, d, v.Int16Values(), array.NewInt16Builder(mem))
	case *array.Int32:
		out, err = gather(path, column, d, v.Int32Values(), array.NewInt32Builder(mem))
	case *array.Int64:
		out, err = gather(path, column, d, v.Int64Values(), array.NewInt64Builder(mem))
	case *array.Uint8:
		out, err = gather(path, column, d, v.Uint8Values(), array.NewUint8Builder(mem))
	case *array.Uint16:
		out, err = gather(path, column, d, v.Uint16Values(), array.NewUint16Builder(mem))
	case *array.Uint32:
		out, err = gather(path, column, d, v.Uint32Values(), array.NewUint32Builder(mem))
	case *array.Uint64:
		out, err = gather(path, column, d, v.Uint64Values(), array.NewUint64Builder(mem))
	case *array.String, *array.LargeString:
		return arr, false, nil // a nominal column: read as codes (see nominal.go)
	default:
		return nil, false, fmt.Errorf("%w: %s: column %q has type %s (want float32, float64 or an integer type)",
			ErrNotNumeric, path, column, d.DataType())
	}
	if err != nil {
		return nil, false, err
	}
	return out, true, nil
}

// valueBuilder is the part of arrow-go's numeric builders that gather uses.
type valueBuilder[T any] interface {
	AppendValues(v []T, valid []bool)
	NewArray() arrow.Array
	Release()
}

// gather looks up every row of d in vals, the dictionary's values, and
// builds the plain array with b. An index outside the dictionary is a
// corrupt file.
func gather[T any](path, column string, d *array.Dictionary, vals []T, b valueBuilder[T]) (arrow.Array, error) {
	defer b.Release()
	dict := d.Dictionary()
	n := d.Len()
	out := make([]T, n)
	var valid []bool
	if d.NullN() > 0 || dict.NullN() > 0 {
		valid = make([]bool, n)
	}
	for i := range n {
		if d.IsNull(i) {
			continue
		}
		k := d.GetValueIndex(i)
		if k < 0 || k >= len(vals) {
			return nil, fmt.Errorf("%w: %s: column %q: dictionary index %d outside a dictionary of %d values", ErrCorrupt, path, column, k, len(vals))
		}
		if valid != nil {
			if dict.IsNull(k) {
				continue
			}
			valid[i] = true
		}
		out[i] = vals[k]
	}
	b.AppendValues(out, valid)
	return b.NewArray(), nil
}
