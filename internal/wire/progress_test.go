package wire

import (
	"errors"
	"strings"
	"testing"
)

func TestProgressRoundTrip(t *testing.T) {
	p := &TaskProgress{Job: "j1", Round: -2, Task: 0, Worker: "w", Phase: "swap", Done: 3, Loss: 12.5, Swaps: 7}
	b, err := EncodeProgress(p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeProgress(b)
	if err != nil {
		t.Fatal(err)
	}
	if *got != *p {
		t.Errorf("decoded %+v, sent %+v", got, p)
	}
}

// TestDecodeProgressRefuses lists messages a coordinator must drop.
func TestDecodeProgressRefuses(t *testing.T) {
	frame := func(h string) []byte {
		return append([]byte{'S', 'H', 'L', '1', byte(len(h)), byte(len(h) >> 8), 0, 0}, h...)
	}
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"plain json", []byte(`{"job":"j","phase":"swap"}`)},
		{"no body", frame(`{}`)},
		{"no job", frame(`{"body":{"phase":"swap","done":1}}`)},
		{"unknown phase", frame(`{"body":{"job":"j","phase":"label","done":1}}`)},
		{"negative done", frame(`{"body":{"job":"j","phase":"matrix","done":-1,"total":5}}`)},
		{"done past total", frame(`{"body":{"job":"j","phase":"build","done":6,"total":5}}`)},
		{"negative task", frame(`{"body":{"job":"j","task":-1,"phase":"swap","done":1}}`)},
		{"negative loss", frame(`{"body":{"job":"j","phase":"swap","done":1,"loss":-3}}`)},
		{"loss too large", frame(`{"body":{"job":"j","phase":"swap","done":1,"loss":1e999}}`)},
		{"string done", frame(`{"body":{"job":"j","phase":"swap","done":"1"}}`)},
		{"sections", frame(`{"body":{"job":"j","phase":"swap","done":1},"sections":[{"name":"x","type":"f64","len":0}]}`)},
		{"too long", frame(`{"body":{"job":"j","phase":"swap","done":1,"worker":"` + strings.Repeat("w", MaxProgressBytes) + `"}}`)},
		{"header overruns", []byte("SHL1\xff\xff\x00\x00{}")},
	} {
		if p, err := DecodeProgress(tc.b); !errors.Is(err, ErrDecode) {
			t.Errorf("%s: got %+v, %v; want ErrDecode", tc.name, p, err)
		}
	}
}

func FuzzDecodeProgress(f *testing.F) {
	b, _ := EncodeProgress(&TaskProgress{Job: "j", Phase: "matrix", Done: 64, Total: 1000})
	f.Add(b)
	b, _ = EncodeProgress(&TaskProgress{Job: "j", Round: -2, Phase: "swap", Done: 2, Loss: 1.5, Swaps: 4})
	f.Add(b)
	f.Add([]byte("SHL1\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeProgress(b)
		if err != nil {
			if !errors.Is(err, ErrDecode) {
				t.Fatalf("error %v is not ErrDecode", err)
			}
			return
		}
		if p.Job == "" || !progressPhases[p.Phase] || p.Done < 0 || p.Loss < 0 {
			t.Fatalf("decoded an invalid progress message %+v", p)
		}
		again, err := EncodeProgress(p)
		if err != nil {
			t.Fatalf("re-encoding: %v", err)
		}
		if len(again) > MaxProgressBytes {
			return // JSON escapes can lengthen a field
		}
		if q, err := DecodeProgress(again); err != nil || *q != *p {
			t.Fatalf("round trip of %+v gave %+v, %v", p, q, err)
		}
	})
}
