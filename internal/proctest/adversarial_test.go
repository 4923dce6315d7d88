package proctest_test

// The adversarial cases of issue 12 share what this file defines: a
// snapshot of the user's files taken before a case and compared after it,
// and a check that shoal failed with one clear line and the right exit
// code. The cases themselves live in adversarial_*_test.go, one file per
// class of attack or mistake.

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/shoal-io/shoal/internal/proctest"
)

// Exit codes of the error contract.
const (
	exitFailed = 1 // the job or command failed
	exitUsage  = 2 // a bad flag or argument
)

// snapshot is the content hash of every regular file below some roots,
// by path. Symlinks are recorded by their target, not followed.
type snapshot map[string]string

// takeSnapshot hashes every file below each root (a file or directory).
func takeSnapshot(t *testing.T, roots ...string) snapshot {
	t.Helper()
	s := snapshot{}
	for _, root := range roots {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			switch {
			case d.Type()&fs.ModeSymlink != 0:
				target, err := os.Readlink(path)
				if err != nil {
					return err
				}
				s[path] = "symlink:" + target
			case d.Type().IsRegular():
				b, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				sum := sha256.Sum256(b)
				s[path] = hex.EncodeToString(sum[:])
			}
			return nil
		})
		if err != nil {
			t.Fatalf("snapshot of %s: %v", root, err)
		}
	}
	return s
}

// unchanged fails the test unless every file of s is still there with the
// same content, and no file was added below the roots it was taken of.
func (s snapshot) unchanged(t *testing.T, roots ...string) {
	t.Helper()
	now := takeSnapshot(t, roots...)
	var diffs []string
	for path, sum := range s {
		switch got, ok := now[path]; {
		case !ok:
			diffs = append(diffs, "removed "+path)
		case got != sum:
			diffs = append(diffs, "changed "+path)
		}
	}
	for path := range now {
		if _, ok := s[path]; !ok {
			diffs = append(diffs, "added "+path)
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		t.Errorf("the user's files changed:\n  %s", strings.Join(diffs, "\n  "))
	}
}

// refused runs shoal with args in dir and requires that it exits with
// code, printing exactly one line on stderr that starts with "shoal: "
// and contains every one of want. It returns that line.
func refused(t *testing.T, dir string, code int, args []string, want ...string) string {
	t.Helper()
	r := proctest.Run(t, dir, jobWait, shoal("shoal", args...))
	return oneLine(t, r, code, want...)
}

// oneLine checks a finished command against the error contract: exit code
// code and one stderr line, "shoal: ..." with every string of want in it.
func oneLine(t *testing.T, r proctest.Result, code int, want ...string) string {
	t.Helper()
	stderr := strings.TrimRight(r.Stderr, "\n")
	if r.Code != code {
		t.Errorf("exit code %d, want %d; stderr:\n%s", r.Code, code, stderr)
	}
	if strings.Contains(stderr, "\n") || !strings.HasPrefix(stderr, "shoal: ") {
		t.Errorf("want one stderr line starting with \"shoal: \", got:\n%s", stderr)
	}
	if strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine ") {
		t.Errorf("shoal crashed:\n%s", stderr)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr does not mention %q:\n%s", w, stderr)
		}
	}
	return stderr
}
