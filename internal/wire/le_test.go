package wire

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"testing"
)

// TestSectionsLittleEndian writes a section of each wide type and checks
// its bytes against encoding/binary's little-endian form, then reads each
// back: with the machine's own path and with the encoding/binary one
// that big-endian machines take.
func TestSectionsLittleEndian(t *testing.T) {
	native := littleEndian
	defer func() { littleEndian = native }()
	for _, le := range []bool{native, false} {
		littleEndian = le
		testSections(t)
	}
}

func testSections(t *testing.T) {
	f32 := []float32{1.5, -2, float32(math.Inf(1)), math.SmallestNonzeroFloat32, float32(math.NaN())}
	f64 := []float64{math.Pi, -0.0, math.MaxFloat64, math.Copysign(0, -1)}
	i32 := []int32{0, -1, math.MaxInt32, math.MinInt32, 300}
	i64 := []int64{1, -2, math.MaxInt64, math.MinInt64}
	var w frameWriter
	w.f32("a", f32)
	w.f64("b", f64)
	w.i32("c", i32)
	w.i64("d", i64)
	frame, err := w.finish(map[string]string{"job": "x"})
	if err != nil {
		t.Fatal(err)
	}
	var want []byte
	for _, v := range f32 {
		want = binary.LittleEndian.AppendUint32(want, math.Float32bits(v))
	}
	for _, v := range f64 {
		want = binary.LittleEndian.AppendUint64(want, math.Float64bits(v))
	}
	for _, v := range i32 {
		want = binary.LittleEndian.AppendUint32(want, uint32(v))
	}
	for _, v := range i64 {
		want = binary.LittleEndian.AppendUint64(want, uint64(v))
	}
	if !bytes.HasSuffix(frame, want) {
		t.Fatalf("payload % x\nwant    % x", frame[len(frame)-len(want):], want)
	}
	var h map[string]string
	r, err := readFrame(frame, &h)
	if err != nil {
		t.Fatal(err)
	}
	a, err := r.f32("a")
	if err != nil || !slices.EqualFunc(a, f32, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) }) {
		t.Errorf("f32 read back %v, %v", a, err)
	}
	b, err := r.f64("b")
	if err != nil || !slices.EqualFunc(b, f64, func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) }) {
		t.Errorf("f64 read back %v, %v", b, err)
	}
	c, err := r.i32("c")
	if err != nil || !slices.Equal(c, i32) {
		t.Errorf("i32 read back %v, %v", c, err)
	}
	d, err := r.i64("d")
	if err != nil || !slices.Equal(d, i64) {
		t.Errorf("i64 read back %v, %v", d, err)
	}
}
