package pathguard

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/shoal-io/shoal/internal/blobfs"
)

// ErrDenied is returned when a path lies outside the allowed roots, inside
// a protected directory, or is relative where only absolute paths are
// accepted. A service answers it as 403.
var ErrDenied = errors.New("path not allowed")

// ErrConflict is returned when an output would replace an input, lie
// inside an input directory, or be the same file as another output.
var ErrConflict = errors.New("outputs must not overwrite inputs or each other")

// ErrBadPath is returned when a path cannot serve its purpose at all: an
// output that names an existing directory, a path that cannot be resolved.
var ErrBadPath = errors.New("unusable path")

// Resolve returns p as an absolute, clean path with every symbolic link in
// it resolved. A path that does not exist yet (an output) is resolved up to
// its longest existing ancestor and the rest is appended, so a link in any
// existing directory on the way is still followed.
//
// An object URL (s3://bucket/key) resolves to its canonical form without
// a trailing "/": a prefix is a directory of objects, and objects have no
// links to follow.
func Resolve(p string) (string, error) {
	if p == "" {
		return "", fmt.Errorf("%w: empty path", ErrBadPath)
	}
	if blobfs.IsURL(p) {
		loc, err := blobfs.Parse(p)
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrBadPath, err)
		}
		return strings.TrimSuffix(loc.String(), "/"), nil
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %v", ErrBadPath, p, err)
	}
	var rest []string
	dir := abs
	for {
		r, err := filepath.EvalSymlinks(dir)
		if err == nil {
			for i := len(rest) - 1; i >= 0; i-- {
				r = filepath.Join(r, rest[i])
			}
			return r, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("%w: %s: %v", ErrBadPath, p, err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return abs, nil
		}
		rest = append(rest, filepath.Base(dir))
		dir = parent
	}
}

// within reports whether path is root or lies below it; both are resolved.
func within(path, root string) bool {
	if path == root {
		return true
	}
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// Roots are the directories a service lets jobs read and write. The zero
// value allows nothing.
type Roots struct {
	read, write []string // resolved
	protected   []string // resolved; never writable, whatever write says
}

// NewRoots resolves the allowed read and write directories and the
// protected ones (the service's own data directory), which no job may read
// or write below even when a root contains them. Writable roots are
// readable too: a job may read what an earlier job wrote.
func NewRoots(read, write, protected []string) (*Roots, error) {
	r := &Roots{}
	for _, set := range []struct {
		flag  string
		paths []string
		into  *[]string
	}{
		{"--allow-read", read, &r.read},
		{"--allow-write", write, &r.write},
		{"data directory", protected, &r.protected},
	} {
		for _, p := range set.paths {
			if p == "" {
				return nil, fmt.Errorf("%w: %s: empty path", ErrBadPath, set.flag)
			}
			res, err := Resolve(p)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", set.flag, err)
			}
			*set.into = append(*set.into, res)
		}
	}
	return r, nil
}

// Empty reports whether the roots allow no path at all.
func (r *Roots) Empty() bool { return r == nil || len(r.read)+len(r.write) == 0 }

// String lists the roots for a start-up message.
func (r *Roots) String() string {
	if r.Empty() {
		return "no --allow-read or --allow-write roots: every job that names a file is refused"
	}
	return fmt.Sprintf("jobs may read %s and write %s", list(append(append([]string(nil), r.read...), r.write...)), list(r.write))
}

func list(ps []string) string {
	if len(ps) == 0 {
		return "nothing"
	}
	return strings.Join(ps, ", ")
}

// checkRead returns an error unless the resolved path lies under a read or
// write root and under no protected directory.
func (r *Roots) checkRead(flag, given, resolved string) error {
	for _, p := range r.protected {
		if within(resolved, p) {
			return denied(flag, given, resolved, "is inside the coordinator's data directory, which jobs may never read")
		}
	}
	for _, root := range append(append([]string(nil), r.read...), r.write...) {
		if within(resolved, root) {
			return nil
		}
	}
	return denied(flag, given, resolved, "is not below any --allow-read or --allow-write root")
}

// checkWrite returns an error unless the resolved path lies under a write
// root and under no protected directory.
func (r *Roots) checkWrite(flag, given, resolved string) error {
	for _, p := range r.protected {
		if within(resolved, p) {
			return denied(flag, given, resolved, "is inside the coordinator's data directory, which jobs may never write")
		}
	}
	for _, root := range r.write {
		if within(resolved, root) {
			return nil
		}
	}
	return denied(flag, given, resolved, "is not below any --allow-write root")
}

func denied(flag, given, resolved, rule string) error {
	if given == resolved {
		return fmt.Errorf("%w: %s %s %s", ErrDenied, flag, given, rule)
	}
	return fmt.Errorf("%w: %s %s (resolved to %s) %s", ErrDenied, flag, given, resolved, rule)
}

// File is one path a job names, with the flag or field that named it, for
// messages ("--out", "model").
type File struct {
	Flag string
	// Path is the path as given. An output whose path ends in a
	// separator is a directory of files (a dataset), not one file: it
	// may exist as a directory, and it may hold no input and no other
	// output (see Check).
	Path string
}

// isDir reports whether f names a directory output.
func (f File) isDir() bool {
	return strings.HasSuffix(f.Path, string(filepath.Separator)) || blobfs.IsURL(f.Path) && strings.HasSuffix(f.Path, "/")
}

