package wire

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
)

// magic starts every frame; the digit is the frame version.
var magic = [4]byte{'S', 'H', 'L', '1'}

// maxHeader bounds the JSON header so a corrupt length cannot make a
// decoder allocate gigabytes.
const maxHeader = 1 << 20

// sectionType names the element type of a binary section.
type sectionType string

const (
	typeF32 sectionType = "f32"
	typeF64 sectionType = "f64"
	typeI32 sectionType = "i32"
	typeI64 sectionType = "i64"
	// typeU8 carries int32 values that all lie in [0, 255] in one byte
	// each: a label result's cluster ids for k ≤ 256.
	typeU8 sectionType = "u8"
)

func (t sectionType) size() int {
	switch t {
	case typeF32, typeI32:
		return 4
	case typeF64, typeI64:
		return 8
	case typeU8:
		return 1
	}
	return 0
}

// section describes one binary array that follows the header.
type section struct {
	Name string      `json:"name"`
	Type sectionType `json:"type"`
	Len  int         `json:"len"`
}

// frameWriter collects sections for one frame. The arrays are written
// once, in finish, into a buffer of the frame's exact size.
type frameWriter struct {
	sections []section
	arrays   []any // []float32, []float64, []int32 or []int64, one per section
	size     int
}

func (w *frameWriter) add(name string, t sectionType, n int, v any) {
	w.sections = append(w.sections, section{name, t, n})
	w.arrays = append(w.arrays, v)
	w.size += n * t.size()
}

func (w *frameWriter) f32(name string, v []float32) {
	if v != nil {
		w.add(name, typeF32, len(v), v)
	}
}

func (w *frameWriter) f64(name string, v []float64) {
	if v != nil {
		w.add(name, typeF64, len(v), v)
	}
}

func (w *frameWriter) i32(name string, v []int32) {
	if v != nil {
		w.add(name, typeI32, len(v), v)
	}
}

// i32Small writes v in one byte a value when every value lies in
// [0, 255], else as i32; frameReader.i32 reads either.
func (w *frameWriter) i32Small(name string, v []int32) {
	if v == nil {
		return
	}
	for _, x := range v {
		if uint32(x) > math.MaxUint8 {
			w.i32(name, v)
			return
		}
	}
	w.add(name, typeU8, len(v), v)
}

func (w *frameWriter) i64(name string, v []int64) {
	if v != nil {
		w.add(name, typeI64, len(v), v)
	}
}

// putArrays writes the sections' values into b, little-endian.
func (w *frameWriter) putArrays(b []byte) {
	off := 0
	for i, a := range w.arrays {
		if w.sections[i].Type == typeU8 {
			for j, x := range a.([]int32) {
				b[off+j] = uint8(x)
			}
			off += len(a.([]int32))
			continue
		}
		switch v := a.(type) {
		case []float32:
			off += putFixed(b[off:], v)
		case []float64:
			off += putFixed(b[off:], v)
		case []int32:
			off += putFixed(b[off:], v)
		case []int64:
			off += putFixed(b[off:], v)
		}
	}
}

// envelope is the JSON header: the message's own fields (Body) plus the
// sections. Body holds a pointer to the message, so one Marshal or
// Unmarshal handles the whole header: with the body as a json.RawMessage
// it was validated and scanned twice more, half of a step task's decode.
type envelope struct {
	Sections []section `json:"sections,omitempty"`
	Body     any       `json:"body"`
}

// finish produces the frame bytes for header body h.
func (w *frameWriter) finish(h any) ([]byte, error) {
	head, err := json.Marshal(envelope{Sections: w.sections, Body: h})
	if err != nil {
		return nil, fmt.Errorf("wire: encoding header: %w", err)
	}
	out := make([]byte, 8+len(head)+w.size)
	copy(out, magic[:])
	binary.LittleEndian.PutUint32(out[4:], uint32(len(head)))
	copy(out[8:], head)
	w.putArrays(out[8+len(head):])
	return out, nil
}

// frameReader hands out the sections of a decoded frame by name.
type frameReader struct {
	sections map[string]section
	offsets  map[string]int
	payload  []byte
}

// readFrame parses the frame in b, unmarshals its header body into h and
// checks that the sections exactly cover the payload.
func readFrame(b []byte, h any) (*frameReader, error) {
	if len(b) < 8 || [4]byte(b[:4]) != magic {
		return nil, fmt.Errorf("%w: not a shoal v1 frame", ErrDecode)
	}
	n := binary.LittleEndian.Uint32(b[4:8])
	if n > maxHeader || uint64(n) > uint64(len(b)-8) {
		return nil, fmt.Errorf("%w: header length %d exceeds message of %d bytes", ErrDecode, n, len(b))
	}
	// A header without a body leaves h empty, which the message's own
	// validation rejects (no job).
	env := envelope{Body: h}
	if err := json.Unmarshal(b[8:8+n], &env); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrDecode, err)
	}
	if env.Body != h {
		return nil, fmt.Errorf("%w: header body is not an object", ErrDecode)
	}
	r := &frameReader{
		sections: make(map[string]section, len(env.Sections)),
		offsets:  make(map[string]int, len(env.Sections)),
		payload:  b[8+n:],
	}
	off := 0
	for _, s := range env.Sections {
		size := s.Type.size()
		if size == 0 {
			return nil, fmt.Errorf("%w: section %q has unknown type %q", ErrDecode, s.Name, s.Type)
		}
		if s.Len < 0 || s.Len > (len(r.payload)-off)/size {
			return nil, fmt.Errorf("%w: section %q of %d elements overruns the payload", ErrDecode, s.Name, s.Len)
		}
		if _, dup := r.sections[s.Name]; dup {
			return nil, fmt.Errorf("%w: section %q appears twice", ErrDecode, s.Name)
		}
		r.sections[s.Name] = s
		r.offsets[s.Name] = off
		off += s.Len * size
	}
	if off != len(r.payload) {
		return nil, fmt.Errorf("%w: %d trailing bytes after the sections", ErrDecode, len(r.payload)-off)
	}
	return r, nil
}

func (r *frameReader) lookup(name string, t sectionType) ([]byte, int, error) {
	s, ok := r.sections[name]
	if !ok {
		return nil, 0, nil
	}
	if s.Type != t {
		return nil, 0, fmt.Errorf("%w: section %q is %s, want %s", ErrDecode, name, s.Type, t)
	}
	off := r.offsets[name]
	return r.payload[off : off+s.Len*t.size()], s.Len, nil
}

func (r *frameReader) f32(name string) ([]float32, error) {
	return readFixed[float32](r, name, typeF32)
}

func (r *frameReader) f64(name string) ([]float64, error) {
	return readFixed[float64](r, name, typeF64)
}

func (r *frameReader) i32(name string) ([]int32, error) {
	if s, ok := r.sections[name]; ok && s.Type == typeU8 {
		b, n, err := r.lookup(name, typeU8)
		if b == nil || err != nil {
			return nil, err
		}
		v := make([]int32, n)
		for i := range v {
			v[i] = int32(b[i])
		}
		return v, nil
	}
	return readFixed[int32](r, name, typeI32)
}

func (r *frameReader) i64(name string) ([]int64, error) {
	return readFixed[int64](r, name, typeI64)
}
