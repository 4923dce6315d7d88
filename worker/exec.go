package worker

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"runtime/debug"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// executor runs tasks. It owns scratch that is reused from task to task:
// a worker runs one task at a time, so one Assigner serves every round of
// a job instead of being allocated per task.
type executor struct {
	cache       *BlockCache
	nearest     *NearestCache
	staged      *StagedFiles
	js          jetstream.JetStream
	parallelism int
	cores       *Cores           // nil: parallelism alone
	alone       int              // the running task's goroutines when it may run alone (Cores.begin)
	assign      []*algo.Assigner // all of shape assignK × assignD
	assignK     int
	assignD     int
	parts       []*algo.CentreSums // per-shard sums of a sums task, reused
	nodes       []*algo.CentreSums // the piece-tree nodes a sums task adds (nodeSums), reused
	nodesUsed   int                // how many of nodes the task has taken
	runAssign   [][]*algo.Assigner // per goroutine, per run: see runAssigners
	runAssignK  []int
	runAssignD  int

	// Scratch for label tasks: a counts-only task's labels, or the
	// per-row arrays of a label result, reused from task to task (a
	// result is published before the next task starts).
	rows   []int64
	labels []int32
	dists  []float64
}

// assigner returns the executor's Assigner for k centres of dimension d,
// allocating a new one only when the shape changes.
func (x *executor) assigner(k, d int) *algo.Assigner { return x.assigners(1, k, d)[0] }

// assigners returns n Assigners for k centres of dimension d, one per
// goroutine of a task, kept between tasks of the same shape.
func (x *executor) assigners(n, k, d int) []*algo.Assigner {
	if x.assignK != k || x.assignD != d {
		x.assign, x.assignK, x.assignD = nil, k, d
	}
	for len(x.assign) < n {
		x.assign = append(x.assign, algo.NewAssigner(k, d))
	}
	return x.assign[:n]
}

