package coordinator

import (
	"fmt"
	"sync"
	"time"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// Spreading a round over the workers. A round of sums (a mini-batch step,
// a Lloyd pass) or of scores (CLARA) is cut into at least as many tasks
// as there are workers at hand, when the data has that many shards, so
// no worker sits idle while another runs two tasks. The model never
// depends on the cut: the sums of a round's pieces (wire.Task.PieceShards:
// consecutive shards fixed by the data and the batch size alone) are
// added up a tree over the pieces, part of it by the workers (see
// treeSums), and a score task scores a subset of the candidate sets
// whose costs are added in shard order, so any grouping gives the same
// bits.
const (
	// workersMemory is how long a worker counts as present after its
	// last result: longer than a round of long tasks (CLARANS on a
	// sample) between two rounds that are cut for the workers. A worker
	// that has just joined, or that took no task in a round, usually
	// holds the oldest waiting pull, which the server serves first, and
	// so takes one of the next round's tasks and its place in the count.
	// One that left counts this long after: its share of a round goes
	// to the others, one task more each at worst.
	workersMemory = time.Minute
	// minSpreadRows is the least expected number of rows a piece of a
	// sums round holds, and so a task when a round is cut for more
	// workers: below it the round trip of a task costs more than its
	// arithmetic (scikit-learn's whole batch is 1024 rows), and the data
	// does not allow the split.
	minSpreadRows = 1024
	// resultSlack is what a result leaves of MaxResultBytes for its JSON
	// header, as the worker's split does.
	resultSlack = 64 << 10
)

// workerCount estimates how many workers take tasks: the workers that
// sent a result in the last workersMemory. Every job's first rounds
// (sampling, a task per shard) show them before any round is cut for
// them. One per Coordinator, shared by its jobs, so a worker seen by one
// job counts for the others.
type workerCount struct {
	mu    sync.Mutex           // guards names
	names map[string]time.Time // when each worker last sent a result
}

// workers returns the number of workers that sent a result lately, at
// least 1.
func (c *Coordinator) workers() int {
	w := &c.workerCount
	w.mu.Lock()
	defer w.mu.Unlock()
	now := time.Now()
	for name, at := range w.names {
		if now.Sub(at) > workersMemory {
			delete(w.names, name)
		}
	}
	return max(1, len(w.names))
}

// sawWorker notes that worker sent a result.
func (c *Coordinator) sawWorker(worker string) {
	if worker == "" {
		return
	}
	w := &c.workerCount
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.names == nil {
		w.names = map[string]time.Time{}
	}
	w.names[worker] = time.Now()
}

// spreadShardTasks returns the tasks of a sums round over shards (in
// shard order), when fraction of each shard's rows is used. The shards are first cut
// into pieces, from the data and the fraction alone: consecutive shards
// up to minSpreadRows expected rows (a piece per shard when shards are
// that large). The tasks take consecutive pieces: as many tasks as hold
// minRows expected rows each, raised to the number of workers, at most
// one per piece, and cut where the expected rows are shared evenly.
// A task holds no more pieces than a result message can carry (k·d
// float64 each). A task's ID is its first shard's ID.
func (j *job) spreadShardTasks(kind wire.Kind, shards []partition.Shard, fraction float64, minRows, workers int) []*wire.Task {
	return j.spreadTasks(kind, shards, fraction, minRows, workers, j.spec.K, 1)
}

// spreadTasks is spreadShardTasks for tasks that sum against k centres
// in all, of runs k-means runs (see wire.Task.RunK): what bounds the
// pieces a result message carries.
func (j *job) spreadTasks(kind wire.Kind, shards []partition.Shard, fraction float64, minRows, workers, k, runs int) []*wire.Task {
	if len(shards) == 0 {
		return nil
	}
	type piece struct {
		first, n int // shards [first, first+n)
		expected float64
	}
	var pieces []piece
	var total float64
	for i, s := range shards {
		e := fraction * float64(s.Rows)
		total += e
		if len(pieces) == 0 || pieces[len(pieces)-1].expected >= minSpreadRows {
			pieces = append(pieces, piece{first: i})
		}
		p := &pieces[len(pieces)-1]
		p.n++
		p.expected += e
	}
	np := len(pieces)
	// Whole tasks of minRows: a batch of 16384 rows drawn as a fraction
	// of each shard adds up to 16384 plus rounding, which is two tasks
	// of 8192, not three.
	count := max(int(total/float64(minRows)), min(workers, np), 1)
	count = min(count, np)
	perPiece := 8 * (k*j.d + 3*k + 2*runs)
	maxPieces := min(wire.MaxPieces, max(1, (j.c.resultBytes()-resultSlack)/perPiece))
	count = max(count, (np+maxPieces-1)/maxPieces)

	var tasks []*wire.Task
	var cum float64 // expected rows of the pieces before this one
	for i, p := range pieces {
		last := len(tasks) - 1
		share := float64(len(tasks)) * total / float64(count)
		if last < 0 || (len(tasks) < count && (cum >= share || np-i <= count-len(tasks))) || len(tasks[last].PieceShards) >= maxPieces {
			tasks = append(tasks, &wire.Task{
				ID: shards[p.first].ID, Kind: kind, K: j.spec.K, D: j.d, Seed: j.spec.Seed, Metric: j.spec.Metric,
				PieceTree: true, FirstPiece: i,
			})
			last++
		}
		t := tasks[last]
		for _, s := range shards[p.first : p.first+p.n] {
			t.Shards = append(t.Shards, j.wireShard(s))
		}
		t.PieceShards = append(t.PieceShards, p.n)
		cum += p.expected
	}
	return tasks
}

// resultBytes is the bound on result messages the workers are given.
func (c *Coordinator) resultBytes() int {
	if c == nil || c.opts.MaxResultBytes <= 0 {
		return 1 << 20
	}
	return c.opts.MaxResultBytes
}

// taskPieces is the number of pieces of a sums task (see
// wire.Task.PieceShards).
func taskPieces(t *wire.Task) int {
	if len(t.PieceShards) > 0 {
		return len(t.PieceShards)
	}
	return len(t.Shards)
}

// treeSums adds the results of a round of sums tasks (res[i] of
// tasks[i], the tasks in shard order, of runs of ks centres each) up the
// round's piece tree (see algo.SumTree), and returns each run's total.
// A result holds a sum per node of the tree (wire.Result.NodePieces) or
// per piece; either way the totals have the same bits, whatever the cut
// of the round into tasks.
func treeSums(tasks []*wire.Task, res []*wire.Result, ks []int, d int) ([]*algo.CentreSums, error) {
	nodes := map[[2]int][]*algo.CentreSums{}
	pos := 0
	for i, r := range res {
		np := taskPieces(tasks[i])
		sums, err := resultSums(r, ks, d)
		if err != nil {
			return nil, err
		}
		sizes := r.NodePieces
		if sizes == nil {
			sizes = make([]int, len(sums))
			for n := range sizes {
				sizes[n] = 1
			}
			if r.Pieces == 0 {
				sizes[0] = np // one sum for the whole task
			}
		}
		if len(sizes) != len(sums) {
			return nil, fmt.Errorf("%w: %d node sizes for %d sums of task %d", wire.ErrDecode, len(sizes), len(sums), r.Task)
		}
		lo, end := pos, pos+np
		for n, size := range sizes {
			if size < 1 || size&(size-1) != 0 || lo%size != 0 || lo+size > end {
				return nil, fmt.Errorf("%w: task %d sent a sum of pieces [%d, %d), not a node of its pieces [%d, %d)", wire.ErrDecode, r.Task, lo, lo+size, pos, end)
			}
			nodes[[2]int{lo, size}] = sums[n]
			lo += size
		}
		if lo != end {
			return nil, fmt.Errorf("%w: task %d sent sums of %d of its %d pieces", wire.ErrDecode, r.Task, lo-pos, np)
		}
		pos = end
	}
	if pos == 0 {
		totals := make([]*algo.CentreSums, len(ks))
		for n, k := range ks {
			totals[n] = algo.NewCentreSums(k, d)
		}
		return totals, nil
	}
	totals, err := algo.SumTree(0, algo.TreeRoot(pos), pos, func(lo, size int) []*algo.CentreSums { return nodes[[2]int{lo, size}] })
	if err != nil {
		return nil, fmt.Errorf("coordinator: adding a round's sums: %w", err)
	}
	return totals, nil
}

// resultSums splits a sums result into its sums (one per piece or node,
// see wire.Result.Pieces), each split by run.
func resultSums(r *wire.Result, ks []int, d int) ([][]*algo.CentreSums, error) {
	totalK := 0
	for _, k := range ks {
		totalK += k
	}
	runs := max(r.Runs, 1)
	if r.K != totalK || r.D != d || runs != len(ks) || (r.Runs > 0 && r.Pieces < 1) {
		return nil, fmt.Errorf("%w: sums of %d runs, k=%d d=%d, for %d runs of %d centres, d=%d", wire.ErrDecode, r.Runs, r.K, r.D, len(ks), totalK, d)
	}
	if r.Pieces == 0 {
		return [][]*algo.CentreSums{{{K: r.K, D: r.D, Sums: r.Sums, Weights: r.Weights, Counts: r.Counts,
			Inertias: r.Inertias, Inertia: r.Inertia, Rows: r.N}}}, nil
	}
	kd := r.K * r.D
	out := make([][]*algo.CentreSums, r.Pieces)
	for p := range out {
		out[p] = make([]*algo.CentreSums, len(ks))
		off := 0 // centres of the runs before this one
		for n, k := range ks {
			out[p][n] = &algo.CentreSums{K: k, D: r.D,
				Sums:    r.Sums[p*kd+off*r.D : p*kd+(off+k)*r.D],
				Weights: r.Weights[p*r.K+off : p*r.K+off+k], Counts: r.Counts[p*r.K+off : p*r.K+off+k],
				Inertias: r.Inertias[p*r.K+off : p*r.K+off+k],
				Inertia:  r.PieceInertia[p*runs+n], Rows: r.PieceRows[p*runs+n]}
			off += k
		}
	}
	return out, nil
}

// scoreTasks returns the tasks of a scoring round over sets candidate
// sets in centres (each k×d): one per shard, and when there are fewer
// shards than workers, each shard's sets cut into groups so the round
// has at least one task per worker (at most one per set and shard).
// Tasks come shard by shard; first[i] is the index of task i's first set.
func (j *job) scoreTasks(centres []float32, sets, workers int) (tasks []*wire.Task, first []int) {
	shards := j.shardTasks(wire.KindScore)
	groups := 1
	if n := len(shards); n > 0 && n < workers {
		groups = min(sets, (workers+n-1)/n)
	}
	kd := j.spec.K * j.d
	for _, st := range shards {
		for g := range groups {
			lo, hi := g*sets/groups, (g+1)*sets/groups
			t := *st
			t.ID = st.ID*groups + g
			t.Centres, t.Sets = centres[lo*kd:hi*kd], hi-lo
			tasks = append(tasks, &t)
			first = append(first, lo)
		}
	}
	return tasks, first
}

// countTask counts a task as done by worker, under its phase, and the
// worker as one at hand.
func (j *job) countTask(t *wire.Task, worker string) {
	j.c.sawWorker(worker)
	phase := taskPhase(t)
	if j.tasks[phase] == nil {
		j.tasks[phase] = map[string]int{}
	}
	j.tasks[phase][worker]++
}

// taskPhase names the phase of the job a task belongs to, as the job's
// timings do: a sums task of an iteration (a mini-batch step or a Lloyd
// pass) is "iterate", one of the k-means|| or sampling rounds before it
// "init"; CLARA's rounds are "sample", "cluster" and "score".
func taskPhase(t *wire.Task) string {
	clara := t.Round <= roundClara(0, 0)
	switch t.Kind {
	case wire.KindSums:
		if t.Round > 0 {
			return "iterate"
		}
		return "init"
	case wire.KindSample:
		if clara {
			return "sample"
		}
		return "init"
	case wire.KindKeep:
		return "init"
	case wire.KindMedoids:
		return "cluster"
	case wire.KindScore:
		return "score"
	case wire.KindLabel:
		return "label"
	case wire.KindCount, wire.KindLocate:
		return "scan"
	case wire.KindStats:
		return "scale"
	case wire.KindValidity:
		return "indices"
	case wire.KindRefine:
		return "refine"
	}
	return string(t.Kind)
}
