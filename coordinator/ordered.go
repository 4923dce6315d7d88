package coordinator

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/shoal-io/shoal/internal/wire"
)

// heldResultBytes bounds the label results an orderedWriter keeps in
// memory while it waits for an earlier task's: beyond it, results that
// arrive early go to a temporary file until their turn. Results mostly
// arrive in order, a few tasks apart; a task that is redelivered after
// a worker died can leave every later result waiting, which for 100M
// rows would be 2 GB of rows, labels and distances.
const heldResultBytes = 256 << 20

// orderedWriter passes task results on in task order, holding back those
// that arrive early: in memory up to limit bytes, in a temporary
// directory beyond. close removes the directory.
type orderedWriter struct {
	next    int
	pending map[int][]*wire.Result
	spilled map[int][]string // files of results held on disk, by task and part
	emit    func(*wire.Result) error
	n       int

	held  int64 // bytes of the results in pending
	limit int64
	dir   string // made at the first spill
}

func newOrderedWriter(n int, emit func(*wire.Result) error) *orderedWriter {
	return &orderedWriter{pending: map[int][]*wire.Result{}, spilled: map[int][]string{}, emit: emit, n: n, limit: heldResultBytes}
}

// resultBytes estimates the memory a label result holds.
func resultBytes(r *wire.Result) int64 {
	return int64(8*len(r.Rows)+4*len(r.Labels)+8*len(r.Distances)+8*len(r.Counts)) + 256
}

func (o *orderedWriter) add(i int, r *wire.Result) error {
	if i < o.next {
		return nil // a duplicate of a task already written
	}
	ps := o.pending[i]
	if ps == nil {
		ps = make([]*wire.Result, r.Parts)
		o.pending[i] = ps
		o.spilled[i] = make([]string, r.Parts)
	}
	if r.Part >= len(ps) || len(o.spilled[i]) != len(ps) {
		return fmt.Errorf("%w: part %d of %d", wire.ErrDecode, r.Part, len(ps))
	}
	if ps[r.Part] != nil || o.spilled[i][r.Part] != "" {
		return nil // a duplicate part
	}
	if i != o.next && o.held+resultBytes(r) > o.limit {
		path, err := o.spill(i, r)
		if err != nil {
			return err
		}
		o.spilled[i][r.Part] = path
	} else {
		ps[r.Part] = r
		o.held += resultBytes(r)
	}
	for o.next < o.n {
		if !o.ready(o.next) {
			return nil
		}
		if err := o.flush(o.next); err != nil {
			return err
		}
		o.next++
	}
	return nil
}

// ready reports whether every part of task i is at hand.
func (o *orderedWriter) ready(i int) bool {
	ps := o.pending[i]
	if ps == nil {
		return false
	}
	for p, r := range ps {
		if r == nil && o.spilled[i][p] == "" {
			return false
		}
	}
	return true
}

// flush emits task i's parts in order, reading those held on disk back.
func (o *orderedWriter) flush(i int) error {
	for p, r := range o.pending[i] {
		if r == nil {
			b, err := os.ReadFile(o.spilled[i][p])
			if err != nil {
				return fmt.Errorf("coordinator: reading back a held label result: %w", err)
			}
			if r, err = wire.DecodeResult(b); err != nil {
				return fmt.Errorf("coordinator: reading back a held label result: %w", err)
			}
			_ = os.Remove(o.spilled[i][p])
		} else {
			o.held -= resultBytes(r)
		}
		if err := o.emit(r); err != nil {
			return err
		}
	}
	delete(o.pending, i)
	delete(o.spilled, i)
	return nil
}

// spill writes r, part of task i, to the temporary directory.
func (o *orderedWriter) spill(i int, r *wire.Result) (string, error) {
	if o.dir == "" {
		dir, err := os.MkdirTemp("", "shoal-labels-")
		if err != nil {
			return "", fmt.Errorf("coordinator: holding label results that came early: %w", err)
		}
		o.dir = dir
	}
	b, err := wire.EncodeResult(r)
	if err != nil {
		return "", err
	}
	path := filepath.Join(o.dir, fmt.Sprintf("task-%d-part-%d", i, r.Part))
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return "", fmt.Errorf("coordinator: holding label results that came early: %w", err)
	}
	return path, nil
}

// spilledCount is the number of results held on disk.
func (o *orderedWriter) spilledCount() int {
	n := 0
	for _, files := range o.spilled {
		for _, f := range files {
			if f != "" {
				n++
			}
		}
	}
	return n
}

func (o *orderedWriter) complete() bool { return o.next == o.n }

// close removes the results held on disk.
func (o *orderedWriter) close() {
	if o.dir != "" {
		_ = os.RemoveAll(o.dir)
		o.dir = ""
	}
}