// execute runs t and returns its result (before splitting into parts).
// A medoids task gives up when ctx ends; the others are bounded by a
// shard's rows and run to their end.
func (x *executor) execute(ctx context.Context, t *wire.Task) (*wire.Result, error) {
	res := &wire.Result{Job: t.Job, Task: t.ID, Round: t.Round, Fit: t.Fit, Kind: t.Kind, Parts: 1, K: t.K, D: t.D}
	if x.cores != nil {
		x.alone = x.cores.begin()
		defer x.cores.end()
	}
	var err error
	switch t.Kind {
	case wire.KindSums:
		err = x.sums(t, res)
	case wire.KindSample:
		err = x.sample(t, res)
	case wire.KindKeep:
		err = x.keep(t, res)
	case wire.KindLabel:
		if t.PartDir != "" {
			err = x.labelPart(t, res)
		} else {
			err = x.label(t, res)
		}
	case wire.KindScore:
		err = x.score(t, res)
	case wire.KindMedoids:
		err = x.medoids(ctx, t, res)
	case wire.KindCount:
		err = x.countCSV(t, res)
	case wire.KindLocate:
		err = x.locateCSV(t, res)
	case wire.KindStats:
		err = x.stats(t, res)
	case wire.KindValidity:
		err = x.validity(t, res)
	case wire.KindRefine:
		err = x.refine(t, res)
	case wire.KindLevels:
		err = x.levels(t, res)
	default:
		err = fmt.Errorf("worker: unknown task kind %q", t.Kind)
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// taskBlocks reads a task's shards one at a time, when they are needed:
// a task that spans many shards holds only those being worked on, beyond
// what the cache keeps, so a worker's memory does not grow with the
// task's size.
type taskBlocks struct {
	x *executor
	t *wire.Task
}

// blocks returns the reader of the task's shards.
func (x *executor) blocks(t *wire.Task) taskBlocks { return taskBlocks{x, t} }

func (tb taskBlocks) len() int { return len(tb.t.Shards) }

// get reads shard i of the task (through the cache) and checks its width.
func (tb taskBlocks) get(i int) (*partition.Block, error) {
	x, t, s := tb.x, tb.t, tb.t.Shards[i]
	local := ""
	if s.Object != "" {
		path, err := x.staged.path(context.Background(), x.js, s.Object, filepath.Base(s.File))
		if err != nil {
			return nil, err
		}
		local = path
	}
	b, err := x.cache.GetLocal(s, local, t.Data)
	if err != nil {
		return nil, err
	}
	if t.D > 0 && b.D != t.D {
		return nil, fmt.Errorf("%w: %s has %d feature columns, the job has %d", partition.ErrSchemaMismatch, s.File, b.D, t.D)
	}
	return b, nil
}

// each calls fn with every shard's block in task order.
func (tb taskBlocks) each(fn func(i int, b *partition.Block) error) error {
	for i := range tb.len() {
		b, err := tb.get(i)
		if err != nil {
			return err
		}
		if err := fn(i, b); err != nil {
			return err
		}
	}
	return nil
}

// all reads every shard of the task and holds them together: for tasks
// of one shard (the passes of a k sweep's indices), whose loops revisit
// the task's rows once per candidate set.
func (tb taskBlocks) all() ([]*partition.Block, error) {
	out := make([]*partition.Block, tb.len())
	err := tb.each(func(i int, b *partition.Block) error {
		out[i] = b
		return nil
	})
	return out, err
}

// plannedRows is the number of rows the task's shards hold by the plan:
// at least what reading them gives (rows with nulls may be dropped).
func (tb taskBlocks) plannedRows() int {
	n := int64(0)
	for _, s := range tb.t.Shards {
		n += max(s.Rows, 0)
	}
	return int(n)
}

// sums assigns rows (all, or a mini-batch) to the centres and returns the
// per-centre sums of the task's shards, in task order.
func (x *executor) sums(t *wire.Task, res *wire.Result) error {
	blocks := x.blocks(t)
	if t.Extends && t.Fraction >= 1 {
		return x.sumsExtending(t, blocks, res)
	}
	if t.RunK != nil {
		return x.sumsRuns(t, blocks, res)
	}
	// Each shard's rows are summed on their own, by up to parallelism
	// goroutines, then merged in shard order into the task's pieces
	// (wire.Task.PieceShards), which go back apart or added up the
	// round's piece tree as far as the task's pieces reach
	// (wire.Task.PieceTree): the coordinator adds the rest of the tree,
	// so the model depends neither on the goroutines nor on how the
	// pieces were grouped into tasks for the workers at hand.
	n := blocks.len()
	for len(x.parts) < n {
		x.parts = append(x.parts, algo.NewCentreSums(t.K, t.D))
	}
	parts := x.parts[:n]
	goroutines := x.shardGoroutines(n)
	as := x.assigners(goroutines, t.K, t.D)
	if err := onGoroutines(goroutines, func(g int) error {
		return x.sumShards(t, blocks, parts, as[g], g, goroutines)
	}); err != nil {
		return err
	}
	pieces, err := mergePieces(parts, t.PieceShards, t.K, t.D)
	if err != nil {
		return err
	}
	if !t.PieceTree {
		putPieces(res, pieces)
		return nil
	}
	byPiece := make([][]*algo.CentreSums, len(pieces))
	for i, p := range pieces {
		byPiece[i] = []*algo.CentreSums{p}
	}
	x.nodesUsed = 0
	nodes, sizes, err := treeNodes(t.FirstPiece, byPiece, x.nodeSums)
	if err != nil {
		return err
	}
	sums := make([]*algo.CentreSums, len(nodes))
	for i, n := range nodes {
		sums[i] = n[0]
	}
	putPieces(res, sums)
	if len(sums) > 1 {
		res.NodePieces = sizes
	}
	return nil
}

// nodeSums returns zeroed sums for a node of the piece tree that a sums
// task adds, from the executor's buffers: like parts, they live until the
// task's result is published.
func (x *executor) nodeSums(k, d int) *algo.CentreSums {
	if x.nodesUsed == len(x.nodes) {
		x.nodes = append(x.nodes, algo.NewCentreSums(k, d))
	}
	s := x.nodes[x.nodesUsed]
	if s.K != k || s.D != d {
		s = algo.NewCentreSums(k, d)
		x.nodes[x.nodesUsed] = s
	}
	x.nodesUsed++
	s.Reset()
	return s
}

// treeNodes adds the pieces of a Task.PieceTree task (each a sum per
// run), the first of which is piece first of its round, into the nodes
// of the round's piece tree that tile them (algo.TreeCover): what the
// coordinator would add of them, added here, so that the result carries
// a few sums rather than one per piece. It returns the nodes and their
// sizes in pieces.
func treeNodes(first int, pieces [][]*algo.CentreSums, alloc func(k, d int) *algo.CentreSums) ([][]*algo.CentreSums, []int, error) {
	end := first + len(pieces)
	sizes := algo.TreeCover(first, end)
	nodes := make([][]*algo.CentreSums, 0, len(sizes))
	lo := first
	for _, size := range sizes {
		node, err := algo.SumTreeWith(lo, size, end, func(p, n int) []*algo.CentreSums {
			if n == 1 {
				return pieces[p-first]
			}
			return nil
		}, alloc)
		if err != nil {
			return nil, nil, err
		}
		nodes = append(nodes, node)
		lo += size
	}
	return nodes, sizes, nil
}

// aloneGoroutines is how many goroutines a task that may run alone (a
// medoids task) may use: parallelism, within the cores that the tasks
// running when it started left it.
func (x *executor) aloneGoroutines() int {
	if x.cores == nil {
		return x.parallelism
	}
	return min(x.parallelism, x.alone)
}

// shardGoroutines is how many goroutines sum n shards: parallelism,
// within the process's share of cores (a round of sums tasks keeps every
// worker busy), at most one per shard.
func (x *executor) shardGoroutines(n int) int {
	g := x.parallelism
	if x.cores != nil {
		g = min(g, x.cores.share())
	}
	return max(1, min(g, n))
}

// onGoroutines runs fn(0) … fn(n-1) on goroutines of their own and
// joins their errors; goroutine g takes shards g, g+n, g+2n, ….
func onGoroutines(n int, fn func(g int) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for g := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[g] = fn(g)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// mergePieces merges per-shard sums into the task's pieces: sizes[i]
// consecutive shards each, or one per shard when sizes is nil. Each
// piece starts from zero and adds its shards in order, whatever task it
// is in, so it has the same bits everywhere.
func mergePieces(parts []*algo.CentreSums, sizes []int, k, d int) ([]*algo.CentreSums, error) {
	if sizes == nil {
		sizes = make([]int, len(parts))
		for i := range sizes {
			sizes[i] = 1
		}
	}
	pieces := make([]*algo.CentreSums, 0, len(sizes))
	next := 0
	for _, n := range sizes {
		if n == 1 {
			// Zero plus the shard's sums is the shard's sums: they never
			// hold −0, which the addition would turn into +0.
			pieces = append(pieces, parts[next])
			next++
			continue
		}
		p := algo.NewCentreSums(k, d)
		for _, part := range parts[next : next+n] {
			if err := p.Merge(part); err != nil {
				return nil, err
			}
		}
		next += n
		pieces = append(pieces, p)
	}
	return pieces, nil
}

// putPieces puts the pieces' sums into res: a single piece as the task's
// sums, several stacked (see wire.Result.Pieces), with the task's totals
// in Inertia and N.
func putPieces(res *wire.Result, pieces []*algo.CentreSums) {
	if len(pieces) == 1 {
		p := pieces[0]
		res.Sums, res.Weights, res.Counts, res.Inertias = p.Sums, p.Weights, p.Counts, p.Inertias
		res.Inertia, res.N = p.Inertia, p.Rows
		return
	}
	k, d := pieces[0].K, pieces[0].D
	n := len(pieces)
	res.Pieces = n
	res.Sums = make([]float64, 0, n*k*d)
	res.Weights = make([]float64, 0, n*k)
	res.Counts = make([]int64, 0, n*k)
	res.Inertias = make([]float64, 0, n*k)
	res.PieceInertia = make([]float64, 0, n)
	res.PieceRows = make([]int64, 0, n)
	for _, p := range pieces {
		res.Sums = append(res.Sums, p.Sums...)
		res.Weights = append(res.Weights, p.Weights...)
		res.Counts = append(res.Counts, p.Counts...)
		res.Inertias = append(res.Inertias, p.Inertias...)
		res.PieceInertia = append(res.PieceInertia, p.Inertia)
		res.PieceRows = append(res.PieceRows, p.Rows)
		res.Inertia += p.Inertia
		res.N += p.Rows
	}
}

// sumShards sums the rows of shards first, first+step, ... into their
// parts, with Assigner a. A panic becomes an error, as in Worker.run: a
// goroutine of its own is outside that recover.
func (x *executor) sumShards(t *wire.Task, blocks taskBlocks, parts []*algo.CentreSums, a *algo.Assigner, first, step int) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("worker: task %s panicked: %v\n%s", t.Key(), p, debug.Stack())
		}
	}()
	if err := a.SetCentres(t.Centres); err != nil {
		return err
	}
	var rows []int32
	for i := first; i < blocks.len(); i += step {
		b, err := blocks.get(i)
		if err != nil {
			return err
		}
		part := parts[i]
		if part.K != t.K || part.D != t.D {
			part = algo.NewCentreSums(t.K, t.D)
			parts[i] = part
		}
		part.Reset()
		if t.Fraction >= 1 {
			err = a.Accumulate(b.Data, b.Len(), b.Weights, part)
		} else {
			rows = batchRows(rows[:0], b.Len(), t.Fraction, algo.NewRand(t.Seed, uint64(t.Round), uint64(t.Shards[i].ID)))
			err = a.AccumulateRows(b.Data, rows, b.Weights, part)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// sumsExtending is a full sums pass of k-means|| through the nearest
// cache: shard by shard, each row's nearest centre and exact distance
// come from nearestTo and are added in row order, which is what
// Accumulate adds, so the sums are those of a plain pass.
func (x *executor) sumsExtending(t *wire.Task, blocks taskBlocks, res *wire.Result) error {
	total := algo.NewCentreSums(t.K, t.D)
	part := algo.NewCentreSums(t.K, t.D)
	err := blocks.each(func(i int, b *partition.Block) error {
		labels, dist, err := x.nearestTo(t, t.Shards[i], b)
		if err != nil {
			return err
		}
		part.Reset()
		for r := range b.Len() {
			w := 1.0
			if b.Weights != nil {
				w = float64(b.Weights[r])
			}
			part.AddRow(b.Data[r*b.D:(r+1)*b.D], int(labels[r]), w, dist[r])
		}
		return total.Merge(part)
	})
	if err != nil {
		return err
	}
	res.Sums, res.Weights, res.Counts, res.Inertias = total.Sums, total.Weights, total.Counts, total.Inertias
	res.Inertia, res.N = total.Inertia, total.Rows
	return nil
}

// nearestTo returns, for each row of block b (shard s), the index of its
// nearest centre among the task's and the exact squared distance, lowest
// index on ties: what an Assigner over all of them gives. What the
// nearest cache holds for a prefix of the centres is extended by the new
// centres only, and the result is stored for the next pass. The returned
// slices are shared with the cache and must not be modified.
func (x *executor) nearestTo(t *wire.Task, s wire.Shard, b *partition.Block) ([]int32, []float64, error) {
	n, d, k := b.Len(), t.D, t.K
	if len(t.Centres) != k*d {
		return nil, nil, fmt.Errorf("%w: %d centre values for k=%d d=%d", wire.ErrDecode, len(t.Centres), k, d)
	}
	if b.Weights != nil {
		for r, w := range b.Weights {
			if !(w >= 0) || math.IsInf(float64(w), 1) {
				return nil, nil, fmt.Errorf("%w: %s row %d has weight %v", algo.ErrBadWeight, s.File, b.Index[r], w)
			}
		}
	}
	key := t.Job + "|" + cacheKey(s, "", t.Data)
	from, oldLabels, oldDist := x.nearest.lookup(key, t.Centres, d, n)
	if from == k {
		return oldLabels, oldDist, nil
	}
	a := algo.NewAssigner(k-from, d)
	if err := a.SetCentres(t.Centres[from*d:]); err != nil {
		return nil, nil, err
	}
	labels, dist := make([]int32, n), make([]float64, n)
	if err := a.AssignExact(b.Data, n, labels, dist); err != nil {
		return nil, nil, err
	}
	if from > 0 {
		// A new centre wins only when strictly nearer: on a tie the older,
		// lower index stays, as in one pass over all centres.
		for r := range n {
			if dist[r] < oldDist[r] {
				labels[r] += int32(from)
			} else {
				labels[r], dist[r] = oldLabels[r], oldDist[r]
			}
		}
	}
	x.nearest.store(key, k, x.nearest.hash(t.Centres), labels, dist)
	return labels, dist, nil
}

// batchRows draws each of n rows independently with probability p, in
// increasing order, by geometric skips: O(p·n) work rather than O(n). The
// number of rows skipped before the next one drawn is ⌊E/λ⌋ with E
// exponential and λ = −ln(1−p): P(skip ≥ m) = P(E ≥ mλ) = (1−p)^m. The
// ziggurat behind ExpFloat64 costs a fraction of a logarithm per row.
func batchRows(dst []int32, n int, p float64, rng interface{ ExpFloat64() float64 }) []int32 {
	if p <= 0 || n == 0 {
		return dst
	}
	if p >= 1 {
		for i := range n {
			dst = append(dst, int32(i))
		}
		return dst
	}
	lambda := -math.Log1p(-p)
	pos := -1
	for {
		skip := math.Floor(rng.ExpFloat64() / lambda)
		if skip >= float64(n) {
			return dst
		}
		pos += int(skip) + 1
		if pos >= n {
			return dst
		}
		dst = append(dst, int32(pos))
	}
}

// sample returns the rows whose hash of (seed, stream, global row) is
// below the task's fraction: the same rows whatever the sharding.
func (x *executor) sample(t *wire.Task, res *wire.Result) error {
	res.D = t.D
	prefix := algo.Hash(t.Seed, t.Stream)
	err := x.blocks(t).each(func(_ int, b *partition.Block) error {
		for i, row := range b.Index {
			if !algo.Below(algo.HashMore(prefix, uint64(row)), t.Fraction) {
				continue
			}
			keepRow(res, b, i, row)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if res.Points == nil {
		res.Points = []float32{}
	}
	return nil
}

// keepRow adds row i of block b (global row `row`) to a result that
// returns rows: sample and k-means|| candidates.
func keepRow(res *wire.Result, b *partition.Block, i int, row int64) {
	res.Rows = append(res.Rows, row)
	res.Points = append(res.Points, b.Data[i*b.D:(i+1)*b.D]...)
	if b.Weights != nil {
		res.RowWeight = append(res.RowWeight, b.Weights[i])
	}
}

// keep is one k-means|| oversampling round. The rows' distances to the
// candidates come through the nearest cache: right after the round's cost
// pass over the same candidates they are there already.
func (x *executor) keep(t *wire.Task, res *wire.Result) error {
	err := x.blocks(t).each(func(i int, b *partition.Block) error {
		_, dist, err := x.nearestTo(t, t.Shards[i], b)
		if err != nil {
			return err
		}
		for r, row := range b.Index {
			w := 1.0
			if b.Weights != nil {
				w = float64(b.Weights[r])
			}
			if algo.KMeansParallelKeep(t.Seed, int(t.Round), row, w*dist[r], t.Phi, t.Ell) {
				keepRow(res, b, r, row)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if res.Points == nil {
		res.Points = []float32{}
	}
	return nil
}

// label assigns every row to its nearest centre under the task's metric.
// Inertia and Loss of the result carry the (weighted) sums of squared and
// plain distances.
func (x *executor) label(t *wire.Task, res *wire.Result) error {
	blocks := x.blocks(t)
	if t.Metric == "precomputed" {
		return labelPrecomputed(t, blocks, res)
	}
	m, err := algo.ParseMetric(t.Metric)
	if err != nil {
		return err
	}
	nn := x.newNearest(m, t.K, t.D, t.Data.Ranges)
	if err := nn.setCentres(t.Centres); err != nil {
		return err
	}
	if t.CountsOnly {
		res.Counts = make([]int64, t.K)
	} else {
		// The result's arrays are the executor's scratch: a fresh
		// megabyte or two per shard, zeroed, only to be copied into a
		// message or a file, was a tenth of the output's cost.
		total := blocks.plannedRows()
		x.rows, x.labels, x.dists = grow(x.rows, total), grow(x.labels, total), grow(x.dists, total)
		res.Rows, res.Labels, res.Distances = x.rows[:0], x.labels[:0], x.dists[:0]
	}
	err = blocks.each(func(si int, b *partition.Block) error {
		n := b.Len()
		labels, dists := x.labels, x.dists
		if !t.CountsOnly {
			start := len(res.Labels)
			if start+n > cap(res.Labels) {
				return fmt.Errorf("%w: %s: shard %d holds more rows than its plan", partition.ErrCorrupt, t.Shards[si].File, t.Shards[si].ID)
			}
			res.Rows = append(res.Rows, b.Index...)
			res.Labels, res.Distances = res.Labels[:start+n], res.Distances[:start+n]
			labels, dists = res.Labels[start:], res.Distances[start:]
		} else {
			x.labels, x.dists = grow(x.labels, n), grow(x.dists, n)
			labels, dists = x.labels, x.dists
		}
		nn.assign(b.Data, n, labels[:n], dists[:n])
		// The sums run in registers, in row order as before: through
		// res each add waited for the last one's store.
		loss, inertia := res.Loss, res.Inertia
		for i, dist := range dists[:n] {
			w := 1.0
			if b.Weights != nil {
				w = float64(b.Weights[i])
			}
			loss += w * dist
			inertia += w * dist * dist
		}
		res.Loss, res.Inertia = loss, inertia
		if t.CountsOnly {
			for _, l := range labels[:n] {
				res.Counts[l]++
			}
		}
		res.N += int64(n)
		return nil
	})
	if err != nil {
		return err
	}
	if t.CountsOnly {
		return nil
	}
	if res.Rows == nil {
		res.Rows, res.Labels, res.Distances = []int64{}, []int32{}, []float64{}
	}
	return nil
}

// score computes the total deviation of the task's rows for each
// candidate set of centres.
func (x *executor) score(t *wire.Task, res *wire.Result) error {
	m, err := algo.ParseMetric(t.Metric)
	if err != nil {
		return err
	}
	if len(t.Ks) > 0 {
		blocks, err := x.blocks(t).all()
		if err != nil {
			return err
		}
		return x.scoreEach(t, blocks, m, res)
	}
	sets := max(t.Sets, 1)
	res.Costs = make([]float64, sets)
	// One nearest-centre search per set, so that each shard is read
	// once for all of them; each set's cost still adds its shards and
	// rows in order.
	nns := make([]*nearest, sets)
	for s := range sets {
		nns[s] = x.newNearest(m, t.K, t.D, t.Data.Ranges)
		if s > 0 && nns[s].a != nil {
			nns[s].a = algo.NewAssigner(t.K, t.D) // the executor's own serves one set
		}
		if err := nns[s].setCentres(t.Centres[s*t.K*t.D : (s+1)*t.K*t.D]); err != nil {
			return err
		}
	}
	var labels []int32
	var dist []float64
	return x.blocks(t).each(func(_ int, b *partition.Block) error {
		n := b.Len()
		labels, dist = grow(labels, n), grow(dist, n)
		for s, nn := range nns {
			nn.assign(b.Data, n, labels, dist)
			for _, v := range dist[:n] {
				res.Costs[s] += v
			}
		}
		return nil
	})
}

// errTooLarge marks a task that would not fit in memory.
var errTooLarge = errors.New("worker: too large")

func grow[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return append(s[:cap(s)], make([]T, n-cap(s))...)
}

// labelPrecomputed labels the rows of a dissimilarity matrix: the distance
// of row i to medoid j is the matrix entry in row i, column of medoid j.
func labelPrecomputed(t *wire.Task, blocks taskBlocks, res *wire.Result) error {
	for _, c := range t.PointRows {
		if c < 0 || c >= int64(t.D) {
			return fmt.Errorf("worker: medoid column %d outside the %d-column matrix", c, t.D)
		}
	}
	err := blocks.each(func(_ int, b *partition.Block) error {
		for i, row := range b.Index {
			best, bestD := 0, math.Inf(1)
			for j, c := range t.PointRows {
				if v := float64(b.Data[i*b.D+int(c)]); v < bestD {
					best, bestD = j, v
				}
			}
			res.Rows = append(res.Rows, row)
			res.Labels = append(res.Labels, int32(best))
			res.Distances = append(res.Distances, bestD)
			res.Loss += bestD
			res.Inertia += bestD * bestD
		}
		return nil
	})
	if err != nil {
		return err
	}
	if res.Rows == nil {
		res.Rows, res.Labels, res.Distances = []int64{}, []int32{}, []float64{}
	}
	return nil
}
