package worker

import (
	"github.com/shoal-io/shoal/partition"
	"runtime/debug"
	"testing"
)

func TestGCPercentFor(t *testing.T) {
	for _, c := range []struct {
		cached int64
		want   int
	}{
		{0, 100},
		{gcHeadroom, 100},
		{2 * gcHeadroom, 50},
		{4 * gcHeadroom, 25},
		{1 << 40, gcMinPercent},
	} {
		if got := gcPercentFor(c.cached); got != c.want {
			t.Errorf("gcPercentFor(%d) = %d, want %d", c.cached, got, c.want)
		}
	}
}

// TestPaceCollector: a pacing cache sets the GC percent from the bytes
// it holds after each load, evictions included.
func TestPaceCollector(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	c := NewBlockCache(3 * gcHeadroom)
	c.PaceCollector()
	load := func(key string, bytes int64) {
		t.Helper()
		if _, err := c.blocks.get(key, func() (*partition.Block, int64, error) { return nil, bytes, nil }); err != nil {
			t.Fatal(err)
		}
	}
	percent := func() int { p := debug.SetGCPercent(-1); debug.SetGCPercent(p); return p }
	load("a", gcHeadroom/2)
	if p := percent(); p != 100 {
		t.Fatalf("percent %d with half the headroom cached, want 100", p)
	}
	load("b", gcHeadroom*3/2)
	if p := percent(); p != 50 {
		t.Fatalf("percent %d with twice the headroom cached, want 50", p)
	}
	load("c", 2*gcHeadroom) // evicts a and b: 2×headroom held
	if p := percent(); p != 50 {
		t.Fatalf("percent %d after evictions left twice the headroom, want 50", p)
	}
	load("d", gcHeadroom/2) // 2.5×
	if p := percent(); p != 40 {
		t.Fatalf("percent %d with 2.5 times the headroom cached, want 40", p)
	}
}
