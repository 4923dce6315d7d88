package wire

import (
	"fmt"
	"testing"
)

// BenchmarkStepTask encodes and decodes the messages of one mini-batch
// step: a sums task over 8 shards of a 32-column file with k=100 centres,
// and its result. A step sends two of each, and their coding is on the
// step's critical path.
func BenchmarkStepTask(b *testing.B) {
	t := &Task{Job: "20261130T051050-075a6778", ID: 3, Round: 17, Kind: KindSums, Seed: 1, Fraction: 0.004, K: 100, D: 32, MaxResultBytes: 1 << 20}
	for i := range 32 {
		t.Data.Columns = append(t.Data.Columns, fmt.Sprintf("x%d", i))
	}
	for i := range 8 {
		t.Shards = append(t.Shards, Shard{ID: i, File: "/tmp/shoal-bench/blobs-n1000000-d32-k100-seed7.parquet", Format: "parquet", First: int64(i), Last: int64(i + 1), RowOffset: int64(i) * 65536, Rows: 65536})
	}
	t.Centres = make([]float32, 3200)
	p, err := EncodeTask(t)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			EncodeTask(t)
		}
	})
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			DecodeTask(p)
		}
	})
	r := &Result{Job: t.Job, Task: 3, Round: 17, Kind: KindSums, Parts: 1, K: 100, D: 32, Sums: make([]float64, 3200), Weights: make([]float64, 100), Counts: make([]int64, 100), Inertias: make([]float64, 100)}
	q, err := EncodeResult(r)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("result-encode", func(b *testing.B) {
		for b.Loop() {
			EncodeResult(r)
		}
	})
	b.Run("result-decode", func(b *testing.B) {
		for b.Loop() {
			DecodeResult(q)
		}
	})
}

// BenchmarkLabelResult encodes and decodes a label task's result for one
// shard of 62,500 rows: consecutive rows, cluster ids below 256 and a
// float64 distance each, 9 bytes a row on the wire.
func BenchmarkLabelResult(b *testing.B) {
	const n = 62500
	r := &Result{Job: "20261130T051050-075a6778", Task: 40, Round: 1 << 20, Kind: KindLabel, Parts: 1, K: 100, D: 32, N: n,
		Rows: make([]int64, n), Labels: make([]int32, n), Distances: make([]float64, n)}
	for i := range n {
		r.Rows[i] = 1_000_000 + int64(i)
		r.Labels[i] = int32(i % 100)
		r.Distances[i] = float64(i) / 7
	}
	q, err := EncodeResult(r)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("encode", func(b *testing.B) {
		b.SetBytes(int64(len(q)))
		for b.Loop() {
			EncodeResult(r)
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.SetBytes(int64(len(q)))
		for b.Loop() {
			if _, err := DecodeResult(q); err != nil {
				b.Fatal(err)
			}
		}
	})
}
