package partition

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// randomCSV builds CSV text with the awkward parts RFC 4180 allows and
// encoding/csv accepts: quoted fields with commas, quotes and newlines,
// CRLF line ends, empty lines, a missing final newline.
func randomCSV(r *rand.Rand, rows, cols int) string {
	var b strings.Builder
	nl := func() {
		if r.IntN(3) == 0 {
			b.WriteString("\r\n")
		} else {
			b.WriteString("\n")
		}
		for r.IntN(6) == 0 {
			b.WriteString([]string{"\n", "\r\n"}[r.IntN(2)])
		}
	}
	for i := range rows + 1 {
		for j := range cols {
			if j > 0 {
				b.WriteByte(',')
			}
			switch r.IntN(6) {
			case 0:
				b.WriteString(`"a,""b""` + "\n" + `c"`)
			case 1:
				b.WriteString(`""`)
			case 2:
				b.WriteString(`"` + "\r\n\n" + `"`)
			default:
				fmt.Fprintf(&b, "%d", r.IntN(1000))
			}
		}
		if i < rows || r.IntN(2) == 0 {
			nl()
		}
	}
	return b.String()
}

// Property: the record scanner finds exactly the records encoding/csv
// reads, and each range it reports parses as exactly that one record.
func TestRecordScannerAgreesWithEncodingCSV(t *testing.T) {
	seed := uint64(99)
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 2))
	for trial := range 500 {
		text := randomCSV(r, r.IntN(8), 1+r.IntN(3))
		want, err := csv.NewReader(strings.NewReader(text)).ReadAll()
		if err != nil {
			t.Fatalf("trial %d: generator made invalid CSV %q: %v", trial, text, err)
		}
		var got [][]string
		// A tiny reader forces records across buffer boundaries.
		err = scanRecords(io.LimitReader(iotestOneByte{strings.NewReader(text)}, int64(len(text))), 0, 1<<10, func(start, end int64) error {
			rec, err := csv.NewReader(strings.NewReader(text[start:end])).ReadAll()
			if err != nil || len(rec) != 1 {
				return fmt.Errorf("range [%d,%d) %q parses as %q, %v", start, end, text[start:end], rec, err)
			}
			got = append(got, rec[0])
			return nil
		})
		if err != nil {
			t.Fatalf("trial %d: %q: %v", trial, text, err)
		}
		if len(got) != len(want) {
			t.Fatalf("trial %d: %q: scanner found %d records, encoding/csv %d", trial, text, len(got), len(want))
		}
		for i := range got {
			if !slices.Equal(got[i], want[i]) {
				t.Fatalf("trial %d: record %d = %q, want %q", trial, i, got[i], want[i])
			}
		}
	}
}

// iotestOneByte returns at most one byte per Read.
type iotestOneByte struct{ r io.Reader }

func (o iotestOneByte) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return o.r.Read(p)
}

func TestCSVEdgeCases(t *testing.T) {
	for _, c := range []struct {
		name, text string
		cols       []string
		want       []float32
	}{
		{"byte order mark", "\xef\xbb\xbfa,b\n1,2\n", []string{"a", "b"}, []float32{1, 2}},
		{"crlf and no final newline", "a,b\r\n1,2\r\n3,4", []string{"a", "b"}, []float32{1, 2, 3, 4}},
		{"empty lines", "\n\na,b\n\n1,2\n\r\n\n3,4\n\n", []string{"a", "b"}, []float32{1, 2, 3, 4}},
		{"quoted header and values", "\"a,1\",\"b\"\"\"\n\"1.5\",\" 2 \"\n", []string{"a,1", `b"`}, []float32{1.5, 2}},
		{"text column spanning lines", "t,x\n\"one\ntwo\",1\n\"3\r\n\",2\n", []string{"x"}, []float32{1, 2}},
		{"exponents and signs", "x\n-1e3\n+2.5E-1\n.5\n 7 \n", []string{"x"}, []float32{-1000, 0.25, 0.5, 7}},
		{"float32 rounding", "x\n0.1\n16777217\n3.4028235e38\n", []string{"x"}, []float32{0.1, 16777216, 3.4028235e38}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := writeCSV(t, t.TempDir(), "e.csv", c.text)
			ds := mustScan(t, []string{p}, Options{Columns: c.cols, ShardRows: 1})
			b := readEvery(t, ds, NullsError)
			if !slices.Equal(b.Data, c.want) {
				t.Errorf("read %v, want %v", b.Data, c.want)
			}
		})
	}
}

