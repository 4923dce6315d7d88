package wire

import (
	"encoding/binary"
	"unsafe"
)

// Sections are little-endian. Where the machine is too, an array's
// memory already holds its section's bytes, and encoding or decoding is
// one copy: a label task's 62,500 distances a shard were converted a
// value at a time on both ends (BenchmarkLabelResult). Other machines
// convert through encoding/binary.
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

// putFixed writes v into b, little-endian, and returns the bytes written;
// b holds at least that many.
func putFixed[T fixed](b []byte, v []T) int {
	if littleEndian {
		return copy(b, rawBytes(v))
	}
	n, err := binary.Encode(b, binary.LittleEndian, v)
	if err != nil {
		panic("wire: section buffer too small: " + err.Error()) // the frame is sized from the sections
	}
	return n
}

// getFixed returns the n little-endian values in b, which holds exactly
// their bytes (frameReader.lookup).
func getFixed[T fixed](b []byte, n int) []T {
	v := make([]T, n)
	if littleEndian {
		copy(rawBytes(v), b)
	} else if _, err := binary.Decode(b, binary.LittleEndian, v); err != nil {
		panic("wire: section shorter than its length: " + err.Error()) // lookup sized b
	}
	return v
}

// readFixed returns section name of type t, or nil when there is none.
func readFixed[T fixed](r *frameReader, name string, t sectionType) ([]T, error) {
	b, n, err := r.lookup(name, t)
	if b == nil || err != nil {
		return nil, err
	}
	return getFixed[T](b, n), nil
}
