package wire

import (
	"encoding/binary"
	"unsafe"
)

// Sections are little-endian. Where the machine is too, an array's
// memory already holds its section's bytes, and encoding or decoding is
// one copy: a step task's 3200 centres and a label task's 62,500 rows
// were converted a value at a time, which made the coding of a step's
// messages a third of a millisecond on its critical path.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// fixed are the element types of sections wider than a byte.
type fixed interface {
	~float32 | ~float64 | ~int32 | ~int64
}

// rawBytes is the memory of v as bytes.
func rawBytes[T fixed](v []T) []byte {
	if len(v) == 0 {
		return nil
	}
	var zero T
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), len(v)*int(unsafe.Sizeof(zero)))
}
