package pathguard

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// tree makes a directory with an input file, an input directory holding a
// file, a link to the input file, a hard link to it and a link to the
// input directory, and returns its root.
func tree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(root, "in", "parts"), 0o755))
	must(os.MkdirAll(filepath.Join(root, "out"), 0o755))
	must(os.MkdirAll(filepath.Join(root, "data"), 0o755))
	must(os.WriteFile(filepath.Join(root, "in", "a.csv"), []byte("x\n1\n"), 0o644))
	must(os.WriteFile(filepath.Join(root, "in", "parts", "p0.csv"), []byte("x\n1\n"), 0o644))
	must(os.WriteFile(filepath.Join(root, "data", "shoal.db"), []byte("db"), 0o644))
	must(os.Symlink(filepath.Join(root, "in", "a.csv"), filepath.Join(root, "out", "link.csv")))
	must(os.Link(filepath.Join(root, "in", "a.csv"), filepath.Join(root, "out", "hard.csv")))
	must(os.Symlink(filepath.Join(root, "in", "parts"), filepath.Join(root, "out", "partslink")))
	must(os.Symlink(filepath.Join(root, "data"), filepath.Join(root, "out", "datalink")))
	must(syscall.Mkfifo(filepath.Join(root, "out", "fifo"), 0o644))
	return root
}

