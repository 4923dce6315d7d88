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
		"1,2\n3,4\n",
		"x;y\n1;2\n3;oops\n",
		"x;y\n\"1;2\";3\n",
		"a,b\n" + strings.Repeat("1,2\n", 101) + "3,x\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "f.csv")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, layout := range []CSVOptions{{}, {NoHeader: true}, {Delimiter: ';'}} {
			for _, shardRows := range []int{1, 3} {
				ds, err := Scan([]string{p}, Options{ShardRows: shardRows, CSV: layout})
				if err != nil {
					continue
				}
				failed := false
				for _, s := range ds.Shards {
					b, err := ReadShard(s, ds.Columns, "", NullsDrop)
					if err != nil {
						failed = true
						continue
					}
					if b.Len() > int(s.Rows) || len(b.Data) != b.Len()*len(ds.Columns) {
						t.Fatalf("%+v: shard %+v gave %d rows, %d values", layout, s, b.Len(), len(b.Data))
					}
				}
				// When every shard reads, the plan counted the records
				// that encoding/csv finds in the whole file.
				if !failed {
					r := csv.NewReader(bytes.NewReader(data))
					r.Comma = layout.comma()
					recs, err := r.ReadAll()
					header := 1
					if layout.NoHeader {
						header = 0
					}
					if err != nil || int64(len(recs)-header) != ds.Rows {
						t.Fatalf("%+v: plan has %d rows; encoding/csv reads %d records (%v)", layout, ds.Rows, len(recs), err)
					}
				}
			}
		}
	})
}

// mixedColumnCSV is a CSV file of rows rows whose column "b" holds text at
// row bad and numbers elsewhere, beside numeric "a" and a text column
// "name".
func mixedColumnCSV(rows, bad int) string {
	var b strings.Builder
	b.WriteString("a,b,name\n")
	for i := range rows {
		v := fmt.Sprint(i % 7)
		if i == bad {
			v = "oops"
		}
		fmt.Fprintf(&b, "%d.5,%s,n%d\n", i, v, i)
	}
	return b.String()
}

// TestCSVTextCellInNumericColumn: a text cell in a numeric column, inside
// the rows Scan looks at or beyond them, never drops the column: it is an
// error naming the file, column and row, or under NullsDrop a dropped row.
// A column of text alone stays out of the automatic features.
func TestCSVTextCellInNumericColumn(t *testing.T) {
	dir := t.TempDir()
	for _, bad := range []int{0, 50, csvSniffRows - 1, csvSniffRows, 150} {
		p := writeCSV(t, dir, fmt.Sprintf("bad%d.csv", bad), mixedColumnCSV(300, bad))
		t.Run(fmt.Sprintf("row %d", bad), func(t *testing.T) {
			ds := mustScan(t, []string{p}, Options{ShardRows: 64})
			if !slices.Equal(ds.Columns, []string{"a", "b"}) {
				t.Fatalf("columns %v, want [a b]: column b was dropped", ds.Columns)
			}
			_, err := ReadAll(ds, NullsError)
			wantErr(t, err, ErrNotNumeric, p, `column "b"`, fmt.Sprintf("row %d:", bad), `"oops"`, "--nulls drop")
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
			b, err := ReadAll(ds, NullsDrop)
			if err != nil {
				t.Fatalf("NullsDrop: %v", err)
			}
			if b.Len() != 299 || slices.Contains(b.Index, int64(bad)) {
				t.Fatalf("NullsDrop kept %d rows (row %d kept: %v), want 299 without it", b.Len(), bad, slices.Contains(b.Index, int64(bad)))
			}
			// Naming the column explicitly behaves the same.
			ds = mustScan(t, []string{p}, Options{Columns: []string{"b"}})
			_, err = ReadAll(ds, NullsError)
			wantErr(t, err, ErrNotNumeric, fmt.Sprintf("row %d:", bad))
		})
	}
}