// isPrefix reports whether an input may hold other paths below it: a
// directory, or any object URL, which may be a prefix of others.
func (r resolvedFile) isPrefix() bool {
	return r.info != nil && r.info.IsDir() || blobfs.IsURL(r.real)
}

// resolvedFile is a File with its resolved path, and what os.Stat says
// of it (nil when it does not exist, or is an object).
type resolvedFile struct {
	File
	real string
	info fs.FileInfo
}

// Job is every path a job names.
type Job struct {
	Inputs  []File
	Outputs []File
}

// Options say how strictly Check judges a job's paths.
type Options struct {
	// Roots, when set, confine reads and writes; nil checks nothing
	// against roots (a command run by the user on their own files).
	Roots *Roots
	// Absolute refuses relative paths: a service resolves no path against
	// its own working directory on behalf of a remote client.
	Absolute bool
	// Protected are directories no output may lie in (a data directory),
	// checked even without Roots.
	Protected []string
}

// Check resolves every path of job and refuses it, before anything is
// read or written, when
//   - a path is relative and opts.Absolute is set,
//   - an input is outside opts.Roots, or an output outside its write
//     roots or inside a protected directory,
//   - an output is an input, lies inside an input directory, is the same
//     file as an input (a hard link), or is another output,
//   - an output names a device, pipe or socket,
//   - an output names an existing directory (unless it is a directory
//     output, whose path ends in a separator),
//   - a directory output holds an input or another output, or lies inside an
//     input directory (data and labels would mix).
//
// Errors wrap ErrDenied, ErrConflict or ErrBadPath and name the flag, the
// path as given and, where links changed it, the resolved path.
func Check(job Job, opts Options) error {
	type resolved = resolvedFile
	resolve := func(files []File) ([]resolved, error) {
		out := make([]resolved, 0, len(files))
		for _, f := range files {
			if opts.Absolute && !filepath.IsAbs(f.Path) && !blobfs.IsURL(f.Path) {
				return nil, fmt.Errorf("%w: %s %q is relative; give an absolute path", ErrDenied, f.Flag, f.Path)
			}
			real, err := Resolve(f.Path)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f.Flag, err)
			}
			r := resolved{File: f, real: real}
			if blobfs.IsURL(real) {
				out = append(out, r)
				continue
			}
			if info, err := os.Stat(real); err == nil {
				r.info = info
			}
			out = append(out, r)
		}
		return out, nil
	}
	ins, err := resolve(job.Inputs)
	if err != nil {
		return err
	}
	outs, err := resolve(job.Outputs)
	if err != nil {
		return err
	}
	var protected []string
	for _, p := range opts.Protected {
		real, err := Resolve(p)
		if err != nil {
			return err
		}
		protected = append(protected, real)
	}
	if opts.Roots != nil {
		for _, in := range ins {
			if err := opts.Roots.checkRead(in.Flag, in.Path, in.real); err != nil {
				return err
			}
		}
		for _, out := range outs {
			if err := opts.Roots.checkWrite(out.Flag, out.Path, out.real); err != nil {
				return err
			}
		}
	}
	for i, out := range outs {
		for _, p := range protected {
			if within(out.real, p) {
				return fmt.Errorf("%w: %s %s is inside the data directory %s", ErrDenied, out.Flag, out.Path, p)
			}
		}
		if out.info != nil && out.info.IsDir() && !out.isDir() {
			return fmt.Errorf("%w: %s %s is a directory; name a file", ErrBadPath, out.Flag, out.Path)
		}
		// Outputs are renamed into place, which would replace a device,
		// pipe or socket (or the link to one, such as /dev/stdout) with a
		// regular file.
		if out.info != nil && !out.info.IsDir() && !out.info.Mode().IsRegular() {
			return fmt.Errorf("%w: %s %s is not a regular file (a device, pipe or socket); name a file", ErrBadPath, out.Flag, out.Path)
		}
		for _, in := range ins {
			switch {
			case out.real == in.real:
				return fmt.Errorf("%w: %s %s is the input %s %s", ErrConflict, out.Flag, out.Path, in.Flag, in.Path)
			case in.isPrefix() && within(out.real, in.real):
				return fmt.Errorf("%w: %s %s is inside the input directory %s %s", ErrConflict, out.Flag, out.Path, in.Flag, in.Path)
			case out.info != nil && in.info != nil && os.SameFile(out.info, in.info):
				return fmt.Errorf("%w: %s %s is the same file as the input %s %s", ErrConflict, out.Flag, out.Path, in.Flag, in.Path)
			case out.isDir() && within(in.real, out.real):
				return fmt.Errorf("%w: the input %s %s is inside the output directory %s %s; write the labels to a directory of their own",
					ErrConflict, in.Flag, in.Path, out.Flag, out.Path)
			}
		}
		for _, other := range outs[:i] {
			if out.real == other.real || (out.info != nil && other.info != nil && os.SameFile(out.info, other.info)) {
				return fmt.Errorf("%w: %s and %s both name %s", ErrConflict, other.Flag, out.Flag, out.Path)
			}
		}
		for _, other := range outs {
			switch {
			case other.real == out.real:
			case out.isDir() && within(other.real, out.real):
				return fmt.Errorf("%w: %s %s is inside the output directory %s %s; write it elsewhere", ErrConflict, other.Flag, other.Path, out.Flag, out.Path)
			}
		}
	}
	return nil
}
