package coordinator

import (
	"reflect"
	"testing"

	"github.com/shoal-io/shoal/partition"
)

// TestWireShardByteRange: a task's shard carries the Arrow stream byte
// range and dictionary offsets of the plan, so a worker reads only them.
func TestWireShardByteRange(t *testing.T) {
	j := &job{}
	s := partition.Shard{ID: 2, File: "f.arrows", Format: partition.FormatArrowStream, First: 4, Last: 6,
		RowOffset: 100, Rows: 50, ByteStart: 1000, ByteEnd: 3000, DictOffsets: []int64{200, 600}}
	w := j.wireShard(s)
	if w.ByteStart != 1000 || w.ByteEnd != 3000 || !reflect.DeepEqual(w.DictOffsets, []int64{200, 600}) {
		t.Fatalf("wire shard %+v lost the byte range of %+v", w, s)
	}
}
