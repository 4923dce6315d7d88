package atomicfile

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// entries lists a directory's names.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func create(t *testing.T, path, content string) *File {
	t.Helper()
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(content); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestCommitReplacesTogether(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "labels.csv"), filepath.Join(dir, "model.json")
	write(t, a, "old labels")
	fa, fb := create(t, a, "new labels"), create(t, b, "new model")
	if read(t, a) != "old labels" {
		t.Fatal("the final name changed before Commit")
	}
	if err := Commit(fa, fb); err != nil {
		t.Fatal(err)
	}
	if read(t, a) != "new labels" || read(t, b) != "new model" {
		t.Fatalf("after Commit: %q, %q", read(t, a), read(t, b))
	}
	if got := entries(t, dir); len(got) != 2 {
		t.Fatalf("temporaries left: %v", got)
	}
	if info, _ := os.Stat(a); info.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v, want 0644", info.Mode().Perm())
	}
}

// A failed rename of the second file puts the first file's previous
// content back: the old pair stays whole.
func TestCommitRollsBack(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "labels.csv"), filepath.Join(dir, "model.json")
	write(t, a, "old labels")
	fa, fb := create(t, a, "new labels"), create(t, b, "new model")
	// The model's name becomes a non-empty directory: its rename fails.
	if err := os.MkdirAll(filepath.Join(b, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := Commit(fa, fb)
	if err == nil || !strings.Contains(err.Error(), b) {
		t.Fatalf("Commit = %v, want an error naming %s", err, b)
	}
	if got := read(t, a); got != "old labels" {
		t.Fatalf("labels after a failed Commit: %q, want the old content", got)
	}
	if got := entries(t, dir); len(got) != 2 {
		t.Fatalf("left behind: %v", got)
	}
	// A new name that did not exist before is removed again.
	c := filepath.Join(dir, "new.csv")
	fc, fb2 := create(t, c, "c"), create(t, b, "m")
	if err := Commit(fc, fb2); err == nil {
		t.Fatal("Commit succeeded onto a directory")
	}
	if _, err := os.Stat(c); !os.IsNotExist(err) {
		t.Fatalf("%s exists after a failed Commit", c)
	}
}

func TestAbort(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "labels.csv")
	write(t, a, "old")
	f := create(t, a, "new")
	f.Abort()
	f.Abort()
	if read(t, a) != "old" || len(entries(t, dir)) != 1 {
		t.Fatalf("Abort left %v", entries(t, dir))
	}
	if err := Commit(f); err == nil {
		t.Fatal("Commit after Abort succeeded")
	}
}

func TestCreateUnwritable(t *testing.T) {
	_, err := Create(filepath.Join(t.TempDir(), "missing", "model.json"))
	if err == nil || !strings.Contains(err.Error(), "missing/model.json") || strings.Contains(err.Error(), ".tmp") {
		t.Fatalf("Create = %v, want an error naming the final path only", err)
	}
}

// CleanStale removes the temporaries of dead writers on this host, and
// leaves those of live processes, of other hosts and of other names.
func TestCleanStale(t *testing.T) {
	dir := t.TempDir()
	final := filepath.Join(dir, "labels.parquet")
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("cannot run a child process:", err)
	}
	dead := cmd.Process.Pid
	host, _, _ := strings.Cut(owner, "-")
	me := strconv.Itoa(os.Getpid())
	myStart := strconv.FormatUint(startTime(os.Getpid()), 10)
	parent := strconv.Itoa(os.Getppid())
	parentStart := strconv.FormatUint(startTime(os.Getppid()), 10)
	names := map[string]bool{ // name: still there after CleanStale
		".labels.parquet.shoal-" + host + "-" + strconv.Itoa(dead) + "-5-123.tmp":     false,
		".labels.parquet.shoal-" + host + "-" + strconv.Itoa(dead) + "-5-123.tmp.old": false,
		".labels.parquet.shoal-" + host + "-" + parent + "-" + parentStart + "-1.tmp": true,
		// This process's id, but another start: a dead predecessor that
		// had the same id, as in a restarted container.
		".labels.parquet.shoal-" + host + "-" + me + "-1-1.tmp":                false,
		".labels.parquet.shoal-" + host + "-" + me + "-" + myStart + "-2.tmp":  true,
		".labels.parquet.shoal-ffffffff-" + strconv.Itoa(dead) + "-5-1.tmp":    true,
		".other.parquet.shoal-" + host + "-" + strconv.Itoa(dead) + "-5-1.tmp": true,
		"labels.parquet": true,
	}
	if host == "ffffffff" {
		t.Skip("this host hashes to the other host's name")
	}
	for n := range names {
		write(t, filepath.Join(dir, n), "x")
	}
	CleanStale(final)
	for n, keep := range names {
		_, err := os.Stat(filepath.Join(dir, n))
		if got := err == nil; got != keep {
			t.Errorf("%s: kept %v, want %v", n, got, keep)
		}
	}
}

