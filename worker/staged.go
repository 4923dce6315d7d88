package worker

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/shoal-io/shoal/internal/atomicfile"
	"github.com/shoal-io/shoal/internal/wire"
)

// StagedFiles keeps local copies of staged input files (wire.Shard.Object)
// fetched from the wire.DataBucket object store, so that the shards of one
// file are read from one download. Beyond its byte limit the least
// recently used copies are deleted; a reader that has a copy open keeps
// reading it, and a later shard fetches it again. Concurrent requests for
// the same object wait for one download. It is safe for concurrent use.
type StagedFiles struct {
	files *loadingLRU[string] // local paths by object name

	mu     sync.Mutex
	parent string // where dir is made
	dir    string // "" until the first download
}

// NewStagedFiles keeps copies under a new directory in dir ("" means the
// system's temporary directory), up to limit bytes (<= 0 means 8 GiB).
// The directory is made at the first download, so a worker that never
// serves a staged job needs none (a FROM scratch image has no /tmp);
// Close removes it.
func NewStagedFiles(dir string, limit int64) *StagedFiles {
	if limit <= 0 {
		limit = 8 << 30
	}
	return &StagedFiles{parent: dir, files: newLoadingLRU(limit, func(path string) { os.Remove(path) })}
}

// Close deletes every local copy.
func (s *StagedFiles) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dir == "" {
		return nil
	}
	return os.RemoveAll(s.dir)
}

// directory returns the directory for copies, making it on first use.
func (s *StagedFiles) directory() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dir == "" {
		d, err := atomicfile.MkdirTemp(s.parent, "shoal-staged-")
		if err != nil {
			return "", fmt.Errorf("worker: directory for staged files: %w", err)
		}
		s.dir = d
	}
	return s.dir, nil
}

// path returns a local copy of object name, downloading it on a miss; the
// copy's file name ends in base, the original's, whose extension tells
// its format. Errors are not kept: the next request tries again.
func (s *StagedFiles) path(ctx context.Context, js jetstream.JetStream, name, base string) (string, error) {
	return s.files.get(name, func() (string, int64, error) { return s.download(ctx, js, name, base) })
}

func (s *StagedFiles) download(ctx context.Context, js jetstream.JetStream, name, base string) (string, int64, error) {
	obs, err := js.ObjectStore(ctx, wire.DataBucket)
	if err != nil {
		return "", 0, fmt.Errorf("worker: staged file %s: object store %s: %w", name, wire.DataBucket, err)
	}
	dir, err := s.directory()
	if err != nil {
		return "", 0, err
	}
	path := filepath.Join(dir, strings.NewReplacer("/", "_", "\\", "_").Replace(name)+"-"+base)
	if err := obs.GetFile(ctx, name, path); err != nil {
		os.Remove(path)
		return "", 0, fmt.Errorf("worker: fetching staged file %s/%s: %w", wire.DataBucket, name, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return "", 0, err
	}
	return path, fi.Size(), nil
}
