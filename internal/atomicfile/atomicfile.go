// Package atomicfile writes files that appear whole or not at all, alone
// or several together, and cleans up after writers that were killed.
//
// A File is written under a temporary name in its final directory:
// ".<name>.shoal-<host>-<pid>-<random>.tmp". Commit syncs the files, then
// renames each over its final name; if a rename fails, the names already
// replaced get their previous files back, so a reader sees the old set or
// the new one. The host and process in the name let a later writer of the
// same final name remove the temporaries of a writer that died.
//
// # Caveats
//
// A File is not safe for concurrent use. The rollback of Commit keeps the
// previous file through a hard link; on a file system without hard links
// a failed Commit may leave the first files new and the rest old.
package atomicfile

import (
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// tmpMarker separates a final name from the owner part of its temporaries.
const tmpMarker = ".shoal-"

// File is a file being written under a temporary name.
type File struct {
	*os.File
	final string
	done  bool
	// written counts the bytes written through Write, and flushed those
	// whose write-back has been started (see Write).
	written, flushed int64
}

// writebackChunk is how many bytes Write lets accumulate before it asks
// the kernel to start writing them to disk.
const writebackChunk = 1 << 20

// Write writes p to the temporary file. Each time another writebackChunk
// bytes have gone in, it asks the kernel to start writing them to disk
// (where the system can be asked: sync_file_range on Linux) without
// waiting for it, so that Commit's sync waits for the last few megabytes
// rather than the whole file: a 9 MB labels file took 7–10 ms to sync at
// the end of a job that could have written it back while computing.
func (f *File) Write(p []byte) (int, error) {
	n, err := f.File.Write(p)
	f.written += int64(n)
	if f.written-f.flushed >= writebackChunk {
		startWriteback(f.File, f.flushed, f.written-f.flushed)
		f.flushed = f.written
	}
	return n, err
}

// owner identifies this process among the writers of a shared directory:
// a hash of the host name, the process id, and the process's start time,
// so that a later process given the same id (as the main process of a
// restarted container always is) does not take a dead one's files for its
// own.
var owner = func() string {
	host, _ := os.Hostname()
	h := fnv.New32a()
	h.Write([]byte(host))
	return fmt.Sprintf("%08x-%d-%d", h.Sum32(), os.Getpid(), startTime(os.Getpid()))
}()

// tmpPrefix is the start of every temporary name of final.
func tmpPrefix(final string) string {
	dir, base := filepath.Split(final)
	return filepath.Join(dir, "."+base+tmpMarker)
}

// Create starts a file that Commit moves to path. It first removes the
// temporaries of path that writers on this host left when they died. Its
// error names path, so a directory that is missing or not writable is
// reported before any work is done.
func Create(path string) (*File, error) {
	CleanStale(path)
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+tmpMarker+owner+"-*.tmp")
	if err != nil {
		return nil, fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))
	}
	return &File{File: f, final: path}, nil
}

// unwrapPath drops the temporary name from an *os.PathError, which would
// only confuse a user who asked for another name.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// MkdirTemp makes a scratch directory in dir (os.TempDir() if empty)
// named prefix, this process's owner mark and a random part, after
// removing, with everything in them, the directories of that prefix whose
// owners died without cleaning up (a process killed with SIGKILL).
func MkdirTemp(dir, prefix string) (string, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	matches, _ := filepath.Glob(filepath.Join(globEscape(dir), globEscape(prefix)+"*"))
	for _, m := range matches {
		if info, err := os.Lstat(m); err == nil && info.IsDir() && staleOwner(strings.TrimPrefix(filepath.Base(m), prefix)) {
			os.RemoveAll(m)
		}
	}
	return os.MkdirTemp(dir, prefix+owner+"-*.tmp")
}

// WriteFile writes data to path as a whole: readers see the old file or
// the new one, never a part.
func WriteFile(path string, data []byte) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return fmt.Errorf("writing %s: %w", path, unwrapPath(err))
	}
	return Commit(f)
}

// Probe reports whether a file could be created at path, leaving nothing
// behind: a check worth making before long work whose result goes there.
func Probe(path string) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	f.Abort()
	return nil
}

// Final is the path the file will have once committed.
func (f *File) Final() string { return f.final }

