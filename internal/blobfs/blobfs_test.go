package blobfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"testing"

	"gocloud.dev/blob/memblob"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string // canonical form, "" when refused
	}{
		{"s3://lake/data/", "s3://lake/data/"},
		{"S3://lake/a/b.parquet", "s3://lake/a/b.parquet"},
		{"s3://lake", "s3://lake/"},
		{"s3://lake/a//b", ""},
		{"s3://lake/a/../b", ""},
		{"s3://lake/./b", ""},
		{"s3://lake/a?endpoint=http://x", ""},
		{"s3://lake/a#frag", ""},
		{"s3://user:pw@lake/a", ""},
		{"s3:///a", ""},
		{"ftp://lake/a", ""},
	} {
		loc, err := Parse(c.in)
		switch {
		case c.want == "" && err == nil:
			t.Errorf("Parse(%q) = %v, want an error", c.in, loc)
		case c.want == "" && !errors.Is(err, ErrBadURL):
			t.Errorf("Parse(%q): %v, want ErrBadURL", c.in, err)
		case c.want != "" && (err != nil || loc.String() != c.want):
			t.Errorf("Parse(%q) = %v, %v; want %s", c.in, loc, err, c.want)
		}
	}
	for _, c := range []struct{ in, dir, base, join string }{
		{"s3://lake/a/b.parquet", "s3://lake/a/", "b.parquet", "s3://lake/a/b.parquet/x"},
		{"s3://lake/a/", "s3://lake/", "a", "s3://lake/a/x"},
		{"/data/a/b.csv", "/data/a", "b.csv", "/data/a/b.csv/x"},
	} {
		if d, b, j := Dir(c.in), Base(c.in), Join(c.in, "x"); d != c.dir || b != c.base || j != c.join {
			t.Errorf("%s: Dir %q Base %q Join %q; want %q %q %q", c.in, d, b, j, c.dir, c.base, c.join)
		}
	}
	for _, p := range []string{"/x", "x", "C:/x", "s3:/x", "3s://x"} {
		if IsURL(p) {
			t.Errorf("IsURL(%q)", p)
		}
	}
}

// TestKeyEscapes checks that a key holding '%', '?' or '#' (legal in S3
// keys, and met in listings) keeps its meaning through String, Clean,
// Join and Base: each decodes the URL once, so a canonical form that
// left them bare would be decoded again, or be no URL at all.
func TestKeyEscapes(t *testing.T) {
	for _, key := range []string{"data/100%.csv", "a?b", "a#1.csv", "x/_temporary/%2E%2E", "x/%252F", "a b"} {
		loc := Location{Scheme: "s3", Bucket: "lake", Key: key}
		again, err := Parse(loc.String())
		if err != nil || again != loc {
			t.Errorf("key %q: Parse(%s) = %+v, %v", key, loc.String(), again, err)
			continue
		}
		if c := Clean(loc.String()); c != loc.String() {
			t.Errorf("key %q: Clean(%s) = %s", key, loc.String(), c)
		}
		joined, err := Parse(Join(Join("s3://lake/", key), "part"))
		if err != nil || joined.Key != key+"/part" {
			t.Errorf("key %q: Join = %+v, %v; want key %q", key, joined, err, key+"/part")
		}
		if b := Base(loc.String()); b != path.Base(key) {
			t.Errorf("key %q: Base = %q, want %q", key, b, path.Base(key))
		}
	}
}

