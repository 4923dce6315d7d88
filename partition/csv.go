package partition

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// CSV files have a header line naming the columns (or, with
// CSVOptions.NoHeader, none: the columns are then c0, c1, …) and one record
// per line (a quoted field may span lines, as RFC 4180 allows). Scan places
// shard boundaries with one pass that finds record ends the way encoding/csv
// does (newlines outside quotes, skipping empty lines) without parsing a
// value; ReadShard then parses only its byte range. With
// Options.CSVRanges Scan reads only the head of an uncompressed file and
// leaves the counting to workers (see csvrange.go).
//
// CSV has no types. Scan looks at the first csvSniffRows records: a column
// is numeric when a number appears in it there, text when only text does.
// A column is never left out because of a stray cell: a cell of a numeric
// column that does not parse as a number, in the first rows or later, is a
// bad value for ReadShard, an error naming the file, column and row under
// NullsError and a dropped row under NullsDrop, like a null.

// csvSniffRows is how many data rows Scan parses to tell numeric columns
// from text ones.
const csvSniffRows = 100

// CSVOptions say how CSV files are laid out. The zero value is a header
// line and commas.
type CSVOptions struct {
	// NoHeader says the first record is data: the columns are then named
	// c0, c1, … in file order, as many as the first record has fields.
	NoHeader bool
	// Delimiter separates fields; 0 means ','. It may be any character but
	// '"', '\r', '\n' and the Unicode replacement character.
	Delimiter rune
}

// IsZero reports whether o is the default layout.
func (o CSVOptions) IsZero() bool { return o == CSVOptions{} }

// comma returns the delimiter as encoding/csv takes it.
func (o CSVOptions) comma() rune {
	if o.Delimiter == 0 {
		return ','
	}
	return o.Delimiter
}

func (o CSVOptions) validate() error {
	switch d := o.Delimiter; {
	case d == 0:
	case d == '"' || d == '\r' || d == '\n' || d == utf8.RuneError || !utf8.ValidRune(d):
		return fmt.Errorf("%w: CSV delimiter %q (want one character other than a quote or a line end)", ErrInvalidOptions, d)
	}
	return nil
}

// newReader returns an encoding/csv reader of r with o's delimiter.
func (o CSVOptions) newReader(r io.Reader) *csv.Reader {
	cr := csv.NewReader(r)
	cr.Comma = o.comma()
	return cr
}

// csvNullTokens are the field values read as null: the empty field and the
// spellings R, pandas and SQL exports use. "NaN" and "Inf" parse as the
// floats they name and are refused or dropped like nulls.
var csvNullTokens = map[string]bool{"": true, "NA": true, "N/A": true, "NULL": true, "null": true, "None": true}

// isCSVNull reports whether s is a null token, without a map lookup for
// the common case of a field that starts like a number.
func isCSVNull(s string) bool {
	if s == "" {
		return true
	}
	if c := s[0]; c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' {
		return false
	}
	return csvNullTokens[s]
}

// recordScanner finds the byte ranges of CSV records without parsing
// fields. It follows encoding/csv: a record ends at a newline outside
// double quotes; a line that is empty, or holds only "\r", is skipped. A
// quote toggles the quoted state, which is exact for valid RFC 4180 input
// (quotes open fields and escaped quotes come in pairs); on invalid input
// encoding/csv fails on the same record, so the reader reports the error.
type recordScanner struct {
	pos     int64 // offset of the next byte to scan
	start   int64 // offset where the current record starts
	n       int64 // bytes in the current record so far, newlines outside quotes excluded
	first   byte  // the record's first byte
	inQuote bool
	// sawQuotedNL is set at the first newline inside quotes, found at
	// offset quotedNLAt.
	sawQuotedNL bool
	quotedNLAt  int64
}

