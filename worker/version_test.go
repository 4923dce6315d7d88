package worker

import (
	"context"
	"testing"

	"gocloud.dev/blob/memblob"

	"github.com/shoal-io/shoal/internal/blobfs"
	"github.com/shoal-io/shoal/internal/wire"
)

// A worker's block cache serves a shard's block only for the object
// version it was planned on: after the object is replaced, a task of the
// old plan fails as bad input, and one planned on the new object reads
// the new rows rather than the cached old ones.
func TestBlockCacheObjectVersion(t *testing.T) {
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	blobfs.Use("mem://wver", b)
	t.Cleanup(func() { blobfs.Use("mem://wver", nil); b.Close() })
	write := func(data string) string {
		t.Helper()
		if err := b.WriteAll(ctx, "t.csv", []byte(data), nil); err != nil {
			t.Fatal(err)
		}
		info, err := blobfs.Stat(ctx, "mem://wver/t.csv")
		if err != nil {
			t.Fatal(err)
		}
		return info.ETag
	}
	const old, new = "a\n1\n2\n", "a\n7\n8\n"
	oldTag := write(old)
	shard := func(tag string) wire.Shard {
		return wire.Shard{File: "mem://wver/t.csv", Format: "csv", First: 2, Last: int64(len(old)), Rows: 2, Version: tag}
	}
	d := wire.Data{Columns: []string{"a"}, Nulls: "error"}
	c := NewBlockCache(1 << 20)
	blk, err := c.Get(shard(oldTag), d)
	if err != nil || blk.Data[0] != 1 {
		t.Fatalf("first read: %v, %v", blk, err)
	}
	newTag := write(new)
	if newTag == oldTag {
		t.Fatal("the store gave the new object the old tag")
	}
	if _, err := c.Get(shard(newTag), d); err != nil {
		t.Fatal(err)
	} else if blk, _ := c.Get(shard(newTag), d); blk.Data[0] != 7 {
		t.Fatalf("the new plan read %v, want the new rows", blk.Data)
	}
	// The old plan's cached block is keyed by the old tag; a fresh cache
	// reads the object and refuses it.
	if _, err := NewBlockCache(1<<20).Get(shard(oldTag), d); err == nil {
		t.Fatal("a task planned on the replaced object read it")
	} else if _, ok := err.(*inputError); !ok {
		t.Fatalf("error %v (%T) is not an input error", err, err)
	}
}
