package partition

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/shoal-io/shoal/internal/blobfs"
)

// expandRemote is expandPaths for one object URL: a single object, a
// prefix listed as a directory (with or without a trailing "/"), or a
// glob over keys ("*" and "[...]"; "?" would start a query). Listing goes
// one level at a time, so a key=value prefix that where leaves out is
// never listed.
func expandRemote(p string, where Where, keys map[string]bool) ([]Input, int, error) {
	loc, err := blobfs.Parse(p)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: --input: %w", ErrInvalidOptions, err)
	}
	ctx := context.Background()
	if hasMeta(loc.Key) {
		return expandRemoteGlob(ctx, loc, where, keys)
	}
	info, err := blobfs.Stat(ctx, p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, 0, fmt.Errorf("%w: %s", ErrNotFound, p)
		}
		return nil, 0, corrupt(p, "", err)
	}
	if !info.IsDir {
		if _, err := FormatFromPath(p); err != nil {
			return nil, 0, err
		}
		if !where.keeps(nil) {
			return nil, 1, nil
		}
		return []Input{{Path: loc.String()}}, 0, nil
	}
	root := strings.TrimSuffix(loc.String(), "/")
	found, pruned, err := walkRemote(ctx, root, where.pruner(keys))
	if err != nil {
		return nil, 0, err
	}
	if len(found) == 0 && pruned == 0 {
		return nil, 0, fmt.Errorf("%w: prefix %s holds no %s object", ErrEmptyDataset, p, supportedExts)
	}
	slices.Sort(found)
	kept, n, err := partitioned(root, found, where, keys)
	return kept, pruned + n, err
}

// walkRemote lists the supported objects below the prefix dir, skipping
// names that start with "." or "_" and prefixes that prune leaves out.
func walkRemote(ctx context.Context, dir string, prune func(name string) bool) ([]string, int, error) {
	entries, err := blobfs.List(ctx, dir)
	if err != nil {
		return nil, 0, corrupt(dir, "", err)
	}
	var found []string
	pruned := 0
	for _, e := range entries {
		if hiddenName(e.Name) {
			continue
		}
		p := blobfs.Join(dir, e.Name)
		if e.IsDir {
			if prune != nil && prune(e.Name) {
				pruned++
				continue
			}
			f, n, err := walkRemote(ctx, p, prune)
			if err != nil {
				return nil, 0, err
			}
			found, pruned = append(found, f...), pruned+n
			continue
		}
		if _, err := FormatFromPath(p); err == nil {
			found = append(found, p)
		}
	}
	return found, pruned, nil
}

// expandRemoteGlob matches loc's key segment by segment, as expandGlob
// does for local paths.
func expandRemoteGlob(ctx context.Context, loc blobfs.Location, where Where, keys map[string]bool) ([]Input, int, error) {
	pattern := loc.String()
	segs := strings.Split(strings.TrimSuffix(loc.Key, "/"), "/")
	for _, s := range segs {
		if _, err := path.Match(s, ""); err != nil {
			return nil, 0, fmt.Errorf("%w: --input %s: %v", ErrInvalidOptions, pattern, err)
		}
	}
	first := slices.IndexFunc(segs, hasMeta)
	base := loc
	base.Key = strings.Join(segs[:first], "/")
	root := strings.TrimSuffix(base.String(), "/")
	prune := where.pruner(keys)
	pruned := 0
	type cand struct {
		path  string
		isDir bool // known to be a prefix from a listing
	}
	cur := []cand{{path: root, isDir: true}}
	for i, seg := range segs[first:] {
		last := first+i == len(segs)-1
		var next []cand
		for _, c := range cur {
			if !hasMeta(seg) {
				if !last && prune(seg) {
					pruned++
					continue
				}
				next = append(next, cand{path: blobfs.Join(c.path, seg)})
				continue
			}
			entries, err := blobfs.List(ctx, c.path)
			if err != nil {
				return nil, 0, corrupt(c.path, "", err)
			}
			for _, e := range entries {
				if hiddenName(e.Name) && e.Name[0] != seg[0] {
					continue
				}
				if ok, _ := path.Match(seg, e.Name); !ok {
					continue
				}
				if e.IsDir && prune(e.Name) {
					pruned++
					continue
				}
				next = append(next, cand{path: blobfs.Join(c.path, e.Name), isDir: e.IsDir})
			}
		}
		cur = next
	}
	var files []string
	for _, c := range cur {
		isDir := c.isDir
		if !isDir {
			info, err := blobfs.Stat(ctx, c.path)
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					continue
				}
				return nil, 0, corrupt(c.path, "", err)
			}
			isDir = info.IsDir
		}
		if !isDir {
			if _, err := FormatFromPath(c.path); err == nil {
				files = append(files, c.path)
			}
			continue
		}
		found, n, err := walkRemote(ctx, c.path, prune)
		if err != nil {
			return nil, 0, err
		}
		files, pruned = append(files, found...), pruned+n
	}
	return globMatches(pattern, "object", root, files, pruned, where, keys)
}
