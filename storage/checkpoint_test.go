package storage

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
)

func TestCheckpointSeqMonotonic(t *testing.T) {
	s := mustOpenStore(t)
	if _, err := s.CreateJob("j", nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Checkpoint("j", "centres"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Checkpoint before any put: %v", err)
	}
	// Each step: put (seq, data), expected error, then the stored seq and data.
	for i, step := range []struct {
		seq      int64
		data     string
		wantErr  error
		wantSeq  int64
		wantData string
	}{
		{0, "r0", nil, 0, "r0"},
		{3, "r3", nil, 3, "r3"},
		{2, "late r2", ErrStaleCheckpoint, 3, "r3"},
		{3, "r3 again", nil, 3, "r3 again"}, // equal seq: a repeated write after a crash
		{0, "r0 redelivered", ErrStaleCheckpoint, 3, "r3 again"},
		{-1, "negative", ErrInvalid, 3, "r3 again"},
		{1 << 62, "", nil, 1 << 62, ""},
	} {
		t.Logf("step %d: %+v", i, step)
		err := s.PutCheckpoint("j", "centres", step.seq, []byte(step.data))
		if !errors.Is(err, step.wantErr) || (step.wantErr == nil) != (err == nil) {
			t.Fatalf("step %d: PutCheckpoint = %v, want %v", i, err, step.wantErr)
		}
		seq, data, err := s.Checkpoint("j", "centres")
		if err != nil || seq != step.wantSeq || string(data) != step.wantData {
			t.Fatalf("step %d: Checkpoint = %d, %q, %v; want %d, %q", i, seq, data, err, step.wantSeq, step.wantData)
		}
		if data == nil {
			t.Fatalf("step %d: empty checkpoint read back as nil", i)
		}
	}
	// Names are independent.
	if err := s.PutCheckpoint("j", "medoids", 1, []byte("m")); err != nil {
		t.Fatalf("another name with a lower seq: %v", err)
	}
	if _, _, err := s.Checkpoint("j", "sums"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown name: %v", err)
	}
}

func TestCheckpointErrors(t *testing.T) {
	s := mustOpenStore(t)
	if err := s.PutCheckpoint("none", "centres", 0, nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("checkpoint of an unknown job: %v", err)
	}
	if _, _, err := s.Checkpoint("none", "centres"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("read of an unknown job: %v", err)
	}
	if _, err := s.CreateJob("j", nil); err != nil {
		t.Fatal(err)
	}
	if err := s.PutCheckpoint("j", "", 0, nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("empty name: %v", err)
	}
	if err := s.PutCheckpoint("", "centres", 0, nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("empty job: %v", err)
	}
}

func TestCheckpointCopies(t *testing.T) {
	s := mustOpenStore(t)
	if _, err := s.CreateJob("j", nil); err != nil {
		t.Fatal(err)
	}
	in := []byte{1, 2, 3, 4}
	if err := s.PutCheckpoint("j", "centres", 1, in); err != nil {
		t.Fatal(err)
	}
	in[0] = 99 // the caller reuses its buffer
	_, a, err := s.Checkpoint("j", "centres")
	if err != nil {
		t.Fatal(err)
	}
	a[1] = 98 // and scribbles on what it got
	// Later writes must not change a slice already returned either.
	if err := s.PutCheckpoint("j", "centres", 2, []byte{7, 7, 7, 7}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, []byte{1, 98, 3, 4}) {
		t.Fatalf("returned slice changed under the caller: %v", a)
	}
	if err := s.PutCheckpoint("j", "centres", 2, []byte{1, 2, 3, 4}); err != nil {
		t.Fatal(err)
	}
	if _, b, _ := s.Checkpoint("j", "centres"); !bytes.Equal(b, []byte{1, 2, 3, 4}) {
		t.Fatalf("stored %v, want [1 2 3 4]", b)
	}
}

func TestPutCheckpointIn(t *testing.T) {
	s := mustOpenStore(t)
	if _, err := s.CreateJob("j", nil); err != nil {
		t.Fatal(err)
	}
	for i, step := range []struct {
		transition JobState // applied first, if set
		states     []JobState
		wantErr    error
	}{
		{"", []JobState{StateRunning}, ErrJobState},
		{"", []JobState{StatePending, StateRunning}, nil},
		{StateRunning, []JobState{StateRunning}, nil},
		{StateCancelled, []JobState{StateRunning}, ErrJobState},
		{"", nil, nil}, // no states: no check
	} {
		t.Logf("step %d: %+v", i, step)
		if step.transition != "" {
			if _, err := s.Transition("j", step.transition, ""); err != nil {
				t.Fatal(err)
			}
		}
		seq := int64(10 + i)
		err := s.PutCheckpointIn("j", "centres", seq, []byte(fmt.Sprint(i)), step.states...)
		if !errors.Is(err, step.wantErr) || (step.wantErr == nil) != (err == nil) {
			t.Fatalf("step %d: %v, want %v", i, err, step.wantErr)
		}
		got, _, _ := s.Checkpoint("j", "centres")
		if (err == nil) != (got == seq) {
			t.Fatalf("step %d: stored seq %d after err %v", i, got, err)
		}
	}
}

// FuzzDecodeCheckpoint: the decoder of stored checkpoint values never
// panics, and accepts exactly the values of at least 8 bytes whose header
// is a non-negative int64.
func FuzzDecodeCheckpoint(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 5, 'x'})
	f.Add([]byte{0x80, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, v []byte) {
		seq, data, err := decodeCheckpoint(v)
		wantOK := len(v) >= 8 && v[0] < 0x80
		if (err == nil) != wantOK {
			t.Fatalf("decodeCheckpoint(%x) err = %v, want ok=%v", v, err, wantOK)
		}
		if !wantOK {
			return
		}
		var want int64
		for _, b := range v[:8] {
			want = want<<8 | int64(b)
		}
		if seq != want || !bytes.Equal(data, v[8:]) {
			t.Fatalf("decodeCheckpoint(%x) = %d, %x", v, seq, data)
		}
	})
}

// BenchmarkPutCheckpoint writes centre checkpoints the size of k×d float32
// centres, one per round, as a k-means job does.
func BenchmarkPutCheckpoint(b *testing.B) {
	for _, size := range []int{100 * 32 * 4, 1 << 20} {
		for _, sync := range []bool{false, true} {
			b.Run(fmt.Sprintf("bytes=%d/sync=%v", size, sync), func(b *testing.B) {
				s := mustOpenStore(b)
				s.db.NoSync = !sync
				if _, err := s.CreateJob("j", nil); err != nil {
					b.Fatal(err)
				}
				data := make([]byte, size)
				b.SetBytes(int64(size))
				b.ResetTimer()
				for i := range b.N {
					if err := s.PutCheckpoint("j", "centres", int64(i), data); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkOpen opens a catalog of 20,000 jobs with a 4 KB checkpoint
// each: Open reads every key and value before it trusts the file, so this
// is what a coordinator's start costs for a catalog of that size.
func BenchmarkOpen(b *testing.B) {
	path := filepath.Join(b.TempDir(), "shoal.db")
	s, err := Open(path, Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	data := make([]byte, 4096)
	for i := range 20000 {
		id := fmt.Sprintf("job-%05d", i)
		if _, err := s.CreateJob(id, []byte(`{"k": 3}`)); err != nil {
			b.Fatal(err)
		}
		if err := s.PutCheckpoint(id, "centres", 1, data); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		s, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}