func TestObjectReads(t *testing.T) {
	b := memblob.OpenBucket(nil)
	defer b.Close()
	Use("mem://t", b)
	defer Use("mem://t", nil)
	ctx := context.Background()
	data := []byte("0123456789abcdef")
	if err := WriteObject(ctx, "mem://t/d/x.bin", data); err != nil {
		t.Fatal(err)
	}
	o, err := Open(ctx, "mem://t/d/x.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	before := BytesRead()
	p := make([]byte, 4)
	if n, err := o.ReadAt(p, 10); n != 4 || err != nil || string(p) != "abcd" {
		t.Errorf("ReadAt(10) = %d %v %q", n, err, p)
	}
	if n, err := o.ReadAt(p, 14); n != 2 || err != io.EOF || string(p[:2]) != "ef" {
		t.Errorf("ReadAt(14) = %d %v %q, want 2 bytes and EOF", n, err, p[:n])
	}
	if got := BytesRead() - before; got != 6 {
		t.Errorf("counted %d bytes read, want 6", got)
	}
	if _, err := o.Seek(12, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(o)
	if err != nil || string(rest) != "cdef" {
		t.Errorf("read after Seek: %q %v", rest, err)
	}
	if info, err := Stat(ctx, "mem://t/d"); err != nil || !info.IsDir {
		t.Errorf("Stat of a prefix: %+v %v", info, err)
	}
	if _, err := Stat(ctx, "mem://t/nothing"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat of nothing: %v, want fs.ErrNotExist", err)
	}
	ents, err := List(ctx, "mem://t/")
	if err != nil || len(ents) != 1 || ents[0].Name != "d" || !ents[0].IsDir {
		t.Errorf("List: %+v %v", ents, err)
	}
	if err := RemoveAll(ctx, "mem://t"); err == nil {
		t.Error("RemoveAll of a whole bucket was not refused")
	}
}

// PutAll replaces a set of objects, and Undo puts the earlier ones back
// and removes the new.
func TestPutAllUndo(t *testing.T) {
	b := memblob.OpenBucket(nil)
	defer b.Close()
	Use("mem://p", b)
	defer Use("mem://p", nil)
	ctx := context.Background()
	if err := WriteObject(ctx, "mem://p/labels.parquet", []byte("old labels")); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	l, m := dir+"/l", dir+"/m"
	if err := WriteFile(ctx, l, []byte("new labels")); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(ctx, m, []byte("new model")); err != nil {
		t.Fatal(err)
	}
	puts, err := PutAll(ctx, []Put{{l, "mem://p/labels.parquet"}, {m, "mem://p/model.json"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := ReadFile(ctx, "mem://p/labels.parquet"); string(got) != "new labels" {
		t.Errorf("after PutAll: %q", got)
	}
	if err := puts.Undo(); err != nil {
		t.Fatal(err)
	}
	if got, _ := ReadFile(ctx, "mem://p/labels.parquet"); string(got) != "old labels" {
		t.Errorf("after Undo: labels %q, want the old", got)
	}
	if _, err := Stat(ctx, "mem://p/model.json"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after Undo the new model is still there: %v", err)
	}
	// A failed upload restores what was replaced before it.
	_, err = PutAll(ctx, []Put{{l, "mem://p/labels.parquet"}, {dir + "/missing", "mem://p/model.json"}})
	if err == nil {
		t.Fatal("PutAll of a missing file succeeded")
	}
	if got, _ := ReadFile(ctx, "mem://p/labels.parquet"); string(got) != "old labels" {
		t.Errorf("after a failed PutAll: labels %q, want the old", got)
	}
	ents, _ := List(ctx, "mem://p/")
	if len(ents) != 1 {
		t.Errorf("objects left: %+v, want only labels.parquet", ents)
	}
}

func TestTidy(t *testing.T) {
	in := `blob (key "data/x") (code=Unknown): operation error S3: HeadObject, https response error StatusCode: 403, RequestID: ABC, HostID: xyz=, api error Forbidden`
	if got, want := tidy(in), "operation error S3: HeadObject, https response error StatusCode: 403, api error Forbidden"; got != want {
		t.Errorf("tidy: %q, want %q", got, want)
	}
}

// Probe writes nothing that stays, locally or in a bucket, and fails where
// nothing can be written.
func TestProbe(t *testing.T) {
	b := memblob.OpenBucket(nil)
	defer b.Close()
	Use("mem://probe", b)
	defer Use("mem://probe", nil)
	ctx := context.Background()
	if err := Probe(ctx, "mem://probe/out/model.json"); err != nil {
		t.Fatal(err)
	}
	if ents, err := List(ctx, "mem://probe/out/"); err != nil || len(ents) != 0 {
		t.Errorf("probe left %+v (%v)", ents, err)
	}
	dir := t.TempDir()
	if err := Probe(ctx, dir+"/model.json"); err != nil {
		t.Fatal(err)
	}
	if err := Probe(ctx, dir+"/missing/model.json"); err == nil {
		t.Error("a probe into a missing directory succeeded")
	}
	if err := Probe(ctx, "mem://probe/a//b"); !errors.Is(err, ErrBadURL) {
		t.Errorf("probe of a bad URL: %v", err)
	}
}

// List pages through listings longer than one page (1,000 keys on S3)
// and returns every name once, sorted, with prefixes as directories.
func TestListPages(t *testing.T) {
	b := memblob.OpenBucket(nil)
	defer b.Close()
	Use("mem://pages", b)
	defer Use("mem://pages", nil)
	ctx := context.Background()
	const n = 2500
	var want []string
	for i := range n {
		name := fmt.Sprintf("f%05d.csv", i)
		key := "d/" + name
		if i%10 == 0 {
			name = fmt.Sprintf("p%05d", i)
			key = "d/" + name + "/x.csv"
		}
		want = append(want, name)
		if err := b.WriteAll(ctx, key, []byte("x"), nil); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(want)
	ents, err := List(ctx, "mem://pages/d")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		if e.IsDir != strings.HasPrefix(e.Name, "p") {
			t.Errorf("%s: IsDir %v", e.Name, e.IsDir)
		}
		got = append(got, e.Name)
	}
	if !slices.Equal(got, want) {
		t.Errorf("listed %d names, want %d", len(got), len(want))
	}
}

func TestSetS3Endpoint(t *testing.T) {
	defer SetS3Endpoint("")
	for _, bad := range []string{"ftp://127.0.0.1:9000", "127.0.0.1:9000", "http://", "http://[::1", "s3://lake"} {
		if err := SetS3Endpoint(bad); !errors.Is(err, ErrBadURL) {
			t.Errorf("SetS3Endpoint(%q) = %v, want ErrBadURL", bad, err)
		}
	}
	for _, good := range []string{"http://127.0.0.1:9000", "https://s3.example.test", ""} {
		if err := SetS3Endpoint(good); err != nil {
			t.Errorf("SetS3Endpoint(%q): %v", good, err)
		}
	}
}
