package partition

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/shoal-io/shoal/internal/blobfs"
)

// hasMeta reports whether a path holds a glob metacharacter.
func hasMeta(p string) bool { return strings.ContainsAny(p, "*?[") }

// expandGlob expands an input that holds *, ? or [ with filepath.Match
// semantics, one path segment at a time (no "**": a * never crosses a
// "/"). The directories before the first segment with a metacharacter
// are the dataset's root, below which key=value directories are
// partitions. Names starting with "." or "_" match only a segment that
// starts with that character itself. A matched directory is read as a
// directory input; a matched file of an unsupported format is skipped.
// The files come out sorted by path. A pattern that matches no file is
// ErrNoMatch naming it; a where filter prunes matched directories as it
// does in a walk (the count of those is returned).
func expandGlob(pattern string, where Where, keys map[string]bool) ([]Input, int, error) {
	if _, err := filepath.Match(pattern, ""); err != nil {
		return nil, 0, fmt.Errorf("%w: --input %s: %v", ErrInvalidOptions, pattern, err)
	}
	root, segs, first := splitGlob(pattern)
	prune := where.pruner(keys)
	pruned := 0
	cur := []string{root}
	for i, seg := range segs[first:] {
		last := first+i == len(segs)-1
		var next []string
		for _, dir := range cur {
			if !hasMeta(seg) {
				p := filepath.Join(dir, seg)
				if _, err := os.Stat(p); err != nil {
					continue
				}
				if !last && prune(seg) {
					pruned++
					continue
				}
				next = append(next, p)
				continue
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid) || isNotDir(dir) {
					continue
				}
				return nil, 0, corrupt(dir, "", err)
			}
			for _, e := range entries {
				name := e.Name()
				if hiddenName(name) && name[0] != seg[0] {
					continue
				}
				if ok, _ := filepath.Match(seg, name); !ok {
					continue
				}
				p := filepath.Join(dir, name)
				if st, err := os.Stat(p); err == nil && st.IsDir() && prune(name) {
					pruned++
					continue
				}
				next = append(next, p)
			}
		}
		cur = next
	}
	var files []string
	for _, p := range cur {
		st, err := os.Stat(p)
		if err != nil {
			continue
		}
		if !st.IsDir() {
			if _, err := FormatFromPath(p); err == nil {
				files = append(files, p)
			}
			continue
		}
		found, n, err := walkInputDir(p, prune)
		if err != nil {
			return nil, 0, err
		}
		files, pruned = append(files, found...), pruned+n
	}
	return globMatches(pattern, "file", root, files, pruned, where, keys)
}

// globMatches ends a glob's expansion: the files it matched (what, "file"
// or "object", for the message when none), sorted and each once, with
// their partitions, and the count of those that where left out.
func globMatches(pattern, what, root string, files []string, pruned int, where Where, keys map[string]bool) ([]Input, int, error) {
	if len(files) == 0 && pruned == 0 {
		return nil, 0, fmt.Errorf("%w: --input %s matches no %s %s (names starting with . or _ are skipped)", ErrNoMatch, pattern, supportedExts, what)
	}
	slices.Sort(files)
	files = slices.Compact(files)
	kept, n, err := partitioned(root, files, where, keys)
	if err != nil {
		return nil, 0, err
	}
	return kept, pruned + n, nil
}

// GlobRoot returns the fixed part of a glob input, the directories
// before its first segment with a metacharacter, which holds every file
// it can match; any other path is returned as is.
func GlobRoot(p string) string {
	if !hasMeta(p) {
		return p
	}
	if isRemote(p) {
		loc, err := blobfs.Parse(p)
		if err != nil {
			return p
		}
		segs := strings.Split(loc.Key, "/")
		loc.Key = strings.Join(segs[:slices.IndexFunc(segs, hasMeta)], "/")
		if loc.Key != "" {
			loc.Key += "/"
		}
		return loc.String()
	}
	if _, err := os.Lstat(p); err == nil {
		return p
	}
	root, _, _ := splitGlob(p)
	return root
}

// splitGlob splits a pattern into its segments and returns the fixed
// part's path and the index of the first segment with a metacharacter.
func splitGlob(pattern string) (root string, segs []string, first int) {
	clean := filepath.Clean(pattern)
	segs = strings.Split(clean, string(filepath.Separator))
	first = max(slices.IndexFunc(segs, hasMeta), 0)
	root = filepath.Join(segs[:first]...)
	switch {
	case first == 0:
		root = "."
	case filepath.IsAbs(clean) && root == "":
		root = string(filepath.Separator)
	case filepath.IsAbs(clean):
		root = string(filepath.Separator) + root
	}
	return root, segs, first
}

// isNotDir reports whether p exists and is not a directory.
func isNotDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