// scan feeds the next bytes of the file; emit is called with each complete
// record's range [start, end), end just past its newline.
func (s *recordScanner) scan(buf []byte, emit func(start, end int64) error) error {
	for len(buf) > 0 {
		if !s.inQuote {
			nl := bytes.IndexByte(buf, '\n')
			seg := buf
			if nl >= 0 {
				seg = buf[:nl]
			}
			if q := bytes.IndexByte(seg, '"'); q >= 0 {
				// Take the bytes before the quote and the quote itself.
				s.add(buf[:q+1])
				s.inQuote = true
				buf = buf[q+1:]
				continue
			}
			s.add(seg)
			if nl < 0 {
				return nil
			}
			s.pos++ // the newline
			if err := s.end(emit); err != nil {
				return err
			}
			buf = buf[nl+1:]
			continue
		}
		q := bytes.IndexByte(buf, '"')
		quoted := buf
		if q >= 0 {
			quoted = buf[:q+1]
		}
		if !s.sawQuotedNL {
			if i := bytes.IndexByte(quoted, '\n'); i >= 0 {
				s.sawQuotedNL, s.quotedNLAt = true, s.pos+int64(i)
			}
		}
		if q < 0 {
			s.add(buf)
			return nil
		}
		s.add(buf[:q+1])
		s.inQuote = false
		buf = buf[q+1:]
	}
	return nil
}

func (s *recordScanner) add(b []byte) {
	if len(b) == 0 {
		return
	}
	if s.n == 0 {
		s.first = b[0]
	}
	s.n += int64(len(b))
	s.pos += int64(len(b))
}

// end closes the record at s.pos, emitting it unless it is empty.
func (s *recordScanner) end(emit func(start, end int64) error) error {
	empty := s.n == 0 || (s.n == 1 && s.first == '\r')
	start := s.start
	s.start, s.n = s.pos, 0
	if empty {
		return nil
	}
	return emit(start, s.pos)
}

// scanRecords runs a recordScanner over r (positioned at offset base) with a
// buffer of bufSize bytes until EOF or until emit returns errStopScan.
func scanRecords(r io.Reader, base int64, bufSize int, emit func(start, end int64) error) error {
	s := recordScanner{pos: base, start: base}
	buf := make([]byte, bufSize)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if e := s.scan(buf[:n], emit); e != nil {
				if errors.Is(e, errStopScan) {
					return nil
				}
				return e
			}
		}
		if err == io.EOF {
			if e := s.end(emit); e != nil && !errors.Is(e, errStopScan) {
				return e
			}
			return nil
		}
		if err != nil {
			return err
		}
	}
}

var errStopScan = errors.New("stop scan")

// csvHeader reads the header record of f: the column names and the offset
// where the data starts, just past the header. A UTF-8 byte order mark is
// dropped. With NoHeader the first record is data: it only gives the
// number of columns, named c0, c1, …, and the data starts at the file's
// start (past a byte order mark). A file with no record at all has no
// columns.
func csvHeader(path string, src *csvSource, opts CSVOptions) (names []string, end int64, err error) {
	r, err := src.at(0)
	if err != nil {
		return nil, 0, err
	}
	// Headers are short: a small buffer keeps reading one cheap for every
	// shard.
	err = scanRecords(r, 0, 4<<10, func(start, stop int64) error {
		end = stop
		return errStopScan
	})
	if err != nil {
		return nil, 0, corrupt(path, "", err)
	}
	if end == 0 {
		return nil, 0, nil
	}
	header := make([]byte, end)
	if r, err = src.at(0); err != nil {
		return nil, 0, err
	}
	if _, err := io.ReadFull(r, header); err != nil {
		return nil, 0, corrupt(path, "", err)
	}
	bom := []byte("\xef\xbb\xbf")
	dataStart := int64(0)
	if bytes.HasPrefix(header, bom) {
		header, dataStart = header[len(bom):], int64(len(bom))
	}
	rec, err := opts.newReader(bytes.NewReader(header)).Read()
	if opts.NoHeader {
		if err != nil {
			return nil, 0, corrupt(path, "row 0", csvCause(err))
		}
		names = make([]string, len(rec))
		for i := range rec {
			names[i] = "c" + strconv.Itoa(i)
		}
		return names, dataStart, nil
	}
	if err != nil {
		return nil, 0, corrupt(path, "header", csvCause(err))
	}
	return rec, end, nil
}