func TestCSVBadValues(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name, text string
		want       error
		frags      []string
	}{
		// Beyond the rows Scan looks at to type columns.
		{"text in a numeric column", "x,y\n" + strings.Repeat("1,2\n", 120) + "3,abc\n", ErrNotNumeric, []string{`column "y", row 120`, `"abc"`}},
		{"missing field", "x,y\n1,2\n3\n", ErrCorrupt, []string{"row 1", "wrong number of fields"}},
		{"extra field", "x,y\n1,2,5\n", ErrCorrupt, []string{"row 0"}},
		{"bare quote", "x,y\n1,2\n3,4\"\n", ErrCorrupt, []string{"row 1"}},
		{"null token", "x,y\n1,2\n3,NA\n", ErrNull, []string{`column "y", row 1: null`}},
		{"empty field", "x,y\n1,\n", ErrNull, []string{`column "y", row 0: null`}},
		{"nan", "x,y\n1,NaN\n", ErrNull, []string{"NaN"}},
		{"infinity", "x,y\n1,-inf\n", ErrNull, []string{"-Inf"}},
		{"float32 overflow", "x,y\n1,1e39\n", ErrNull, []string{"1e+39 is out of float32 range"}},
		{"beyond float64", "x,y\n1," + strings.Repeat("9", 400) + "\n", ErrNull, []string{`column "y", row 0: +Inf`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := writeCSV(t, dir, strings.ReplaceAll(c.name, " ", "_")+".csv", c.text)
			ds := mustScan(t, []string{p}, Options{Columns: []string{"x", "y"}})
			_, err := ReadAll(ds, NullsError)
			wantErr(t, err, c.want, append(c.frags, p)...)
		})
	}
}

// TestCSVShardReadsOnlyItsRange: after Scan, garbage written over the
// bytes of one shard breaks that shard alone. Every other shard still
// reads, so a shard parses nothing outside its byte range.
func TestCSVShardReadsOnlyItsRange(t *testing.T) {
	p := filepath.Join(t.TempDir(), "r.csv")
	if _, err := GenerateBlobs(p, BlobsConfig{N: 100, D: 2, K: 2, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	ds := mustScan(t, []string{p}, Options{ShardRows: 10, Exclude: []string{"label"}})
	if len(ds.Shards) != 10 {
		t.Fatalf("%d shards, want 10", len(ds.Shards))
	}
	before := readEvery(t, ds, NullsError)
	data, _ := os.ReadFile(p)
	for victim := range ds.Shards {
		spoilt := bytes.Clone(data)
		s := ds.Shards[victim]
		for i := s.First; i < s.Last; i++ {
			if spoilt[i] != '\n' && spoilt[i] != ',' {
				spoilt[i] = 'z'
			}
		}
		os.WriteFile(p, spoilt, 0o644)
		for _, s := range ds.Shards {
			b, err := ReadShard(s, ds.Columns, "", NullsError)
			if s.ID == victim {
				wantErr(t, err, ErrNotNumeric, fmt.Sprintf("row %d", s.RowOffset))
				continue
			}
			if err != nil {
				t.Fatalf("spoiling shard %d broke shard %d: %v", victim, s.ID, err)
			}
			if !slices.Equal(b.Data, before.Data[s.RowOffset*2:(s.RowOffset+s.Rows)*2]) {
				t.Fatalf("spoiling shard %d changed shard %d", victim, s.ID)
			}
		}
	}
}

// FuzzCSV: Scan and ReadShard of any bytes named .csv end in data or an
// error, never a panic, and agree with each other on the row count.
func FuzzCSV(f *testing.F) {
	for _, s := range []string{
		"x,y\n1,2\n3,4\n",
		"x,y\r\n1,2\r\n",
		"\xef\xbb\xbfx\n1\n",
		"x,y\n\n\n1,2\n\n",
		"x,y\n1\n",
		"x,y\n1,2,3\n",
		"\"x\",\"y\"\n\"1\",\"2\"\n",
		"t,x\n\"a\nb\",1\n",
		"t,x\n\"a\"\"b\",1\n",
		"x,y\n\"1,2\n",
		"x\n1e400\n-1e-400\nNaN\n+Inf\nNA\n\n",
		"x\n" + strings.Repeat("9", 500) + "\n",
		"x,y\n1,\"2\"3\n",
		"x\n1\r",
		"",
		"\n\n",
		"x",
		"\"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "f.csv")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, shardRows := range []int{1, 3} {
			ds, err := Scan([]string{p}, Options{ShardRows: shardRows})
			if err != nil {
				return
			}
			failed := false
			for _, s := range ds.Shards {
				b, err := ReadShard(s, ds.Columns, "", NullsDrop)
				if err != nil {
					failed = true
					continue
				}
				if b.Len() > int(s.Rows) || len(b.Data) != b.Len()*len(ds.Columns) {
					t.Fatalf("shard %+v gave %d rows, %d values", s, b.Len(), len(b.Data))
				}
			}
			// When every shard reads, the plan counted the records that
			// encoding/csv finds in the whole file.
			if !failed {
				recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
				if err != nil || int64(len(recs)-1) != ds.Rows {
					t.Fatalf("plan has %d rows; encoding/csv reads %d records (%v)", ds.Rows, len(recs), err)
				}
			}
		}
	})
}