func TestCheck(t *testing.T) {
	root := tree(t)
	p := func(rel string) string { return filepath.Join(root, rel) }
	roots, err := NewRoots([]string{p("in")}, []string{p("out")}, []string{p("data")})
	if err != nil {
		t.Fatal(err)
	}
	service := Options{Roots: roots, Absolute: true, Protected: []string{p("data")}}
	in := func(paths ...string) []File {
		var fs []File
		for _, x := range paths {
			fs = append(fs, File{"--input", x})
		}
		return fs
	}
	tests := []struct {
		name    string
		job     Job
		opts    Options
		wantErr error
		want    []string // substrings of the message
	}{
		{"distinct files", Job{in(p("in/a.csv")), []File{{"--out", p("out/labels.csv")}, {"--model", p("out/model.json")}}}, Options{}, nil, nil},
		{"out is the input", Job{in(p("in/a.csv")), []File{{"--out", p("in/a.csv")}}}, Options{}, ErrConflict, []string{"--out", "is the input"}},
		{"out through dot-dot", Job{in(p("in/a.csv")), []File{{"--out", p("out/../in/a.csv")}}}, Options{}, ErrConflict, []string{"is the input"}},
		{"out is a link to the input", Job{in(p("in/a.csv")), []File{{"--out", p("out/link.csv")}}}, Options{}, ErrConflict, []string{"is the input"}},
		{"out is a hard link to the input", Job{in(p("in/a.csv")), []File{{"--out", p("out/hard.csv")}}}, Options{}, ErrConflict, []string{"same file"}},
		{"input is a link to the out", Job{in(p("out/link.csv")), []File{{"--out", p("in/a.csv")}}}, Options{}, ErrConflict, []string{"is the input"}},
		{"model inside input dir", Job{in(p("in/parts")), []File{{"--model", p("in/parts/model.json")}}}, Options{}, ErrConflict, []string{"inside the input directory"}},
		{"model inside input dir through a link", Job{in(p("in/parts")), []File{{"--model", p("out/partslink/new.json")}}}, Options{}, ErrConflict, []string{"inside the input directory", "--model"}},
		{"outputs alias", Job{in(p("in/a.csv")), []File{{"--out", p("out/x.csv")}, {"--model", p("out/../out/x.csv")}}}, Options{}, ErrConflict, []string{"--out and --model"}},
		{"profile is the model", Job{in(p("in/a.csv")), []File{{"--model", p("out/m.json")}, {"--cpu-profile", p("out/m.json")}}}, Options{}, ErrConflict, []string{"--cpu-profile"}},
		{"output is a pipe", Job{in(p("in/a.csv")), []File{{"--model", p("out/fifo")}}}, Options{}, ErrBadPath, []string{"not a regular file"}},
		{"output is a device", Job{in(p("in/a.csv")), []File{{"--model", "/dev/null"}}}, Options{}, ErrBadPath, []string{"not a regular file"}},
		{"output is a directory", Job{in(p("in/a.csv")), []File{{"--out", p("out")}}}, Options{}, ErrBadPath, []string{"is a directory"}},
		{"dataset out is an existing directory", Job{in(p("in/a.csv")), []File{{"--out", p("out") + "/"}, {"--model", p("model.json")}}}, Options{}, nil, nil},
		{"dataset out holds the input", Job{in(p("out/hard.csv")), []File{{"--out", p("out") + "/"}}}, Options{}, ErrConflict, []string{"inside the output directory", "--out"}},
		{"dataset out holds an input directory", Job{in(p("in/parts")), []File{{"--out", p("in") + "/"}}}, Options{}, ErrConflict, []string{"inside the output directory"}},
		{"dataset out inside the input directory", Job{in(p("in/parts")), []File{{"--out", p("in/parts/labels") + "/"}}}, Options{}, ErrConflict, []string{"inside the input directory"}},
		{"model inside the dataset out", Job{in(p("in/a.csv")), []File{{"--out", p("out/labels") + "/"}, {"--model", p("out/labels/model.json")}}}, Options{}, ErrConflict, []string{"--model", "inside the output directory"}},
		{"model inside the dataset out, listed first", Job{in(p("in/a.csv")), []File{{"--model", p("out/labels/model.json")}, {"--out", p("out/labels") + "/"}}}, Options{}, ErrConflict, []string{"--model", "inside the output directory"}},
		{"output in protected dir", Job{in(p("in/a.csv")), []File{{"--model", p("data/shoal.db")}}}, Options{Protected: []string{p("data")}}, ErrDenied, []string{"data directory"}},

		{"service: allowed", Job{in(p("in/a.csv"), p("in/parts")), []File{{"out", p("out/l.parquet")}}}, service, nil, nil},
		{"service: relative input", Job{in("in/a.csv"), nil}, service, ErrDenied, []string{"relative"}},
		{"service: relative output", Job{in(p("in/a.csv")), []File{{"model", "m.json"}}}, service, ErrDenied, []string{"relative"}},
		{"service: read outside roots", Job{in("/etc/passwd"), nil}, service, ErrDenied, []string{"/etc/passwd", "--allow-read"}},
		{"service: read the data dir", Job{in(p("data/shoal.db")), nil}, service, ErrDenied, []string{"never read"}},
		{"service: read data dir through a link", Job{in(p("out/datalink/shoal.db")), nil}, service, ErrDenied, []string{"resolved to", "never read"}},
		{"service: write outside roots", Job{in(p("in/a.csv")), []File{{"model", "/tmp/evil.json"}}}, service, ErrDenied, []string{"--allow-write"}},
		{"service: write the data dir", Job{in(p("in/a.csv")), []File{{"model", p("data/shoal.db")}}}, service, ErrDenied, []string{"never write"}},
		{"service: write the data dir through a link", Job{in(p("in/a.csv")), []File{{"model", p("out/datalink/shoal.db")}}}, service, ErrDenied, []string{"never write"}},
		{"service: dot-dot out of a root", Job{in(p("in/../data/shoal.db")), nil}, service, ErrDenied, []string{"never read"}},
		{"service: write into a read root", Job{in(p("in/a.csv")), []File{{"out", p("in/new.csv")}}}, service, ErrDenied, []string{"--allow-write"}},
		{"no roots refuse everything", Job{in(p("in/a.csv")), nil}, Options{Roots: &Roots{}}, ErrDenied, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Check(tc.job, tc.opts)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Check: %v, want %v", err, tc.wantErr)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestResolveMissingTail(t *testing.T) {
	root := tree(t)
	got, err := Resolve(filepath.Join(root, "out", "partslink", "x", "y.json"))
	if err != nil {
		t.Fatal(err)
	}
	real, _ := filepath.EvalSymlinks(filepath.Join(root, "in", "parts"))
	if want := filepath.Join(real, "x", "y.json"); got != want {
		t.Fatalf("Resolve = %s, want %s", got, want)
	}
}

func TestWithin(t *testing.T) {
	for _, tc := range []struct {
		path, root string
		want       bool
	}{
		{"/a/b", "/a", true},
		{"/a", "/a", true},
		{"/ab", "/a", false},
		{"/a/../b", "/a", false},
		{"/..a/x", "/", true},
		{"/a/..b", "/a", true},
	} {
		if got := within(filepath.Clean(tc.path), tc.root); got != tc.want {
			t.Errorf("within(%s, %s) = %v, want %v", tc.path, tc.root, got, tc.want)
		}
	}
}

// Object URLs are checked as paths of their own kind: canonical, never
// relative, confined by URL roots, and an output inside an input prefix
// is refused as inside an input directory.
func TestCheckObjectURLs(t *testing.T) {
	roots, err := NewRoots([]string{"s3://lake/raw/"}, []string{"s3://lake/out"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	service := Options{Roots: roots, Absolute: true}
	in := func(p string) []File { return []File{{"--input", p}} }
	out := func(ps ...string) []File {
		var fs []File
		for _, p := range ps {
			fs = append(fs, File{"--out", p})
		}
		return fs
	}
	tests := []struct {
		name    string
		job     Job
		opts    Options
		wantErr error
		want    string
	}{
		{"allowed", Job{in("s3://lake/raw/2026/"), out("s3://lake/out/labels/")}, service, nil, ""},
		{"local user run", Job{in("s3://lake/raw/x.parquet"), out("/tmp/labels.parquet")}, Options{}, nil, ""},
		{"input outside roots", Job{in("s3://lake/rawer/x.parquet"), out("s3://lake/out/l.parquet")}, service, ErrDenied, "not below any"},
		{"other bucket", Job{in("s3://other/raw/x.parquet"), out("s3://lake/out/l.parquet")}, service, ErrDenied, "not below any"},
		{"write into read root", Job{in("s3://lake/raw/x.parquet"), out("s3://lake/raw/l.parquet")}, service, ErrDenied, "--allow-write"},
		{"output is input", Job{in("s3://lake/out/x.parquet"), out("s3://lake/out/x.parquet")}, Options{}, ErrConflict, "is the input"},
		{"output inside input prefix", Job{in("s3://lake/out/data"), out("s3://lake/out/data/labels/")}, Options{}, ErrConflict, "inside the input"},
		{"input inside output dataset", Job{in("s3://lake/out/l/p.parquet"), out("s3://lake/out/l/")}, Options{}, ErrConflict, "inside the output directory"},
		{"dot segments", Job{in("s3://lake/raw/../out/x.parquet"), out("s3://lake/out/l.parquet")}, service, ErrBadPath, ".."},
		{"query", Job{in("s3://lake/raw/x.parquet?endpoint=http://evil"), nil}, service, ErrBadPath, "query"},
		{"unknown scheme", Job{in("ftp://lake/raw/x.parquet"), nil}, Options{}, ErrBadPath, "scheme"},
		{"bucket sharing a root's prefix", Job{in("s3://lake/raw/x.parquet"), out("s3://lakeside/out/l.parquet")}, service, ErrDenied, "--allow-write"},
		{"prefix sharing a root's prefix", Job{in("s3://lake/raw/x.parquet"), out("s3://lake/outside/l.parquet")}, service, ErrDenied, "--allow-write"},
		{"output is input but for a slash", Job{in("s3://lake/out/x/"), out("s3://lake/out/x")}, Options{}, ErrConflict, "is the input"},
		{"output is input but for scheme case", Job{in("S3://lake/out/x.parquet"), out("s3://lake/out/x.parquet")}, Options{}, ErrConflict, "is the input"},
		{"encoded dot-dot", Job{in("s3://lake/raw/x.parquet"), out("s3://lake/out%2F..%2Fraw/l.parquet")}, service, ErrBadPath, ".."},
		{"encoded twice", Job{in("s3://lake/raw/x.parquet"), out("s3://lake/out%252F..%252Fraw/l.parquet")}, service, ErrDenied, "--allow-write"},
		{"local path in an object root", Job{in("/lake/raw/x.parquet"), nil}, service, ErrDenied, "not below any"},
		{"local path spelled like a URL", Job{in("s3:/lake/raw/x.parquet"), nil}, service, ErrDenied, "relative"},
	}
	// A local root, even "/", allows no object, and an object root no
	// local path.
	local, err := NewRoots([]string{"/"}, []string{"/"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests = append(tests, struct {
		name    string
		job     Job
		opts    Options
		wantErr error
		want    string
	}{"object under a local root", Job{in("s3://lake/raw/x.parquet"), out("/tmp/l.parquet")}, Options{Roots: local, Absolute: true}, ErrDenied, "not below any"})
	for _, tc := range tests {
		err := Check(tc.job, tc.opts)
		if tc.wantErr == nil {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %v mentioning %q", tc.name, err, tc.wantErr, tc.want)
		}
	}
}
