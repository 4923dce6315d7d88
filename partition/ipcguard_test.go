package partition

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	flatbuffers "github.com/google/flatbuffers/go"
)

// Flatbuffers built here with the flatbuffers builder, following the Arrow
// format's Schema.fbs: Schema{endianness, fields, custom_metadata},
// Field{name, nullable, type_type, type, dictionary, children,
// custom_metadata}. Offsets a builder returns count from the end of the
// finished buffer, which is how the tests find the bytes to corrupt.

// buildSchema makes a Schema whose single field nests depth levels deep,
// with a two-entry custom metadata vector. It returns the buffer, and the
// buffer positions of the metadata vector and of the innermost field's
// parent's children vector.
func buildSchema(depth int) (buf []byte, metaVec, childVec int) {
	b := flatbuffers.NewBuilder(256)
	kvs := make([]flatbuffers.UOffsetT, 2)
	for i := range kvs {
		k, v := b.CreateString("k"), b.CreateString("v")
		b.StartObject(2)
		b.PrependUOffsetTSlot(0, k, 0)
		b.PrependUOffsetTSlot(1, v, 0)
		kvs[i] = b.EndObject()
	}
	b.StartVector(4, 2, 4)
	b.PrependUOffsetT(kvs[1])
	b.PrependUOffsetT(kvs[0])
	meta := b.EndVector(2)

	var field, children flatbuffers.UOffsetT
	for d := 0; d < depth; d++ {
		name := b.CreateString("f")
		if d > 0 {
			b.StartVector(4, 1, 4)
			b.PrependUOffsetT(field)
			children = b.EndVector(1)
		}
		b.StartObject(7)
		b.PrependUOffsetTSlot(0, name, 0)
		if d > 0 {
			b.PrependUOffsetTSlot(5, children, 0)
		}
		field = b.EndObject()
	}
	b.StartVector(4, 1, 4)
	b.PrependUOffsetT(field)
	fields := b.EndVector(1)
	b.StartObject(4)
	b.PrependUOffsetTSlot(1, fields, 0)
	b.PrependUOffsetTSlot(2, meta, 0)
	b.Finish(b.EndObject())
	buf = b.FinishedBytes()
	return buf, len(buf) - int(meta), len(buf) - int(children)
}

func schemaCheck(buf []byte) error { return checkFB(buf, (*fbWalk).schema) }

func TestCheckSchemaFlatbuffer(t *testing.T) {
	buf, metaVec, childVec := buildSchema(3)
	if err := schemaCheck(buf); err != nil {
		t.Fatalf("valid schema refused: %v", err)
	}

	// A metadata vector claiming a billion entries in a short buffer.
	bad := append([]byte(nil), buf...)
	binary.LittleEndian.PutUint32(bad[metaVec:], 1<<30)
	if err := schemaCheck(bad); err == nil || !strings.Contains(err.Error(), "runs past") {
		t.Errorf("huge metadata vector: %v", err)
	}

	// A children vector whose element points back at the vector's own
	// field: offsets wrap around modulo 2³², so corrupt data can loop.
	bad = append([]byte(nil), buf...)
	elem := childVec + 4
	// The field owning this vector was built after it, so it sits at a
	// lower address; find it as the table whose children slot leads here.
	owner := -1
	for p := 0; p+4 <= elem; p += 4 {
		if tryChildVector(bad, p) == childVec {
			owner = p
		}
	}
	if owner < 0 {
		t.Fatal("could not find the owning field")
	}
	binary.LittleEndian.PutUint32(bad[elem:], uint32(owner-elem))
	if err := schemaCheck(bad); err == nil || !strings.Contains(err.Error(), "refer to each other") && !strings.Contains(err.Error(), "nested deeper") {
		t.Errorf("cyclic children: %v", err)
	}

	// Nesting beyond arrow-go's own limit.
	deep, _, _ := buildSchema(maxFieldDepth + 2)
	if err := schemaCheck(deep); err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Errorf("deep nesting: %v", err)
	}

	// Truncations never panic.
	for n := range len(buf) {
		schemaCheck(buf[:n])
	}
}

// tryChildVector returns the buffer position of the children vector of a
// Field table at pos, or -1 when pos is not such a table.
func tryChildVector(buf []byte, pos int) (vec int) {
	defer func() {
		if recover() != nil {
			vec = -1
		}
	}()
	t := flatbuffers.Table{Bytes: buf, Pos: flatbuffers.UOffsetT(pos)}
	o := flatbuffers.UOffsetT(t.Offset(14))
	if o == 0 {
		return -1
	}
	return int(t.Vector(o)) - 4
}

// TestCheckIPCFileAcceptsValidFiles: the check passes every valid file the
// package writes and the Arrow integration files.
func TestCheckIPCFileAcceptsValidFiles(t *testing.T) {
	p := filepath.Join(t.TempDir(), "b.arrow")
	if _, err := GenerateBlobs(p, BlobsConfig{N: 100, D: 3, K: 2, Seed: 1, BatchRows: 30}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(p)
	for _, c := range []struct{ first, last int64 }{{0, -1}, {1, 3}, {3, 9}} {
		rows, err := checkIPCFile(data, c.first, c.last)
		want := []int64{30, 30, 30, 10}
		if c.last >= 0 {
			want = want[c.first:min(c.last, 4)]
		}
		if err != nil || !slices.Equal(rows, want) {
			t.Errorf("batches [%d,%d): rows %v, %v; want %v", c.first, c.last, rows, err, want)
		}
	}
	files := []string{p}
	root := filepath.Join("..", "..", "shared", "data", "arrow-testing", "arrow-ipc-stream", "integration")
	more, _ := filepath.Glob(filepath.Join(root, "*", "*.arrow_file"))
	for _, f := range append(files, more...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := checkIPCFile(data, 0, -1); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}
