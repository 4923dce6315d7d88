package wire

import (
	"errors"
	"reflect"
	"testing"
)

// TestShardByteRange: an Arrow stream shard's byte range and dictionary
// offsets survive the round trip, and a task whose offsets are negative,
// reversed, past MaxByteOffset, or whose dictionaries are not before the
// range in order, is refused at decode.
func TestShardByteRange(t *testing.T) {
	for _, c := range []struct {
		name       string
		start, end int64
		dicts      []int64
		ok         bool
	}{
		{"none", 0, 0, nil, true},
		{"range", 120, 9000, nil, true},
		{"range and dictionaries", 120, 9000, []int64{40, 80}, true},
		{"empty range", 120, 120, nil, true},
		{"negative start", -8, 100, nil, false},
		{"end before start", 200, 100, nil, false},
		{"end past the bound", 100, MaxByteOffset + 1, nil, false},
		{"dictionaries without a range", 0, 0, []int64{40}, false},
		{"dictionary inside the range", 120, 9000, []int64{40, 120}, false},
		{"dictionaries out of order", 120, 9000, []int64{80, 40}, false},
		{"negative dictionary", 120, 9000, []int64{-1}, false},
		{"too many dictionaries", 1 << 20, 1 << 21, ascending(MaxDictOffsets + 1), false},
		{"most dictionaries", 1 << 20, 1 << 21, ascending(MaxDictOffsets), true},
	} {
		in := sampleTask()
		in.Shards[0].Format, in.Shards[0].File = "arrows", "a.arrows"
		in.Shards[0].ByteStart, in.Shards[0].ByteEnd, in.Shards[0].DictOffsets = c.start, c.end, c.dicts
		b, err := EncodeTask(in)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		out, err := DecodeTask(b)
		if c.ok {
			if err != nil || !reflect.DeepEqual(in, out) {
				t.Errorf("%s: %v, round trip %+v", c.name, err, out)
			}
			continue
		}
		if !errors.Is(err, ErrDecode) {
			t.Errorf("%s: decoded with %v, want ErrDecode", c.name, err)
		}
	}
}

func ascending(n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(8 + 8*i)
	}
	return out
}

// TestPieceShards: a sums task's pieces, and where its piece tree starts,
// survive the round trip when they cover its shards exactly and the start
// is a piece of a round, and are refused otherwise.
func TestPieceShards(t *testing.T) {
	for _, c := range []struct {
		name   string
		kind   Kind
		shards int
		pieces []int
		ok     bool
		tree   bool
		first  int
	}{
		{"none", KindSums, 3, nil, true, false, 0},
		{"one per shard", KindSums, 3, []int{1, 1, 1}, true, false, 0},
		{"uneven", KindSums, 5, []int{3, 2}, true, false, 0},
		{"one of all", KindSums, 4, []int{4}, true, false, 0},
		{"too few shards", KindSums, 3, []int{2, 2}, false, false, 0},
		{"too many shards", KindSums, 4, []int{2, 1}, false, false, 0},
		{"empty piece", KindSums, 2, []int{2, 0}, false, false, 0},
		{"negative piece", KindSums, 2, []int{3, -1}, false, false, 0},
		{"on a label task", KindLabel, 2, []int{1, 1}, false, false, 0},
		{"a tree from piece 5", KindSums, 3, []int{1, 1, 1}, true, true, 5},
		{"a tree from piece -1", KindSums, 3, []int{1, 1, 1}, false, true, -1},
		{"a tree past the bound", KindSums, 3, []int{1, 1, 1}, false, true, MaxRoundPieces + 1},
		{"a tree on a label task", KindLabel, 2, nil, false, true, 0},
	} {
		in := sampleTask()
		in.Kind = c.kind
		for len(in.Shards) < c.shards {
			s := in.Shards[0]
			s.ID = len(in.Shards)
			in.Shards = append(in.Shards, s)
		}
		in.Shards = in.Shards[:c.shards]
		in.PieceShards = c.pieces
		in.PieceTree, in.FirstPiece = c.tree, c.first
		b, err := EncodeTask(in)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		out, err := DecodeTask(b)
		if c.ok {
			if err != nil || !reflect.DeepEqual(in, out) {
				t.Errorf("%s: %v, round trip %+v", c.name, err, out)
			}
			continue
		}
		if !errors.Is(err, ErrDecode) {
			t.Errorf("%s: decoded with %v, want ErrDecode", c.name, err)
		}
	}
}
