package worker

import "runtime/debug"

// Go collects garbage once the heap has grown by GOGC percent (100 by
// default) of what the last collection found live. In a worker most of
// that is the block cache: rows without pointers, which a collection
// marks at no cost but which set how far the heap may grow. With 128 MB
// of blocks, the garbage of the tasks (result messages, decode buffers)
// took up to 128 MB of fresh memory before any of it was reused, and
// fresh memory is the dearest kind: the kernel zeroes every page, and on
// a virtual machine whose host takes back freed memory (free page
// reporting) the host must back each page again first. A cache that
// paces the collector lowers the percent as it fills, so that the growth
// allowed stays near gcHeadroom. On the 1M-row bench job (bench/run.sh
// kmeans) the label phase took about 95 ms with the default, 75 ms with
// 64 MiB of headroom and 70 ms with 32 MiB; 16 MiB gained nothing more.
const (
	// gcHeadroom is the heap growth, over a full block cache, allowed
	// between collections: a few label tasks' messages.
	gcHeadroom = 32 << 20
	// gcMinPercent bounds how often a collection runs over a large
	// cache, whose heap's pointers it must still mark: a job that
	// streams its shards through a small cache makes garbage fast. 10
	// made the 10M-row jobs of `bench/run.sh memory 10000000 512MiB`
	// 5-10% slower than GOGC's default, for 0.1 GB less per worker.
	gcMinPercent = 25
)

// gcPercentFor is the GC percent for a heap holding cached bytes of
// blocks: GOGC's default of 100 while they are under gcHeadroom, then
// the percent that allows gcHeadroom of growth, at least gcMinPercent.
func gcPercentFor(cached int64) int {
	if cached <= gcHeadroom {
		return 100
	}
	return max(gcMinPercent, int(100*gcHeadroom/cached))
}

// PaceCollector makes the cache set the process's GC percent as it fills
// and empties (see gcPercentFor). It is for a process whose heap the
// cache dominates, and whose GOGC the user has not set; call it before
// the cache is used.
func (c *BlockCache) PaceCollector() {
	percent := 100 // guarded by the cache's lock, under which resized runs
	c.blocks.resized = func(size int64) {
		if p := gcPercentFor(size); p != percent {
			debug.SetGCPercent(p)
			percent = p
		}
	}
}