// csvCause drops encoding/csv's line and column numbers, which count from
// the start of the byte range read, not of the file.
func csvCause(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// probeCSV reads a CSV file's columns and counts its records into units
// of target rows. A compressed file is one unit, and so one shard: a gzip or zstd stream
// cannot be entered in the middle, so each further shard would decompress
// everything before it again. Scan still reads the whole stream once to
// count its records. Split large compressed data into several files.
//
// With ranges, an uncompressed file is cut into byte ranges from its size
// and its head alone (see csvRanges), to be counted by workers.
func probeCSV(path string, target int64, opts CSVOptions, ranges bool) (*fileInfo, error) {
	src, err := openCSVSource(path)
	if err != nil {
		return nil, err
	}
	defer src.close()
	names, headerEnd, err := csvHeader(path, src, opts)
	if err != nil {
		return nil, err
	}
	info := &fileInfo{columns: sniffCSV(src, names, headerEnd, opts)}
	r, err := src.at(headerEnd)
	if err != nil {
		return nil, err
	}
	if src.codec != codecNone {
		target = math.MaxInt64
	} else if ranges {
		units, ok, err := csvRanges(path, src, headerEnd, target)
		if err != nil {
			return nil, err
		}
		if ok {
			info.units, info.ranges = units, true
			return info, nil
		}
		if r, err = src.at(headerEnd); err != nil {
			return nil, err
		}
	}
	cur := unit{first: headerEnd, last: headerEnd}
	err = scanRecords(r, headerEnd, 1<<20, func(_, end int64) error {
		cur.rows++
		cur.last = end
		if cur.rows == target {
			info.units = append(info.units, cur)
			cur = unit{first: end, last: end}
		}
		return nil
	})
	if err != nil {
		return nil, corrupt(path, "", err)
	}
	if cur.rows > 0 {
		info.units = append(info.units, cur)
	}
	return info, nil
}

// csvRanges cuts the data of an uncompressed CSV file, from headerEnd to
// its end, into byte ranges of about target records each, estimating the
// bytes per record from the first csvSniffRows records. It declines (ok
// false) when a quoted field of those records spans lines, as a line
// would then not be a record, and when the file ends within them, as it
// is then cheaper to count it whole.
func csvRanges(path string, src *csvSource, headerEnd, target int64) (units []unit, ok bool, err error) {
	r, err := src.at(headerEnd)
	if err != nil {
		return nil, false, err
	}
	sc := recordScanner{pos: headerEnd, start: headerEnd}
	var rows, end int64
	emit := func(_, stop int64) error {
		rows, end = rows+1, stop
		if rows == csvSniffRows {
			return errStopScan
		}
		return nil
	}
	buf := make([]byte, 64<<10)
	for {
		n, rerr := r.Read(buf)
		if n > 0 {
			if e := sc.scan(buf[:n], emit); e != nil {
				if errors.Is(e, errStopScan) {
					break
				}
				return nil, false, corrupt(path, "", e)
			}
		}
		if rerr == io.EOF {
			return nil, false, nil
		}
		if rerr != nil {
			return nil, false, corrupt(path, "", rerr)
		}
	}
	if sc.sawQuotedNL {
		return nil, false, nil
	}
	size, err := src.size()
	if err != nil {
		return nil, false, corrupt(path, "", err)
	}
	perRow := max((end-headerEnd)/rows, 1)
	step := perRow * target
	if target > math.MaxInt64/perRow {
		step = math.MaxInt64
	}
	for first := headerEnd; first < size; {
		last := size
		if size-first > step {
			last = first + step
		}
		units = append(units, unit{first: first, last: last, rows: -1})
		first = last
	}
	return units, true, nil
}

// sniffCSV types each column from the first csvSniffRows records: "text"
// when its values there are all text (or null), and otherwise numeric:
// "float64" when a value there has a fraction or exponent, "int64" when
// all its numbers are integers, "empty" when the sampled rows hold no
// value at all (the reader decides). A column that mixes numbers and text
// is numeric: its text cells are bad values, which ReadShard refuses or
// drops with the row. "NaN" and "Inf" count as neither, as they could be
// words. Records that do not parse end the sample early; the reader
// reports them.
func sniffCSV(src *csvSource, names []string, headerEnd int64, opts CSVOptions) []column {
	cols := make([]column, len(names))
	const (
		sawInt = 1 << iota
		sawFloat
		sawText
	)
	seen := make([]int, len(names))
	if in, err := src.at(headerEnd); err == nil {
		r := opts.newReader(bufio.NewReaderSize(in, 64<<10))
		r.FieldsPerRecord = -1
		r.ReuseRecord = true
		for range csvSniffRows {
			rec, err := r.Read()
			if err != nil {
				break
			}
			for j := range min(len(rec), len(names)) {
				s := strings.TrimSpace(rec[j])
				switch {
				case isCSVNull(s):
				case isCSVInt(s):
					seen[j] |= sawInt
				case isCSVFloat(s):
					seen[j] |= sawFloat
				case isCSVNonFinite(s):
				default:
					seen[j] |= sawText
				}
			}
		}
	}
	for j, name := range names {
		c := column{name: name, numeric: true}
		switch {
		case seen[j]&sawFloat != 0:
			c.typ = "float64"
		case seen[j]&sawInt != 0:
			c.typ = "int64"
		case seen[j]&sawText != 0:
			c.typ, c.numeric = "text", false
		default:
			c.typ = "empty"
		}
		cols[j] = c
	}
	return cols
}

func isCSVInt(s string) bool {
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}

// isCSVFloat reports whether s is a finite number, or one beyond
// float64's range (which ReadShard refuses as out of range).
func isCSVFloat(s string) bool {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return errors.Is(err, strconv.ErrRange)
	}
	return !math.IsNaN(v) && !math.IsInf(v, 0)
}

