package worker

import (
	"testing"

	"github.com/shoal-io/shoal/internal/wire"
)

// A validity result carries its sample rows and, in every part, the sums
// of every cluster of every k: the parts must still fit a message.
func TestSplitLeavesRoomForSums(t *testing.T) {
	const rows, d, k = 3000, 256, 209 // k = 2+3+…+20
	res := &wire.Result{Job: "j", Kind: wire.KindValidity, Parts: 1, K: k, D: d,
		Counts: make([]int64, k), Sums: make([]float64, k*d), Costs: make([]float64, 38),
		Points: make([]float32, rows*d)}
	for i := range rows {
		res.Rows = append(res.Rows, int64(2*i))
	}
	parts := split(res, 1<<20)
	if len(parts) < 2 {
		t.Fatalf("%d rows of %d values fit one message beside %d sums?", rows, d, k*d)
	}
	got := 0
	for i, p := range parts {
		b, err := wire.EncodeResult(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 1<<20 {
			t.Errorf("part %d of %d is %d bytes, over 1 MiB", i, len(parts), len(b))
		}
		if _, err := wire.DecodeResult(b); err != nil {
			t.Errorf("part %d: %v", i, err)
		}
		got += len(p.Rows)
	}
	if got != rows {
		t.Errorf("parts hold %d rows, want %d", got, rows)
	}
}