// TestCSVColumnTypes types columns from the rows Scan samples: text only
// is text (refused when named as a feature), any number makes a numeric
// column, and NaN or Inf spelled out count as neither.
func TestCSVColumnTypes(t *testing.T) {
	for _, c := range []struct {
		name, text string
		want       []string // automatic features
		typ        string   // describeColumns of the file
	}{
		{"text only", "x,t\n1,a\n2,b\n", []string{"x"}, `"t" (text)`},
		{"text with nulls", "x,t\n1,\n2,b\n3,NA\n", []string{"x"}, `"t" (text)`},
		{"number first", "x,t\n1,3\n2,b\n", []string{"x", "t"}, `"t" (int64)`},
		{"text first", "x,t\n1,b\n2,3.5\n", []string{"x", "t"}, `"t" (float64)`},
		{"words that parse as floats", "x,t\n1,Nan\n2,inf\n3,Bob\n", []string{"x"}, `"t" (text)`},
		{"nan beside numbers", "x,t\n1,NaN\n2,4\n", []string{"x", "t"}, `"t" (int64)`},
		{"only nulls", "x,t\n1,\n2,NA\n", []string{"x", "t"}, `"t" (empty)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := writeCSV(t, t.TempDir(), "c.csv", c.text)
			ds := mustScan(t, []string{p}, Options{})
			if !slices.Equal(ds.Columns, c.want) {
				t.Errorf("columns %v, want %v", ds.Columns, c.want)
			}
			_, err := Scan([]string{p}, Options{Columns: []string{"nosuch"}})
			wantErr(t, err, ErrNoSuchColumn, c.typ)
			if c.typ == `"t" (text)` {
				_, err := Scan([]string{p}, Options{Columns: []string{"x", "t"}})
				wantErr(t, err, ErrNotNumeric, p, `column "t" has type text`)
			}
		})
	}
}

// TestCSVLayout reads files without a header line and with other
// delimiters, and refuses layouts that cannot be read.
func TestCSVLayout(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name, text string
		opts       CSVOptions
		cols       []string
		want       []float32
	}{
		{"no header", "1,2\n3,4\n", CSVOptions{NoHeader: true}, []string{"c0", "c1"}, []float32{1, 2, 3, 4}},
		{"no header, byte order mark", "\xef\xbb\xbf1,2\n3,4\n", CSVOptions{NoHeader: true}, []string{"c0", "c1"}, []float32{1, 2, 3, 4}},
		{"no header, text column", "a,1\nb,2\n", CSVOptions{NoHeader: true}, []string{"c1"}, []float32{1, 2}},
		{"no header, quoted newline first", "\"x\ny\",1\nz,2\n", CSVOptions{NoHeader: true}, []string{"c1"}, []float32{1, 2}},
		{"semicolon", "x;y\n1;2\n3;4\n", CSVOptions{Delimiter: ';'}, []string{"x", "y"}, []float32{1, 2, 3, 4}},
		{"semicolon, decimal commas are text", "x;y\n1,5;2\n3,5;4\n", CSVOptions{Delimiter: ';'}, []string{"y"}, []float32{2, 4}},
		{"tab", "x\ty\n1\t2\n3\t4\n", CSVOptions{Delimiter: '\t'}, []string{"x", "y"}, []float32{1, 2, 3, 4}},
		{"tab, no header", "1\t2\n3\t4\n", CSVOptions{Delimiter: '\t', NoHeader: true}, []string{"c0", "c1"}, []float32{1, 2, 3, 4}},
		{"multibyte delimiter", "x§y\n1§2\n", CSVOptions{Delimiter: '§'}, []string{"x", "y"}, []float32{1, 2}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := writeCSV(t, dir, strings.ReplaceAll(c.name, " ", "_")+".csv", c.text)
			for _, rows := range []int{1, 100} {
				ds := mustScan(t, []string{p}, Options{CSV: c.opts, ShardRows: rows})
				if !slices.Equal(ds.Columns, c.cols) {
					t.Fatalf("columns %v, want %v", ds.Columns, c.cols)
				}
				if got := readEvery(t, ds, NullsError); !slices.Equal(got.Data, c.want) {
					t.Fatalf("shard rows %d: read %v, want %v", rows, got.Data, c.want)
				}
			}
		})
	}
	csvFile := writeCSV(t, dir, "plain.csv", "x\n1\n")
	pq := filepath.Join(dir, "b.parquet")
	if _, err := GenerateBlobs(pq, BlobsConfig{N: 10, D: 2, K: 2, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		paths []string
		opts  CSVOptions
		frags []string
	}{
		{"quote delimiter", []string{csvFile}, CSVOptions{Delimiter: '"'}, []string{"delimiter"}},
		{"newline delimiter", []string{csvFile}, CSVOptions{Delimiter: '\n'}, []string{"delimiter"}},
		{"no CSV input", []string{pq}, CSVOptions{NoHeader: true}, []string{"no input is a .csv file"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Scan(c.paths, Options{CSV: c.opts})
			wantErr(t, err, ErrInvalidOptions, c.frags...)
		})
	}
	// A shard carries its layout: read with another one, it fails.
	p := writeCSV(t, dir, "semi.csv", "x;y\n1;2\n")
	ds := mustScan(t, []string{p}, Options{CSV: CSVOptions{Delimiter: ';'}})
	s := ds.Shards[0]
	s.CSV = CSVOptions{}
	_, err := ReadShard(s, ds.Columns, "", NullsError)
	wantErr(t, err, ErrNoSuchColumn, `"x;y"`)
}
