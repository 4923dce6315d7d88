package partition

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestPlanShards(t *testing.T) {
	u := func(first, last, rows int64) unit { return unit{first: first, last: last, rows: rows} }
	type s struct{ first, last, offset, rows int64 }
	for _, c := range []struct {
		name   string
		units  []unit
		target int64
		want   []s
	}{
		{"one unit per shard", []unit{u(0, 1, 10), u(1, 2, 10)}, 10, []s{{0, 1, 100, 10}, {1, 2, 110, 10}}},
		{"units grouped to reach target", []unit{u(0, 1, 4), u(1, 2, 4), u(2, 3, 4), u(3, 4, 4), u(4, 5, 1)}, 8,
			[]s{{0, 2, 100, 8}, {2, 4, 108, 8}, {4, 5, 116, 1}}},
		{"big unit is not split", []unit{u(0, 1, 3), u(1, 2, 50), u(2, 3, 3)}, 10, []s{{0, 2, 100, 53}, {2, 3, 153, 3}}},
		{"empty units join neighbours", []unit{u(0, 1, 0), u(1, 2, 5), u(2, 3, 0), u(3, 4, 5), u(4, 5, 0)}, 5,
			[]s{{0, 2, 100, 5}, {2, 4, 105, 5}}},
		{"only empty units", []unit{u(0, 1, 0), u(1, 2, 0)}, 5, nil},
		{"csv byte ranges", []unit{u(12, 40, 3), u(40, 90, 3), u(90, 95, 1)}, 3, []s{{12, 40, 100, 3}, {40, 90, 103, 3}, {90, 95, 106, 1}}},
		{"no units", nil, 5, nil},
	} {
		got := planShards("f", FormatParquet, c.units, c.target, 7, 100)
		var gs []s
		for i, sh := range got {
			if sh.ID != 7+i || sh.File != "f" || sh.Format != FormatParquet {
				t.Errorf("%s: shard %d = %+v", c.name, i, sh)
			}
			gs = append(gs, s{sh.First, sh.Last, sh.RowOffset, sh.Rows})
		}
		if !slices.Equal(gs, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, gs, c.want)
		}
	}
}

// Property: shards cover every unit's rows once, in order, and each shard
// but the last reaches the target.
func TestPlanShardsCoverage(t *testing.T) {
	seed := uint64(20240611)
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 1))
	for trial := range 200 {
		units := make([]unit, r.IntN(30))
		var total int64
		for i := range units {
			units[i] = unit{first: int64(i), last: int64(i + 1), rows: int64(r.IntN(20))}
			total += units[i].rows
		}
		target := int64(1 + r.IntN(40))
		shards := planShards("f", FormatArrowFile, units, target, 0, 0)
		var next, rows int64
		name := fmt.Sprintf("trial %d (target %d, units %v)", trial, target, units)
		for i, sh := range shards {
			if sh.RowOffset != rows || sh.First < next || sh.Last <= sh.First {
				t.Fatalf("%s: shard %d = %+v after row %d unit %d", name, i, sh, rows, next)
			}
			var sum int64
			for _, u := range units[sh.First:sh.Last] {
				sum += u.rows
			}
			if sum != sh.Rows || sh.Rows == 0 {
				t.Fatalf("%s: shard %d has %d rows, its units %d", name, i, sh.Rows, sum)
			}
			if i < len(shards)-1 && sh.Rows < target {
				t.Fatalf("%s: shard %d has %d rows < target", name, i, sh.Rows)
			}
			next, rows = sh.Last, rows+sh.Rows
		}
		if rows != total {
			t.Fatalf("%s: shards hold %d rows of %d", name, rows, total)
		}
	}
}
