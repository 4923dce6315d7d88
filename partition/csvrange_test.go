package partition

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// resolveCSVLocally does what the coordinator's workers do for a dataset
// planned with CSVRanges: count each range, locate the shard ends, and
// resolve the plan.
func resolveCSVLocally(ds *Dataset) error {
	counts := map[int]int64{}
	for _, s := range ds.Shards {
		if s.Rows >= 0 {
			continue
		}
		n, err := CountCSV(s)
		if err != nil {
			return err
		}
		counts[s.ID] = n
	}
	locs, err := ds.CSVLocates(counts)
	if err != nil {
		return err
	}
	offsets := map[int][]int64{}
	for _, l := range locs {
		if offsets[l.Shard], err = LocateCSV(ds.Shards[l.Shard], l.Records); err != nil {
			return err
		}
	}
	return ds.ResolveCSV(counts, offsets)
}

// rangeCSV writes a CSV file of n records with the given line end,
// sprinkled with empty lines and quoted fields holding commas, with or
// without a newline after the last record.
func rangeCSV(rng *rand.Rand, n int, eol string, finalEOL bool) []byte {
	var b bytes.Buffer
	b.WriteString("a,b,name" + eol)
	for i := range n {
		if rng.IntN(20) == 0 {
			b.WriteString(eol) // an empty line, which encoding/csv skips
		}
		fmt.Fprintf(&b, "%d,%g,", i, rng.NormFloat64()*float64(rng.IntN(1000)))
		if rng.IntN(3) == 0 {
			fmt.Fprintf(&b, "\"x, %s \"\"y\"\"\"", strings.Repeat("z", rng.IntN(30)))
		} else {
			b.WriteString(strings.Repeat("w", rng.IntN(12)))
		}
		if i < n-1 || finalEOL {
			b.WriteString(eol)
		}
	}
	if finalEOL && rng.IntN(4) == 0 {
		b.WriteString(eol + eol) // trailing empty lines
	}
	return b.Bytes()
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// recordEnds lists the end of every record of data after its header, as
// the counting pass finds them.
func recordEnds(t *testing.T, data []byte, headerEnd int64) []int64 {
	t.Helper()
	var ends []int64
	err := scanRecords(bytes.NewReader(data[headerEnd:]), headerEnd, 7, func(_, end int64) error {
		ends = append(ends, end)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ends
}

// TestCSVRangesReadEachRecordOnce cuts files at every range size from one
// byte up and checks the ranges' records, located by their ends, are the
// file's records, each once and in order.
func TestCSVRangesReadEachRecordOnce(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	dir := t.TempDir()
	for trial := range 12 {
		eol := []string{"\n", "\r\n"}[trial%2]
		data := rangeCSV(rng, 1+rng.IntN(40), eol, trial%4 < 2)
		path := writeFile(t, dir, fmt.Sprintf("f%d.csv", trial), data)
		headerEnd := int64(bytes.IndexByte(data, '\n') + 1)
		want := recordEnds(t, data, headerEnd)
		size := int64(len(data))
		for step := int64(1); step <= size; step += 1 + step/8 {
			var got []int64
			for first := headerEnd; first < size; first += step {
				s := Shard{File: path, Format: FormatCSV, First: first, Last: min(first+step, size)}
				n, err := CountCSV(s)
				if err != nil {
					t.Fatalf("trial %d step %d [%d,%d): %v", trial, step, s.First, s.Last, err)
				}
				idx := make([]int64, n)
				for i := range idx {
					idx[i] = int64(i)
				}
				ends, err := LocateCSV(s, idx)
				if err != nil {
					t.Fatalf("trial %d step %d [%d,%d): %v", trial, step, s.First, s.Last, err)
				}
				got = append(got, ends...)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("trial %d (eol %q) step %d: record ends\n got %v\nwant %v\nfile %q", trial, eol, step, got, want, data)
			}
		}
	}
}

// TestCSVRangesPlanLikeCounting checks that planning by byte ranges and
// resolving the counts gives exactly the plan of the counting pass, over
// random files and shard sizes, alone and among other files.
func TestCSVRangesPlanLikeCounting(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	dir := t.TempDir()
	for trial := range 30 {
		eol := []string{"\n", "\r\n"}[trial%2]
		var paths []string
		for f := range 1 + rng.IntN(3) {
			// More records than the head sample, so that ranges are used:
			// a file of exactly the sample, its last line without a
			// newline, ends within the sample and is counted whole.
			data := rangeCSV(rng, csvSniffRows+1+rng.IntN(400), eol, rng.IntN(2) == 0)
			paths = append(paths, writeFile(t, dir, fmt.Sprintf("t%d-%d.csv", trial, f), data))
		}
		shardRows := []int{1, 3, 7, 64, 100, 1000}[rng.IntN(6)]
		opts := Options{ShardRows: shardRows}
		want, err := Scan(paths, opts)
		if err != nil {
			t.Fatal(err)
		}
		opts.CSVRanges = true
		got, err := Scan(paths, opts)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Uncounted() {
			t.Fatalf("trial %d: byte-range plan has no uncounted shard", trial)
		}
		for _, s := range got.Shards {
			if s.Rows >= 0 {
				t.Fatalf("trial %d: shard %+v counted by the coordinator", trial, s)
			}
		}
		if err := resolveCSVLocally(got); err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("trial %d (shard rows %d, eol %q): resolved plan\n got %+v\nwant %+v", trial, shardRows, eol, got.Shards, want.Shards)
		}
	}
}

// TestCSVRangesLayouts covers the layouts that decide where a record
// starts: a byte order mark without a header, a quoted newline in the
// head (the file is counted whole), and one past it (refused).
func TestCSVRangesLayouts(t *testing.T) {
	dir := t.TempDir()
	rows := func(from, n int, eol string) string {
		var b strings.Builder
		for i := from; i < from+n; i++ {
			fmt.Fprintf(&b, "%d,\"q,%d\"%s", i, i, eol)
		}
		return b.String()
	}
	t.Run("bom without header", func(t *testing.T) {
		path := writeFile(t, dir, "bom.csv", []byte("\xef\xbb\xbf"+rows(0, 300, "\n")))
		opts := Options{ShardRows: 50, CSV: CSVOptions{NoHeader: true}, Columns: []string{"c0"}}
		want, err := Scan([]string{path}, opts)
		if err != nil {
			t.Fatal(err)
		}
		opts.CSVRanges = true
		got, err := Scan([]string{path}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := resolveCSVLocally(got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) || got.Rows != 300 {
			t.Fatalf("got %d rows %+v, want %+v", got.Rows, got.Shards, want.Shards)
		}
	})
	t.Run("quoted newline in the head", func(t *testing.T) {
		data := "id,v\n" + rows(0, 10, "\r\n") + "10,\"two\nlines\"\n" + rows(11, 300, "\n")
		path := writeFile(t, dir, "head.csv", []byte(data))
		opts := Options{ShardRows: 20, Columns: []string{"id"}, CSVRanges: true}
		got, err := Scan([]string{path}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if got.Uncounted() || got.Rows != 311 {
			t.Fatalf("a file with a quoted newline in its head: uncounted %v, %d rows; want it counted, 311 rows", got.Uncounted(), got.Rows)
		}
	})
	t.Run("quoted newline past the head", func(t *testing.T) {
		data := "id,v\n" + rows(0, 200, "\n") + "200,\"two\nlines\"\n" + rows(201, 300, "\n")
		path := writeFile(t, dir, "tail.csv", []byte(data))
		opts := Options{ShardRows: 20, Columns: []string{"id"}, CSVRanges: true}
		got, err := Scan([]string{path}, opts)
		if err != nil {
			t.Fatal(err)
		}
		err = resolveCSVLocally(got)
		if !errors.Is(err, ErrCSVMultiline) || !strings.Contains(err.Error(), path) {
			t.Fatalf("got %v, want %v naming %s", err, ErrCSVMultiline, path)
		}
		// Whatever the cut, some range refuses: none miscounts silently.
		size := int64(len(data))
		for step := int64(7); step < size; step += 13 {
			refused := false
			for first := int64(5); first < size; first += step {
				_, err := CountCSV(Shard{File: path, Format: FormatCSV, First: first, Last: min(first+step, size)})
				refused = refused || errors.Is(err, ErrCSVMultiline)
			}
			if !refused {
				t.Fatalf("step %d: no range refused the quoted newline", step)
			}
		}
	})
}

// FuzzNextLineStart checks the boundary finder against a byte-by-byte
// search.
func FuzzNextLineStart(f *testing.F) {
	f.Add([]byte("a,b\n1,2\r\n3,4"), uint16(3))
	f.Add([]byte("\n\n\n"), uint16(1))
	f.Add([]byte("no newline"), uint16(0))
	f.Add(bytes.Repeat([]byte("x"), 5000), uint16(10))
	f.Fuzz(func(t *testing.T, data []byte, at uint16) {
		base := int64(at)
		if base > int64(len(data)) {
			base = int64(len(data))
		}
		want := int64(len(data))
		for i := base; i < int64(len(data)); i++ {
			if data[i] == '\n' {
				want = i + 1
				break
			}
		}
		got, err := nextLineStart(bytes.NewReader(data[base:]), base)
		if err != nil || got != want {
			t.Fatalf("nextLineStart(%q from %d) = %d, %v; want %d", data, base, got, err, want)
		}
	})
}

// FuzzCSVRangeCount checks that any two-way cut of a file's data counts
// its records once, or refuses a quoted newline.
func FuzzCSVRangeCount(f *testing.F) {
	f.Add([]byte("a,b\n1,2\r\n\n3,\"4,5\"\n6,7"), uint16(9))
	f.Add([]byte("a,b\n1,\"x\ny\"\n3,4\n"), uint16(8))
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		nl := bytes.IndexByte(data, '\n')
		// A header on the first line, so that the data start is known.
		if nl < 0 || bytes.IndexByte(data[:nl], '"') >= 0 || len(bytes.TrimSuffix(data[:nl], []byte("\r"))) == 0 {
			return
		}
		dir := t.TempDir()
		path := writeFile(t, dir, "f.csv", data)
		headerEnd, size := int64(nl+1), int64(len(data))
		mid := headerEnd + int64(cut)%(size-headerEnd+1)
		var whole int64
		err := scanRecords(bytes.NewReader(data[headerEnd:]), headerEnd, 3, func(int64, int64) error { whole++; return nil })
		if err != nil {
			t.Fatal(err)
		}
		a, errA := CountCSV(Shard{File: path, Format: FormatCSV, First: headerEnd, Last: mid})
		b, errB := CountCSV(Shard{File: path, Format: FormatCSV, First: mid, Last: size})
		if errA != nil || errB != nil {
			if errors.Is(errA, ErrCSVMultiline) || errors.Is(errB, ErrCSVMultiline) {
				return
			}
			t.Fatalf("cut at %d: %v, %v", mid, errA, errB)
		}
		if bytes.Contains(data[headerEnd:], []byte{'"'}) {
			// Without a quoted newline, quotes do not change lines.
			var sc recordScanner
			_ = sc.scan(data[headerEnd:], func(int64, int64) error { return nil })
			if sc.sawQuotedNL {
				t.Fatalf("cut at %d: a quoted newline was not refused in %q", mid, data)
			}
		}
		if a+b != whole {
			t.Fatalf("cut at %d: %d + %d records, want %d, in %q", mid, a, b, whole, data)
		}
	})
}

// TestCSVRangeOwnsLinesStartingInIt pins the line-start rule: a range
// owns the records whose line begins in it, the last may run past its end.
func TestCSVRangeOwnsLinesStartingInIt(t *testing.T) {
	// Data from byte 2: "aa\n" at 2, "bb\r\n" at 5, "" at 9, "cc" at 10.
	path := writeFile(t, t.TempDir(), "own.csv", []byte("h\naa\nbb\r\n\ncc"))
	for _, c := range []struct {
		first, last int64
		want        []int64 // record ends
	}{
		{2, 12, []int64{5, 9, 12}},
		{2, 3, []int64{5}},
		{2, 5, []int64{5}},
		{2, 6, []int64{5, 9}},
		{5, 6, []int64{9}},
		{6, 10, nil},
		{6, 11, []int64{12}},
		{9, 10, nil},
		{10, 12, []int64{12}},
		{11, 12, nil},
	} {
		s := Shard{File: path, Format: FormatCSV, First: c.first, Last: c.last}
		var got []int64
		if err := scanCSVRange(s, func(end int64) error { got = append(got, end); return nil }); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("[%d,%d): record ends %v, want %v", c.first, c.last, got, c.want)
		}
	}
}

// BenchmarkScanCSVRanges compares the coordinator's planning of a
// 2²⁰ × 32 CSV file: the counting pass (counted), the byte-range plan
// from the head alone (ranges), and for reference the workers' count and
// locate tasks run one after the other here (workers).
func BenchmarkScanCSVRanges(b *testing.B) {
	path := benchFile(b, ".csv")
	st, _ := os.Stat(path)
	for _, c := range []struct {
		name           string
		ranges, locate bool
	}{{"counted", false, false}, {"ranges", true, false}, {"workers", true, true}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(st.Size())
			for b.Loop() {
				ds, err := Scan([]string{path}, Options{CSVRanges: c.ranges})
				if err != nil {
					b.Fatal(err)
				}
				if c.locate {
					if err := resolveCSVLocally(ds); err != nil {
						b.Fatal(err)
					}
				}
				if !c.ranges || c.locate {
					if ds.Rows != benchRows {
						b.Fatalf("%d rows", ds.Rows)
					}
				}
			}
		})
	}
}