// isCSVNonFinite reports whether s spells NaN or an infinity ("1e999" is
// a number out of range, not one of these).
func isCSVNonFinite(s string) bool {
	v, err := strconv.ParseFloat(s, 64)
	return err == nil && (math.IsNaN(v) || math.IsInf(v, 0))
}

// readCSV parses the records in the byte range [first,last) of path (the
// whole file after the header when last < 0) and calls fn with the
// requested fields of each, in order; i counts records from 0. rowOffset is
// the global index of the first record, for messages.
func readCSV(path string, opts CSVOptions, names []string, first, last, rowOffset int64, fn func(i int, fields []string) error) (int, error) {
	if err := opts.validate(); err != nil {
		return 0, err
	}
	src, err := openCSVSource(path)
	if err != nil {
		return 0, err
	}
	defer src.close()
	header, headerEnd, err := csvHeader(path, src, opts)
	if err != nil {
		return 0, err
	}
	cols := make([]column, len(header))
	for i, h := range header {
		cols[i] = column{name: h, numeric: true}
	}
	idx := make([]int, len(names))
	for j, name := range names {
		if _, err := findColumn(path, cols, name); err != nil {
			return 0, err
		}
		for i, h := range header {
			if h == name {
				idx[j] = i
			}
		}
	}
	if last < 0 {
		first, last = headerEnd, math.MaxInt64
	}
	if first < headerEnd {
		return 0, fmt.Errorf("%w: %s: byte range [%d,%d) starts inside the header", ErrCorrupt, path, first, last)
	}
	in, err := src.at(first)
	if err != nil {
		return 0, err
	}
	r := opts.newReader(bufio.NewReaderSize(io.LimitReader(in, last-first), 64<<10))
	r.FieldsPerRecord = len(header)
	r.ReuseRecord = true
	fields := make([]string, len(names))
	for i := 0; ; i++ {
		rec, err := r.Read()
		if err == io.EOF {
			return i, nil
		}
		if err != nil {
			return 0, corrupt(path, fmt.Sprintf("row %d", rowOffset+int64(i)), csvCause(err))
		}
		for j, c := range idx {
			fields[j] = rec[c]
		}
		if err := fn(i, fields); err != nil {
			return 0, err
		}
	}
}

