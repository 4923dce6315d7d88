package worker

import (
	"reflect"
	"testing"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// randomBlock is n rows of d features from rng, on a coarse grid so that
// exact ties between centres occur.
func randomBlock(n, d int, seed uint64) *partition.Block {
	rng := algo.NewRand(seed)
	b := &partition.Block{D: d, Data: make([]float32, n*d), Index: make([]int64, n)}
	for i := range b.Data {
		b.Data[i] = float32(rng.IntN(8))
	}
	for i := range b.Index {
		b.Index[i] = int64(i)
	}
	return b
}

// TestNearestToExtends grows a list of centres pass by pass, as k-means||
// does, and requires every pass through the cache to give exactly what
// one Assigner over all the centres gives, ties included.
func TestNearestToExtends(t *testing.T) {
	const n, d = 700, 3
	b := randomBlock(n, d, 1)
	cands := randomBlock(60, d, 2).Data // 60 candidate centres, many duplicated rows
	shard := wire.Shard{ID: 0, File: "f", Rows: n}
	x := executor{nearest: NewNearestCache(0)}
	for _, k := range []int{1, 5, 5, 17, 40, 60} {
		task := &wire.Task{Job: "j", Kind: wire.KindSums, K: k, D: d, Centres: cands[:k*d], Extends: true}
		labels, dist, err := x.nearestTo(task, shard, b)
		if err != nil {
			t.Fatal(err)
		}
		a := algo.NewAssigner(k, d)
		if err := a.SetCentres(cands[:k*d]); err != nil {
			t.Fatal(err)
		}
		wantL, wantD := make([]int32, n), make([]float64, n)
		if err := a.AssignExact(b.Data, n, wantL, wantD); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(labels, wantL) || !reflect.DeepEqual(dist, wantD) {
			t.Fatalf("k=%d: extended result differs from one pass over all centres", k)
		}
	}
	// A list whose prefix changed must be recomputed, not trusted.
	changed := append([]float32(nil), cands...)
	changed[0] += 100
	task := &wire.Task{Job: "j", Kind: wire.KindSums, K: 60, D: d, Centres: changed, Extends: true}
	labels, _, err := x.nearestTo(task, shard, b)
	if err != nil {
		t.Fatal(err)
	}
	a := algo.NewAssigner(60, d)
	if err := a.SetCentres(changed); err != nil {
		t.Fatal(err)
	}
	want, wantD := make([]int32, n), make([]float64, n)
	if err := a.AssignExact(b.Data, n, want, wantD); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(labels, want) {
		t.Fatal("a changed centre list was served from the cache")
	}
}

func TestNearestCacheEvicts(t *testing.T) {
	c := NewNearestCache(3 * (12*100 + 64 + 1))
	for i := range 5 {
		key := string(rune('a' + i))
		c.store(key, 1, c.hash([]float32{1}), make([]int32, 100), make([]float64, 100))
	}
	if len(c.entries) != 3 || c.size > c.limit {
		t.Fatalf("%d entries, %d bytes of %d", len(c.entries), c.size, c.limit)
	}
	if n, _, _ := c.lookup("a", []float32{1}, 1, 100); n != 0 {
		t.Error("the least recently used entry was kept")
	}
	if n, _, _ := c.lookup("e", []float32{1}, 1, 100); n != 1 {
		t.Error("the newest entry was evicted")
	}
	if n, _, _ := c.lookup("e", []float32{2}, 1, 100); n != 0 {
		t.Error("an entry was served for other centres")
	}
}
