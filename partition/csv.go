package partition

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// CSV files have a header line naming the columns and one record per line
// (a quoted field may span lines, as RFC 4180 allows). Scan places shard
// boundaries with one pass that finds record ends the way encoding/csv
// does (newlines outside quotes, skipping empty lines) without parsing a
// value; ReadShard then parses only its byte range. CSV has no types: a
// column is numeric when its values in the first rows parse as numbers,
// and a value that does not parse later is an error naming file, column and
// row.

// csvSniffRows is how many data rows Scan parses to tell numeric columns
// from text ones.
const csvSniffRows = 100

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
// just past the header. A UTF-8 byte order mark is dropped. A file with no
// record at all has no columns.
func csvHeader(path string, f *os.File) (names []string, end int64, err error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, 0, corrupt(path, "", err)
	}
	// Headers are short: a small buffer keeps reading one cheap for every
	// shard.
	var header []byte
	err = scanRecords(f, 0, 4<<10, func(start, stop int64) error {
		end = stop
		return errStopScan
	})
	if err != nil {
		return nil, 0, corrupt(path, "", err)
	}
	if end == 0 {
		return nil, 0, nil
	}
	header = make([]byte, end)
	if _, err := f.ReadAt(header, 0); err != nil {
		return nil, 0, corrupt(path, "", err)
	}
	header = bytes.TrimPrefix(header, []byte("\xef\xbb\xbf"))
	rec, err := csv.NewReader(bytes.NewReader(header)).Read()
	if err != nil {
		return nil, 0, corrupt(path, "header", err)
	}
	return rec, end, nil
}

func probeCSV(path string, target int64) (*fileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, openError(path, err)
	}
	defer f.Close()
	names, headerEnd, err := csvHeader(path, f)
	if err != nil {
		return nil, err
	}
	info := &fileInfo{columns: sniffCSV(f, names, headerEnd)}
	if _, err := f.Seek(headerEnd, io.SeekStart); err != nil {
		return nil, corrupt(path, "", err)
	}
	cur := unit{first: headerEnd, last: headerEnd}
	err = scanRecords(f, headerEnd, 1<<20, func(_, end int64) error {
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

// sniffCSV types each column from the first csvSniffRows records: "int64"
// or "float64" when every non-null value parses as one, "text" otherwise,
// "empty" when the sampled rows hold no value (taken as numeric: the
// reader decides). Records that do not parse end the sample early; the
// reader reports them.
func sniffCSV(f *os.File, names []string, headerEnd int64) []column {
	cols := make([]column, len(names))
	const (
		sawInt = 1 << iota
		sawFloat
		sawText
	)
	seen := make([]int, len(names))
	if _, err := f.Seek(headerEnd, io.SeekStart); err == nil {
		r := csv.NewReader(bufio.NewReaderSize(f, 64<<10))
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
				default:
					seen[j] |= sawText
				}
			}
		}
	}
	for j, name := range names {
		c := column{name: name, numeric: true}
		switch {
		case seen[j]&sawText != 0:
			c.typ, c.numeric = "text", false
		case seen[j]&sawFloat != 0:
			c.typ = "float64"
		case seen[j]&sawInt != 0:
			c.typ = "int64"
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

func isCSVFloat(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil || errors.Is(err, strconv.ErrRange)
}

// readCSV parses the records in the byte range [first,last) of path (the
// whole file after the header when last < 0) and calls fn with the
// requested fields of each, in order; i counts records from 0. rowOffset is
// the global index of the first record, for messages.
func readCSV(path string, names []string, first, last, rowOffset int64, fn func(i int, fields []string) error) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, openError(path, err)
	}
	defer f.Close()
	header, headerEnd, err := csvHeader(path, f)
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
	if _, err := f.Seek(first, io.SeekStart); err != nil {
		return 0, corrupt(path, "", err)
	}
	r := csv.NewReader(bufio.NewReaderSize(io.LimitReader(f, last-first), 64<<10))
	r.FieldsPerRecord = len(header)
	r.ReuseRecord = true
	fields := make([]string, len(names))
	for i := 0; ; i++ {
		rec, err := r.Read()
		if err == io.EOF {
			return i, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return 0, corrupt(path, fmt.Sprintf("row %d", rowOffset+int64(i)), err)
		}
		for j, c := range idx {
			fields[j] = rec[c]
		}
		if err := fn(i, fields); err != nil {
			return 0, err
		}
	}
}

// parseCSVFloat parses a field as float32 (correctly rounded from the
// decimal). It returns null for a null token, and ±Inf with the float64
// value in wide when the number overflows float32.
func parseCSVFloat(s string) (v float64, null bool, err error) {
	if len(s) > 0 && (s[0] == ' ' || s[len(s)-1] == ' ') {
		s = strings.TrimSpace(s)
	}
	if isCSVNull(s) {
		return 0, true, nil
	}
	v, err = strconv.ParseFloat(s, 32)
	if err != nil && errors.Is(err, strconv.ErrRange) {
		// Out of float32 range: report the value itself.
		wide, _ := strconv.ParseFloat(s, 64)
		return wide, false, nil
	}
	return v, false, err
}

func readCSVShard(s Shard, f *filler) (int, error) {
	return readCSV(s.File, f.names, s.First, s.Last, s.RowOffset, func(i int, fields []string) error {
		if i >= f.rows {
			return fmt.Errorf("%w: %s: more rows in bytes [%d,%d) than the %d planned; was the file changed after Scan?",
				ErrCorrupt, s.File, s.First, s.Last, f.rows)
		}
		f.grow(i + 1)
		for j, field := range fields {
			v, null, err := parseCSVFloat(field)
			if err != nil {
				return fmt.Errorf("%w: %s: column %q, row %d: %q is not a number", ErrNotNumeric, s.File, f.names[j], s.RowOffset+int64(i), field)
			}
			if err := f.set(j, i, v, null); err != nil {
				return err
			}
		}
		return nil
	})
}
