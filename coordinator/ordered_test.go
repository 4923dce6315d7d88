package coordinator

import (
	"math/rand/v2"
	"os"
	"reflect"
	"testing"

	"github.com/shoal-io/shoal/internal/wire"
)

// labelResult is task i's part p of a label pass over rows rows.
func labelResult(i, p, parts, rows int) *wire.Result {
	r := &wire.Result{Job: "j", Round: roundLabel, Task: i, Part: p, Parts: parts, Worker: "w"}
	for j := range rows {
		row := int64(i*1000 + p*100 + j)
		r.Rows = append(r.Rows, row)
		r.Labels = append(r.Labels, int32(row%7))
		r.Distances = append(r.Distances, float64(row)/3)
	}
	return r
}

func TestOrderedWriterHoldsEarlyResultsOnDisk(t *testing.T) {
	const tasks, parts = 40, 2
	var all []*wire.Result
	for i := range tasks {
		for p := range parts {
			all = append(all, labelResult(i, p, parts, 20))
		}
	}
	for _, limit := range []int64{0, 3 * resultBytes(all[0]), 1 << 30} {
		shuffled := append([]*wire.Result(nil), all...)
		rand.New(rand.NewPCG(1, uint64(limit))).Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		var got []*wire.Result
		o := newOrderedWriter(tasks, func(r *wire.Result) error {
			got = append(got, r)
			return nil
		})
		o.limit = limit
		maxHeld, spilled := int64(0), 0
		for _, r := range shuffled {
			if err := o.add(r.Task, r); err != nil {
				t.Fatal(err)
			}
			// A repeated delivery changes nothing.
			if err := o.add(r.Task, r); err != nil {
				t.Fatal(err)
			}
			maxHeld, spilled = max(maxHeld, o.held), max(spilled, o.spilledCount())
		}
		if !o.complete() || len(got) != len(all) {
			t.Fatalf("limit %d: %d of %d results written, complete %v", limit, len(got), len(all), o.complete())
		}
		for n, r := range got {
			want := all[n]
			if r.Task != want.Task || r.Part != want.Part || !reflect.DeepEqual(r.Rows, want.Rows) ||
				!reflect.DeepEqual(r.Labels, want.Labels) || !reflect.DeepEqual(r.Distances, want.Distances) {
				t.Fatalf("limit %d: result %d is task %d part %d, want task %d part %d with the same rows", limit, n, r.Task, r.Part, want.Task, want.Part)
			}
		}
		if limit < 1<<30 && (spilled == 0 || maxHeld > limit+resultBytes(all[0])) {
			t.Errorf("limit %d: held up to %d bytes in memory, %d results on disk at most", limit, maxHeld, spilled)
		}
		if limit == 1<<30 && spilled != 0 {
			t.Errorf("room for all: %d results went to disk", spilled)
		}
		dir := o.dir
		o.close()
		if dir != "" {
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("limit %d: %s left behind", limit, dir)
			}
		}
	}
}