// parseCSVFloat parses a field as a float of the given bits, 32 (correctly
// rounded from the decimal to float32) or 64. It returns null for a null
// token, and the float64 value when the number overflows float32.
func parseCSVFloat(s string, bits int) (v float64, null bool, err error) {
	if len(s) > 0 && (s[0] == ' ' || s[len(s)-1] == ' ') {
		s = strings.TrimSpace(s)
	}
	if isCSVNull(s) {
		return 0, true, nil
	}
	v, err = strconv.ParseFloat(s, bits)
	if err != nil && errors.Is(err, strconv.ErrRange) {
		// Out of float32 range: report the value itself.
		wide, _ := strconv.ParseFloat(s, 64)
		return wide, false, nil
	}
	return v, false, err
}

// readCSVShard reads a shard of a CSV file into f. A field of a feature
// or weight column that is not a number is a bad value like a null: an
// error naming the file, column and row under NullsError, a dropped row
// under NullsDrop.
func readCSVShard(s Shard, f *filler) (int, error) {
	return readCSVShardWith(s, f, nil)
}

// readCSVShardWith is readCSVShard with columns taken from the path
// (see pathColumns): their text values join each record's fields.
func readCSVShardWith(s Shard, f *filler, consts []constColumn) (int, error) {
	names, all := f.names, []string(nil)
	if len(consts) > 0 {
		names, all = fileNames(f.names, consts), make([]string, len(f.names))
	}
	return readCSV(s.File, s.CSV, names, s.First, s.Last, s.RowOffset, func(i int, fields []string) error {
		if all != nil {
			k, c := 0, 0
			for j := range all {
				if c < len(consts) && consts[c].j == j {
					all[j] = consts[c].raw // "" for a null, which parses as one
					c++
					continue
				}
				all[j] = fields[k]
				k++
			}
			fields = all
		}
		if i >= f.rows {
			return fmt.Errorf("%w: %s: more rows in bytes [%d,%d) than the %d planned; was the file changed after Scan?",
				ErrCorrupt, s.File, s.First, s.Last, f.rows)
		}
		f.grow(i + 1)
		for j, field := range fields {
			if f.isNominal(j) {
				code, null := float32(0), isCSVNull(field)
				if !null {
					var err error
					if code, err = f.nominalCode(j, i, field); err != nil {
						return err
					}
				}
				if err := f.set(j, i, float64(code), null); err != nil {
					return err
				}
				continue
			}
			v, null, err := parseCSVFloat(field, f.csvBits(j))
			if err != nil {
				if f.nulls != NullsDrop {
					return fmt.Errorf("%w: %s: column %q, row %d: %s is not a number (use --nulls drop to skip such rows, or leave the column out)",
						ErrNotNumeric, s.File, f.names[j], s.RowOffset+int64(i), quoteCell(field))
				}
				v, null = 0, true
			}
			if err := f.set(j, i, v, null); err != nil {
				return err
			}
		}
		return nil
	})
}

// quoteCell quotes a field for an error message, cut short when long.
func quoteCell(s string) string {
	const maxShown = 40
	if r := []rune(s); len(r) > maxShown {
		return strconv.Quote(string(r[:maxShown])) + "…"
	}
	return strconv.Quote(s)
}