// Abort closes and removes the temporary. It is safe after Commit (then it
// does nothing) and may be deferred.
func (f *File) Abort() {
	if f == nil || f.done {
		return
	}
	f.done = true
	f.File.Close()
	os.Remove(f.File.Name())
}

// Commit syncs and closes every file, then renames each over its final
// name, in order. On any failure every temporary is removed and the final
// names that were already replaced get their previous files back (or are
// removed where there was none), so the previous set of files is left as
// it was. Files are made readable by others (0644), as os.Create would.
func Commit(files ...*File) error {
	var err error
	for _, f := range files {
		if f.done {
			err = errors.Join(err, fmt.Errorf("%s: already committed or aborted", f.final))
			continue
		}
		if serr := f.Sync(); serr != nil {
			err = errors.Join(err, fmt.Errorf("writing %s: %w", f.final, unwrapPath(serr)))
		} else if cerr := f.Chmod(0o644); cerr != nil {
			err = errors.Join(err, fmt.Errorf("writing %s: %w", f.final, unwrapPath(cerr)))
		}
		if cerr := f.File.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("writing %s: %w", f.final, unwrapPath(cerr))
		}
	}
	if err != nil {
		abortAll(files)
		return err
	}
	type replaced struct {
		f      *File
		backup string // "" when the final name did not exist
	}
	var done []replaced
	for _, f := range files {
		backup := f.File.Name() + ".old"
		if lerr := os.Link(f.final, backup); lerr != nil {
			backup = ""
		}
		if rerr := os.Rename(f.File.Name(), f.final); rerr != nil {
			if backup != "" {
				os.Remove(backup)
			}
			for i := len(done) - 1; i >= 0; i-- {
				r := done[i]
				if r.backup != "" {
					os.Rename(r.backup, r.f.final)
				} else {
					os.Remove(r.f.final)
				}
			}
			abortAll(files)
			return fmt.Errorf("writing %s: %w", f.final, unwrapPath(rerr))
		}
		f.done = true
		done = append(done, replaced{f, backup})
	}
	for _, r := range done {
		if r.backup != "" {
			os.Remove(r.backup)
		}
	}
	syncDirs(files)
	return nil
}

func abortAll(files []*File) {
	for _, f := range files {
		if !f.done {
			f.done = true
			os.Remove(f.File.Name())
		}
	}
}

// syncDirs makes the renames durable. Failure here loses nothing the
// caller can act on, so it is not reported.
func syncDirs(files []*File) {
	seen := map[string]bool{}
	for _, f := range files {
		dir := filepath.Dir(f.final)
		if seen[dir] {
			continue
		}
		seen[dir] = true
		if d, err := os.Open(dir); err == nil {
			d.Sync()
			d.Close()
		}
	}
}

// CleanStale removes the temporaries of final left by writers on this
// host whose process has ended. Temporaries of live processes and of
// other hosts sharing the directory are left alone.
func CleanStale(final string) {
	prefix := tmpPrefix(final)
	matches, _ := filepath.Glob(globEscape(prefix) + "*")
	for _, m := range matches {
		if staleOwner(strings.TrimPrefix(m, prefix)) {
			os.Remove(m)
		}
	}
}

// staleOwner reports whether a temporary's owner part
// ("<host>-<pid>-<start>-…") names this host and a process that no longer
// exists: none with that id, or one that started at another time.
func staleOwner(rest string) bool {
	parts := strings.SplitN(rest, "-", 4)
	if len(parts) != 4 || !strings.HasSuffix(parts[3], ".tmp") && !strings.HasSuffix(parts[3], ".tmp.old") {
		return false
	}
	host, _, _ := strings.Cut(owner, "-")
	if parts[0] != host {
		return false
	}
	pid, err := strconv.Atoi(parts[1])
	if err != nil || pid <= 0 {
		return false
	}
	start, err := strconv.ParseUint(parts[2], 10, 64)
	if err != nil {
		return false
	}
	if processGone(pid) {
		return true
	}
	// A live process with that id is the writer only if it started when
	// the writer did; a start time of 0 means it could not be read.
	now := startTime(pid)
	return now != 0 && start != 0 && now != start
}

// globEscape quotes the characters filepath.Glob treats specially.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[', '\\':
			b.WriteRune('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Owner is this process's owner mark, for names of its own in places
// that are not files (object prefixes).
func Owner() string { return owner }
