package storage

import (
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// bbolt trusts the pages of its file: a damaged page makes it panic (an
// unknown page type, an index out of range), and a page id past the end
// of a file that was cut short makes it read its memory mapping where
// nothing is mapped, which is a fault that ends the process. Every use
// of the file goes through guard, which turns both into ErrCorrupt naming
// the file, so a coordinator on a damaged catalog stops with one line
// instead of a stack trace, and `shoal coordinator --check` reports it.

// maxReasons bounds the problems quoted in one corruption error.
const maxReasons = 3

// corrupt returns ErrCorrupt for the catalog at path, with the reasons
// found (the first few, on one line).
func corrupt(path string, reasons ...string) error {
	var rs []string
	for _, r := range reasons {
		if r = strings.Join(strings.Fields(r), " "); r != "" {
			rs = append(rs, r)
		}
	}
	more := ""
	if len(rs) > maxReasons {
		more = fmt.Sprintf("; and %d more", len(rs)-maxReasons)
		rs = rs[:maxReasons]
	}
	return fmt.Errorf("storage: %s: %w (%s%s); move it aside or restore a backup",
		path, ErrCorrupt, strings.Join(rs, "; "), more)
}

// guard runs fn, which uses the bbolt file at path, turning a panic or a
// memory fault inside it into ErrCorrupt. It must be the only thing
// between a Store method and bbolt.
func guard(path string, fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = corrupt(path, fmt.Sprint(r))
		}
	}()
	return fn()
}

// isCorruption reports whether err from bolt.Open means the file is
// damaged (bad meta pages, a file too small to hold them, a mapping that
// does not fit), as opposed to being in use, missing, unwritable or out
// of memory. bbolt has no sentinel for a file cut short, only its text.
func isCorruption(err error) bool {
	for _, e := range []error{berrors.ErrInvalid, berrors.ErrChecksum, berrors.ErrVersionMismatch, berrors.ErrInvalidMapping} {
		if errors.Is(err, e) {
			return true
		}
	}
	return strings.Contains(err.Error(), "file size too small")
}

// view runs fn in a read transaction, guarded.
func (s *Store) view(fn func(tx *bolt.Tx) error) error {
	return guard(s.path, func() error { return s.db.View(fn) })
}

// update runs fn in a write transaction, guarded.
func (s *Store) update(fn func(tx *bolt.Tx) error) error {
	return guard(s.path, func() error { return s.db.Update(fn) })
}

// pageErrors runs bbolt's page-level consistency check in tx and returns
// what it finds as text. bbolt runs that check on a goroutine of its own,
// where a fault on a wild page pointer could not be recovered, so every
// key and value is read here first, under guard: what the check then
// reads has been read once already.
func pageErrors(tx *bolt.Tx) []string {
	touchAll(tx)
	var found []string
	for e := range tx.Check() {
		found = append(found, e.Error())
	}
	return found
}

// touched keeps touchAll's reads from being optimised away.
var touched byte

// touchAll reads every key and value of every bucket, nested ones too.
func touchAll(tx *bolt.Tx) {
	var sum byte
	read := func(b []byte) {
		for _, c := range b {
			sum ^= c
		}
	}
	var walk func(b *bolt.Bucket)
	walk = func(b *bolt.Bucket) {
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			read(k)
			read(v)
			if v == nil {
				if nested := b.Bucket(k); nested != nil {
					walk(nested)
				}
			}
		}
	}
	_ = tx.ForEach(func(name []byte, b *bolt.Bucket) error {
		read(name)
		walk(b)
		return nil
	})
	touched ^= sum
}
