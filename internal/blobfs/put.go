package blobfs

import (
	"context"
	"errors"
	"fmt"

	"github.com/shoal-io/shoal/internal/atomicfile"
)

// Put is a local file to upload as an object.
type Put struct {
	Local, Object string
}

// Puts are objects replaced as one set: PutAll uploads them, keeping a
// copy of each earlier object under a hidden name beside it; Undo puts
// the earlier ones back, Done drops the copies. A store has no
// transactions, so a crash between the two leaves the hidden copies
// behind (readers skip them) and the new objects in place.
type Puts struct {
	ctx  context.Context
	done []putDone
}

type putDone struct {
	object, backup string // backup "" when there was no earlier object
}

// PutAll uploads every file. When one fails, the objects already
// replaced are restored before it returns the error.
func PutAll(ctx context.Context, puts []Put) (*Puts, error) {
	ps := &Puts{ctx: ctx}
	for _, p := range puts {
		d := putDone{object: p.Object}
		if _, err := Stat(ctx, p.Object); err == nil {
			// The owner mark keeps two processes replacing the same
			// object from taking each other's copy.
			d.backup = Join(Dir(p.Object), ".shoal-backup-"+atomicfile.Owner()+"-"+Base(p.Object))
			if err := Copy(ctx, p.Object, d.backup); err != nil {
				ps.Undo()
				return nil, fmt.Errorf("keeping the earlier %s: %w", p.Object, err)
			}
		}
		if err := UploadFile(ctx, p.Local, p.Object); err != nil {
			if d.backup != "" {
				_ = Remove(ctx, d.backup)
			}
			ps.Undo()
			return nil, err
		}
		ps.done = append(ps.done, d)
	}
	return ps, nil
}

// Undo restores the objects PutAll replaced (deleting those that were
// new), latest first.
func (ps *Puts) Undo() error {
	if ps == nil {
		return nil
	}
	var errs []error
	for i := len(ps.done) - 1; i >= 0; i-- {
		d := ps.done[i]
		if d.backup == "" {
			errs = append(errs, Remove(ps.ctx, d.object))
			continue
		}
		errs = append(errs, Copy(ps.ctx, d.backup, d.object), Remove(ps.ctx, d.backup))
	}
	ps.done = nil
	return errors.Join(errs...)
}

// Done drops the copies of the earlier objects.
func (ps *Puts) Done() {
	if ps == nil {
		return
	}
	for _, d := range ps.done {
		if d.backup != "" {
			_ = Remove(ps.ctx, d.backup)
		}
	}
	ps.done = nil
}
