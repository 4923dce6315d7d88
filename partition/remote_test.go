package partition

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"gocloud.dev/blob/memblob"

	"github.com/shoal-io/shoal/internal/blobfs"
)

// uploadDir copies every file under dir into a fresh in-memory bucket
// served as mem://name, and returns the bucket's URL.
func uploadDir(t testing.TB, name, dir string) string {
	t.Helper()
	b := memblob.OpenBucket(nil)
	t.Cleanup(func() { blobfs.Use("mem://"+name, nil); b.Close() })
	blobfs.Use("mem://"+name, b)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		return b.WriteAll(context.Background(), filepath.ToSlash(rel), data, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	return "mem://" + name
}

// The same lake read from a bucket gives the same files, partitions,
// shards and rows as read from disk; where prunes prefixes before they
// are listed; hidden and _-prefixed objects are skipped.
func TestRemoteLakeMatchesLocal(t *testing.T) {
	lake := makeLake(t)
	root := uploadDir(t, "lake", lake)
	for _, c := range []struct {
		local, remote string
		where         Where
	}{
		{lake, root + "/", Where{"year": {"2025", "2026"}}},
		{lake, root, Where{"year": {"2026"}, "region": {"us"}}},
		{filepath.Join(lake, "year=2026", "*", "part-*.parquet"), root + "/year=2026/*/part-*.parquet", nil},
		{filepath.Join(lake, "year=2026", "region=us", "part-1.parquet"), root + "/year=2026/region=us/part-1.parquet", nil},
	} {
		opts := Options{Columns: []string{"x", "y", "year"}, Where: c.where, ShardRows: 2}
		if c.where == nil {
			opts.Columns = []string{"x", "y"}
		}
		want := mustScan(t, []string{c.local}, opts)
		got := mustScan(t, []string{c.remote}, opts)
		if len(got.Files) != len(want.Files) || got.Rows != want.Rows || !slices.Equal(got.Partitions, want.Partitions) || len(got.Shards) != len(want.Shards) {
			t.Fatalf("%s: files %v rows %d partitions %v shards %d; local files %v rows %d partitions %v shards %d",
				c.remote, got.Files, got.Rows, got.Partitions, len(got.Shards), want.Files, want.Rows, want.Partitions, len(want.Shards))
		}
		for i, f := range got.Files {
			if !strings.HasPrefix(f, "mem://lake/") || strings.TrimPrefix(f, "mem://lake/") != filepath.ToSlash(strings.TrimPrefix(want.Files[i], lake+"/")) {
				t.Errorf("%s: file %d is %s, local %s", c.remote, i, f, want.Files[i])
			}
		}
		gb, wb := readEvery(t, got, NullsError), readEvery(t, want, NullsError)
		if !slices.Equal(gb.Data, wb.Data) || !slices.Equal(gb.Index, wb.Index) {
			t.Errorf("%s: rows differ from the local read", c.remote)
		}
	}
	// The broken partition fails the read unless where leaves it out, as
	// on disk.
	_, err := Scan([]string{root}, Options{})
	wantErr(t, err, ErrCorrupt, "year=2024")
	_, err = Scan([]string{root + "/nothing/"}, Options{})
	wantErr(t, err, ErrNotFound, "mem://lake/nothing/")
	_, err = Scan([]string{root + "/year=2030/*.parquet"}, Options{})
	wantErr(t, err, ErrNoMatch)
}

// Every format reads the same from a bucket as from disk.
func TestRemoteFormats(t *testing.T) {
	dir := t.TempDir()
	const n = 5000
	data := make([]float32, 0, 3*n)
	for i := range n {
		data = append(data, float32(i), float32(i%7), float32(i)/3)
	}
	names := []string{"a", "b", "c"}
	files := []string{"t.parquet", "t.arrow", "t.arrows", "t.csv"}
	for _, f := range files {
		if err := WriteTable(filepath.Join(dir, f), names, data, n, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	root := uploadDir(t, "formats", dir)
	for _, f := range files {
		opts := Options{ShardRows: 700}
		want := mustScan(t, []string{filepath.Join(dir, f)}, opts)
		got := mustScan(t, []string{root + "/" + f}, opts)
		gb, wb := readEvery(t, got, NullsError), readEvery(t, want, NullsError)
		if got.Rows != n || !slices.Equal(gb.Data, wb.Data) || !slices.Equal(gb.Index, wb.Index) {
			t.Errorf("%s: %d rows, equal %v", f, got.Rows, slices.Equal(gb.Data, wb.Data))
		}
	}
}

// A shard of a large object is read with ranged requests: reading one of
// many shards fetches a small part of the object.
func TestRemoteShardReadsItsOwnBytes(t *testing.T) {
	dir := t.TempDir()
	const n, d = 1 << 17, 8
	data := make([]float32, n*d)
	for i := range data {
		data[i] = float32(i%9973) * 0.5
	}
	names := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	for _, f := range []string{"big.parquet", "big.arrow", "big.arrows", "big.csv"} {
		writeBatched(t, filepath.Join(dir, f), names, data, n, 1<<13)
	}
	root := uploadDir(t, "big", dir)
	for _, f := range []string{"big.parquet", "big.arrow", "big.arrows", "big.csv"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		ds := mustScan(t, []string{root + "/" + f}, Options{ShardRows: 1 << 13})
		if len(ds.Shards) < 8 {
			t.Fatalf("%s: %d shards, want many", f, len(ds.Shards))
		}
		s := ds.Shards[len(ds.Shards)/2]
		before := blobfs.BytesRead()
		b, err := ReadShard(s, ds.Columns, "", NullsError)
		if err != nil {
			t.Fatal(err)
		}
		read := blobfs.BytesRead() - before
		if b.Len() != int(s.Rows) || read <= 0 || read > st.Size()/4 {
			t.Errorf("%s: shard of %d rows read %d bytes of a %d-byte object; want under a quarter", f, b.Len(), read, st.Size())
		}
	}
}

// writeBatched writes float32 columns (data row-major) in record batches
// (row groups) of batch rows.
func writeBatched(t testing.TB, path string, names []string, data []float32, n, batch int) {
	t.Helper()
	fields := make([]arrow.Field, len(names))
	for j, name := range names {
		fields[j] = arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Float32}
	}
	schema := arrow.NewSchema(fields, nil)
	d := len(names)
	var recs []arrow.RecordBatch
	for start := 0; start < n; start += batch {
		rows := min(batch, n-start)
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		for j := range d {
			fb := b.Field(j).(*array.Float32Builder)
			for i := range rows {
				fb.Append(data[(start+i)*d+j])
			}
		}
		recs = append(recs, b.NewRecordBatch())
		b.Release()
	}
	writeRecords(t, path, schema, recs...)
	for _, r := range recs {
		r.Release()
	}
}

// An object replaced between Scan and ReadShard, by another valid table
// of the same size, a shorter or a longer object, is refused with
// ErrCorrupt naming it: a plan of one version never reads rows of
// another.
func TestRemoteObjectReplacedAfterScan(t *testing.T) {
	dir := t.TempDir()
	const n = 3000
	table := func(shift float32) []float32 {
		data := make([]float32, 0, 2*n)
		for i := range n {
			data = append(data, float32(i)+shift, float32(i%7))
		}
		return data
	}
	files := []string{"t.parquet", "t.arrow", "t.arrows", "t.csv"}
	for _, f := range files {
		if err := WriteTable(filepath.Join(dir, f), []string{"a", "b"}, table(0), n, nil, nil); err != nil {
			t.Fatal(err)
		}
		if err := WriteTable(filepath.Join(dir, "other-"+f), []string{"a", "b"}, table(0.5), n, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	blobfs.Use("mem://replaced", b)
	t.Cleanup(func() { blobfs.Use("mem://replaced", nil); b.Close() })
	for _, f := range files {
		orig, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		other, err := os.ReadFile(filepath.Join(dir, "other-"+f))
		if err != nil {
			t.Fatal(err)
		}
		if len(other) != len(orig) && f != "t.csv" {
			t.Fatalf("%s: the other table has %d bytes, not %d", f, len(other), len(orig))
		}
		for _, c := range []struct {
			name string
			data []byte
		}{
			{"another table", other},
			{"shorter", orig[:len(orig)/2]},
			{"longer", append(slices.Clone(orig), orig...)},
		} {
			if err := b.WriteAll(ctx, f, orig, nil); err != nil {
				t.Fatal(err)
			}
			ds := mustScan(t, []string{"mem://replaced/" + f}, Options{ShardRows: 700})
			if len(ds.Shards) == 0 {
				t.Fatalf("%s: %d shards", f, len(ds.Shards))
			}
			// Unchanged, every shard reads.
			readEvery(t, ds, NullsError)
			if err := b.WriteAll(ctx, f, c.data, nil); err != nil {
				t.Fatal(err)
			}
			for _, s := range ds.Shards {
				blk, err := ReadShard(s, ds.Columns, ds.Weight, NullsError)
				if err == nil {
					t.Fatalf("%s replaced by %s: shard %d read %d rows", f, c.name, s.ID, blk.Len())
				}
				wantErr(t, err, ErrCorrupt, "mem://replaced/"+f, "replaced")
				if s.Rows > 0 {
					_, err = ReadKept(s, []KeepColumn{{Name: "b"}}, []int64{s.RowOffset}, memory.DefaultAllocator)
					wantErr(t, err, ErrCorrupt, "mem://replaced/"+f, "replaced")
				}
			}
		}
	}
}

// Listing edge cases of real buckets: zero-byte "directory markers" at
// every level (as S3 consoles make them) change nothing, "_" and "."
// names are skipped at every level, where prunes nested key=value
// prefixes, a key that is an object and a prefix at once is the object
// without a "/" and the prefix with one, and a key with an empty segment
// fails the scan rather than drop its rows unseen.
func TestRemoteListingEdges(t *testing.T) {
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	blobfs.Use("mem://edges", b)
	t.Cleanup(func() { blobfs.Use("mem://edges", nil); b.Close() })
	put := func(keys ...string) {
		t.Helper()
		for _, k := range keys {
			var data []byte
			if !strings.HasSuffix(k, "/") {
				data = []byte("a,b\n1,2\n3,4\n")
			}
			if err := b.WriteAll(ctx, k, data, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	put("lake/", "lake/y=1/", "lake/y=1/r=a/", "lake/y=1/r=a/p.csv", "lake/y=1/r=b/p.csv",
		"lake/y=2/r=a/p.csv", "lake/y=2/r=a/_tmp/p.csv", "lake/y=2/.r=c/p.csv", "lake/_y=3/r=a/p.csv",
		"lake/y=2/r=a/.p.csv", "lake/_SUCCESS", "empty/", "empty/sub/",
		"both", "both/p.csv")
	for _, c := range []struct {
		in    string
		where Where
		files []string
	}{
		{"mem://edges/lake", nil, []string{"lake/y=1/r=a/p.csv", "lake/y=1/r=b/p.csv", "lake/y=2/r=a/p.csv"}},
		{"mem://edges/lake/", Where{"r": {"a"}}, []string{"lake/y=1/r=a/p.csv", "lake/y=2/r=a/p.csv"}},
		{"mem://edges/lake/*/r=a/", nil, []string{"lake/y=1/r=a/p.csv", "lake/y=2/r=a/p.csv"}},
		{"mem://edges/lake/y=*/*/*.csv", Where{"y": {"2"}}, []string{"lake/y=2/r=a/p.csv"}},
		{"mem://edges/both/", nil, []string{"both/p.csv"}},
	} {
		opts := Options{Where: c.where, Columns: []string{"a"}}
		ds := mustScan(t, []string{c.in}, opts)
		var got []string
		for _, f := range ds.Files {
			got = append(got, strings.TrimPrefix(f, "mem://edges/"))
		}
		if !slices.Equal(got, c.files) || ds.Rows != int64(2*len(c.files)) {
			t.Errorf("%s where %v: files %v rows %d, want %v", c.in, c.where, got, ds.Rows, c.files)
		}
	}
	_, err := Scan([]string{"mem://edges/empty/"}, Options{})
	wantErr(t, err, ErrEmptyDataset, "mem://edges/empty/")
	_, err = Scan([]string{"mem://edges/both"}, Options{})
	wantErr(t, err, ErrUnknownFormat, "mem://edges/both")

	put("lake/y=2//q.csv")
	for _, in := range []string{"mem://edges/lake/", "mem://edges/lake/y=*/"} {
		_, err = Scan([]string{in}, Options{})
		wantErr(t, err, ErrCorrupt, "empty segment", "y=2/")
	}
	// Where leaves the prefix holding the odd key out, so it is never
	// listed.
	mustScan(t, []string{"mem://edges/lake/"}, Options{Where: Where{"y": {"1"}}, Columns: []string{"a"}})
}

// A worker that reads a second shard of an object it has read before
// finds the footer under the object's URL and entity tag: it reads only
// the column chunks, not the footer again.
func TestRemoteFooterCachedByTag(t *testing.T) {
	dir := t.TempDir()
	const n, d = 1 << 15, 4
	data := make([]float32, n*d)
	for i := range data {
		data[i] = float32(i % 101)
	}
	writeBatched(t, filepath.Join(dir, "f.parquet"), []string{"a", "b", "c", "e"}, data, n, 1<<12)
	root := uploadDir(t, "footer", dir)
	ds := mustScan(t, []string{root + "/f.parquet"}, Options{ShardRows: 1 << 12})
	if len(ds.Shards) < 4 {
		t.Fatalf("%d shards", len(ds.Shards))
	}
	read := func(s Shard) int64 {
		before := blobfs.BytesRead()
		if _, err := ReadShard(s, ds.Columns, "", NullsError); err != nil {
			t.Fatal(err)
		}
		return blobfs.BytesRead() - before
	}
	pf, err := file.OpenParquetFile(filepath.Join(dir, "f.parquet"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	read(ds.Shards[0]) // the footer is cached by now, if not by the scan
	for _, s := range ds.Shards[1:3] {
		if s.Last != s.First+1 {
			t.Fatalf("shard %d holds row groups [%d,%d), want one", s.ID, s.First, s.Last)
		}
		var chunks int64
		rg := pf.MetaData().RowGroup(int(s.First))
		for c := range rg.NumColumns() {
			cc, err := rg.ColumnChunk(c)
			if err != nil {
				t.Fatal(err)
			}
			chunks += cc.TotalCompressedSize()
		}
		if got := read(s); got != chunks {
			t.Errorf("shard %d read %d bytes; its column chunks are %d (the footer is %d more)", s.ID, got, chunks, pf.MetaData().Size())
		}
	}
}