func TestWriteFileAndProbe(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.json")
	if err := Probe(path); err != nil {
		t.Fatal(err)
	}
	if len(entries(t, dir)) != 0 {
		t.Fatalf("Probe left %v", entries(t, dir))
	}
	if err := WriteFile(path, []byte("m")); err != nil || read(t, path) != "m" {
		t.Fatalf("WriteFile: %v", err)
	}
	if err := Probe(filepath.Join(dir, "missing", "m.json")); err == nil {
		t.Fatal("Probe of a missing directory succeeded")
	}
	if err := WriteFile(filepath.Join(dir, "missing", "m.json"), nil); err == nil {
		t.Fatal("WriteFile into a missing directory succeeded")
	}
}

// MkdirTemp removes the scratch directories of dead owners with their
// content, and leaves those of live processes.
func TestMkdirTempRemovesStale(t *testing.T) {
	parent := t.TempDir()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("cannot run a child process:", err)
	}
	host, _, _ := strings.Cut(owner, "-")
	dead := filepath.Join(parent, "shoal-run-"+host+"-"+strconv.Itoa(cmd.Process.Pid)+"-5-1.tmp")
	live := filepath.Join(parent, "shoal-run-"+host+"-"+strconv.Itoa(os.Getppid())+"-"+strconv.FormatUint(startTime(os.Getppid()), 10)+"-1.tmp")
	other := filepath.Join(parent, "shoal-demo-"+host+"-"+strconv.Itoa(cmd.Process.Pid)+"-5-1.tmp")
	for _, d := range []string{dead, live, other} {
		if err := os.MkdirAll(filepath.Join(d, "jetstream"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	got, err := MkdirTemp(parent, "shoal-run-")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("the dead owner's directory is still there")
	}
	for _, d := range []string{live, other, got} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s: %v", d, err)
		}
	}
	if !strings.HasPrefix(filepath.Base(got), "shoal-run-"+owner+"-") {
		t.Errorf("new directory %s does not carry the owner %s", got, owner)
	}
}

// TestWriteAcrossWriteback writes a file in uneven pieces that cross the
// write-back chunks several times and checks that the committed file
// holds every byte in order and that the write-back kept up with the
// writes.
func TestWriteAcrossWriteback(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.bin")
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]byte, 0, 3*writebackChunk+12345)
	for i := 0; len(want) < cap(want); i++ {
		n := min(1+(i*7919)%(writebackChunk/3), cap(want)-len(want))
		piece := make([]byte, n)
		for j := range piece {
			piece[j] = byte(len(want) + j*31)
		}
		if got, err := f.Write(piece); err != nil || got != n {
			t.Fatalf("Write(%d bytes) = %d, %v", n, got, err)
		}
		want = append(want, piece...)
	}
	if f.flushed == 0 || f.written-f.flushed >= writebackChunk || f.written != int64(len(want)) {
		t.Errorf("after %d bytes: written %d, write-back started for %d", len(want), f.written, f.flushed)
	}
	if err := Commit(f); err != nil {
		t.Fatal(err)
	}
	if got := read(t, path); got != string(want) {
		t.Fatalf("committed file differs from what was written (%d vs %d bytes)", len(got), len(want))
	}
}
