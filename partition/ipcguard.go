package partition

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	flatbuffers "github.com/google/flatbuffers/go"
)

// arrow-go decodes Arrow IPC metadata (flatbuffers) without verifying it:
// it sizes slices by vector lengths read from the file and follows child
// fields without a depth limit. A corrupt file can therefore ask for a
// 300 GB slice or recurse forever, which kills the process where no
// recover reaches (Arrow C++ runs the flatbuffers verifier for this
// reason). The checks below walk just the tables whose vectors arrow-go
// allocates by (schema fields, field children, custom metadata) and refuse
// vectors that run past the buffer, nesting deeper than arrow-go's own
// array limit, and shared subtrees that would make the walk explode. While
// there, they read the row count from record batch headers, so Scan never
// decodes a batch. Decoding stays arrow-go's: this file reads the
// encapsulation (length prefixes, footer location) and a handful of
// header fields, nothing of the data.

// maxFieldDepth matches arrow-go's limit on nested array loading.
const maxFieldDepth = 64

var errBadMetadata = errors.New("malformed flatbuffer metadata")

// Slots (vtable offsets) of the fields checked, from the Arrow format's
// Schema.fbs, Message.fbs and File.fbs.
const (
	slotFooterSchema        = 6
	slotFooterDictionaries  = 8
	slotFooterRecordBatches = 10
	slotSchemaFields        = 6
	slotSchemaMetadata      = 8
	slotFieldChildren       = 14
	slotFieldMetadata       = 16
	slotMessageHeaderType   = 6
	slotMessageHeader       = 8
	slotMessageMetadata     = 12
	slotRecordBatchLength   = 4
	slotDictionaryBatchID   = 4
	slotDictionaryIsDelta   = 8

	messageHeaderSchema      = 1 // MessageHeader.Schema
	messageHeaderDictionary  = 2 // MessageHeader.DictionaryBatch
	messageHeaderRecordBatch = 3 // MessageHeader.RecordBatch
	blockSize                = 24
)

// fbWalk checks one flatbuffer. Out-of-range reads in the flatbuffers
// library panic; checkFB recovers them as errors.
type fbWalk struct {
	visits, maxVisits int
}

func checkFB(buf []byte, fn func(w *fbWalk, root flatbuffers.Table) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", errBadMetadata, r)
		}
	}()
	if len(buf) < 4 {
		return fmt.Errorf("%w: %d bytes", errBadMetadata, len(buf))
	}
	// A valid table takes at least 4 bytes, so a walk visiting more tables
	// than that is following shared or cyclic references.
	w := &fbWalk{maxVisits: len(buf) / 4}
	return fn(w, flatbuffers.Table{Bytes: buf, Pos: flatbuffers.GetUOffsetT(buf)})
}

// vector returns the start and length of the vector in slot, checking
// that its elemSize-byte elements lie inside the buffer.
func (w *fbWalk) vector(t flatbuffers.Table, slot flatbuffers.VOffsetT, elemSize int) (flatbuffers.UOffsetT, int, error) {
	o := flatbuffers.UOffsetT(t.Offset(slot))
	if o == 0 {
		return 0, 0, nil
	}
	start, n := t.Vector(o), t.VectorLen(o)
	if uint64(start)+uint64(n)*uint64(elemSize) > uint64(len(t.Bytes)) {
		return 0, 0, fmt.Errorf("%w: vector of %d elements runs past the %d-byte buffer", errBadMetadata, n, len(t.Bytes))
	}
	return start, n, nil
}

// table returns the table referenced from slot, if present.
func (w *fbWalk) table(t flatbuffers.Table, slot flatbuffers.VOffsetT) (flatbuffers.Table, bool, error) {
	o := flatbuffers.UOffsetT(t.Offset(slot))
	if o == 0 {
		return flatbuffers.Table{}, false, nil
	}
	w.visits++
	if w.visits > w.maxVisits {
		return flatbuffers.Table{}, false, fmt.Errorf("%w: tables refer to each other", errBadMetadata)
	}
	return flatbuffers.Table{Bytes: t.Bytes, Pos: t.Indirect(o + t.Pos)}, true, nil
}

// elements visits the tables of a vector of table offsets.
func (w *fbWalk) elements(t flatbuffers.Table, slot flatbuffers.VOffsetT, fn func(flatbuffers.Table) error) error {
	start, n, err := w.vector(t, slot, 4)
	if err != nil {
		return err
	}
	for i := range n {
		w.visits++
		if w.visits > w.maxVisits {
			return fmt.Errorf("%w: tables refer to each other", errBadMetadata)
		}
		pos := start + flatbuffers.UOffsetT(4*i)
		if err := fn(flatbuffers.Table{Bytes: t.Bytes, Pos: t.Indirect(pos)}); err != nil {
			return err
		}
	}
	return nil
}

func (w *fbWalk) schema(s flatbuffers.Table) error {
	if _, _, err := w.vector(s, slotSchemaMetadata, 4); err != nil {
		return err
	}
	return w.elements(s, slotSchemaFields, func(f flatbuffers.Table) error { return w.field(f, 1) })
}

func (w *fbWalk) field(f flatbuffers.Table, depth int) error {
	if depth > maxFieldDepth {
		return fmt.Errorf("%w: fields nested deeper than %d", errBadMetadata, maxFieldDepth)
	}
	if _, _, err := w.vector(f, slotFieldMetadata, 4); err != nil {
		return err
	}
	return w.elements(f, slotFieldChildren, func(c flatbuffers.Table) error { return w.field(c, depth+1) })
}

// messageInfo is what the checks read from a message header.
type messageInfo struct {
	typ  byte  // MessageHeader: 1 schema, 2 dictionary batch, 3 record batch
	rows int64 // a record batch's length
	// dictID and delta are a dictionary batch's id and isDelta flag.
	dictID int64
	delta  bool
	// offset and end are the byte range of the message in its stream,
	// framing and body included (set by streamMessages and messageAt).
	offset, end int64
}

// message checks an IPC Message: its custom metadata, and its schema when
// it carries one; for a record batch it reads the row count.
func (w *fbWalk) message(m flatbuffers.Table, info *messageInfo) error {
	if _, _, err := w.vector(m, slotMessageMetadata, 4); err != nil {
		return err
	}
	o := flatbuffers.UOffsetT(m.Offset(slotMessageHeaderType))
	if o == 0 {
		return nil
	}
	info.typ = m.GetByte(o + m.Pos)
	if info.typ != messageHeaderSchema && info.typ != messageHeaderRecordBatch && info.typ != messageHeaderDictionary {
		return nil
	}
	h, ok, err := w.table(m, slotMessageHeader)
	if err != nil || !ok {
		return err
	}
	switch info.typ {
	case messageHeaderSchema:
		return w.schema(h)
	case messageHeaderDictionary:
		if o := flatbuffers.UOffsetT(h.Offset(slotDictionaryBatchID)); o != 0 {
			info.dictID = h.GetInt64(o + h.Pos)
		}
		if o := flatbuffers.UOffsetT(h.Offset(slotDictionaryIsDelta)); o != 0 {
			info.delta = h.GetBool(o + h.Pos)
		}
		return nil
	}
	if lo := flatbuffers.UOffsetT(h.Offset(slotRecordBatchLength)); lo != 0 {
		info.rows = h.GetInt64(lo + h.Pos)
	}
	if info.rows < 0 {
		return fmt.Errorf("%w: record batch of %d rows", errBadMetadata, info.rows)
	}
	return nil
}

// checkMessage checks the flatbuffer of one encapsulated message.
func checkMessage(meta []byte) (messageInfo, error) {
	var info messageInfo
	err := checkFB(meta, func(w *fbWalk, m flatbuffers.Table) error { return w.message(m, &info) })
	return info, err
}

// checkIPCFile checks an Arrow IPC file's footer and schema, every
// dictionary message, and the record batch messages [first,last) (all when
// last < 0), and returns the row count each of those batches' headers
// states. A block pointing outside the file is an error.
func checkIPCFile(data []byte, first, last int64) ([]int64, error) {
	return checkIPCSource(mappedBytes(data), first, last)
}

// ipcBytes are the bytes of an Arrow IPC file for checkIPCSource: slices
// of a mapping, or copies read from an object.
type ipcBytes interface {
	size() int64
	// at returns the n bytes at off, which lie inside the file.
	at(off, n int64) ([]byte, error)
}

type mappedBytes []byte

func (m mappedBytes) size() int64                     { return int64(len(m)) }
func (m mappedBytes) at(off, n int64) ([]byte, error) { return m[off : off+n], nil }

// readerBytes reads each piece asked for: an object's footer and message
// headers, never its batch bodies.
type readerBytes struct {
	r io.ReaderAt
	n int64
}

func (r readerBytes) size() int64 { return r.n }
func (r readerBytes) at(off, n int64) ([]byte, error) {
	b := make([]byte, n)
	if _, err := r.r.ReadAt(b, off); err != nil && err != io.EOF {
		return nil, err
	}
	return b, nil
}

// ipcFooter returns the footer of an Arrow IPC file and where it ends.
func ipcFooter(data ipcBytes, minTail int64) ([]byte, int64, error) {
	const tail = 10 // int32 footer length + "ARROW1"
	if data.size() < tail+minTail {
		return nil, 0, fmt.Errorf("%w: file of %d bytes", errBadMetadata, data.size())
	}
	end := data.size() - tail
	b, err := data.at(end, 4)
	if err != nil {
		return nil, 0, err
	}
	size := int64(binary.LittleEndian.Uint32(b))
	if size <= 0 || size > end {
		return nil, 0, fmt.Errorf("%w: footer of %d bytes in a %d-byte file", errBadMetadata, size, data.size())
	}
	footer, err := data.at(end-size, size)
	return footer, end, err
}

// checkIPCSource is checkIPCFile over any ipcBytes.
func checkIPCSource(data ipcBytes, first, last int64) ([]int64, error) {
	footer, _, err := ipcFooter(data, 8)
	if err != nil {
		return nil, err
	}
	type block struct {
		offset, meta, body int64
		batch              bool
	}
	var blocks []block
	err = checkFB(footer, func(w *fbWalk, f flatbuffers.Table) error {
		s, ok, err := w.table(f, slotFooterSchema)
		if err != nil {
			return err
		}
		if ok {
			if err := w.schema(s); err != nil {
				return err
			}
		}
		for _, slot := range []flatbuffers.VOffsetT{slotFooterDictionaries, slotFooterRecordBatches} {
			start, n, err := w.vector(f, slot, blockSize)
			if err != nil {
				return err
			}
			lo, hi := int64(0), int64(n)
			batch := slot == slotFooterRecordBatches
			if batch && last >= 0 {
				lo, hi = max(first, 0), min(last, int64(n))
			}
			for i := lo; i < hi; i++ {
				pos := start + flatbuffers.UOffsetT(i*blockSize)
				blocks = append(blocks, block{f.GetInt64(pos), int64(f.GetInt32(pos + 8)), f.GetInt64(pos + 16), batch})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var lengths []int64
	for _, b := range blocks {
		if b.offset < 0 || b.meta < 8 || b.body < 0 || b.offset > data.size()-b.meta || b.body > data.size()-b.offset-b.meta {
			return nil, fmt.Errorf("%w: block at %d (metadata %d, body %d bytes) outside the %d-byte file", errBadMetadata, b.offset, b.meta, b.body, data.size())
		}
		meta, err := data.at(b.offset, b.meta)
		if err != nil {
			return nil, err
		}
		prefix := 4
		if binary.LittleEndian.Uint32(meta) == 0xFFFFFFFF {
			prefix = 8
		}
		info, err := checkMessage(meta[prefix:])
		if err != nil {
			return nil, err
		}
		if b.batch {
			if info.typ != messageHeaderRecordBatch {
				return nil, fmt.Errorf("%w: record batch block holds message type %d", errBadMetadata, info.typ)
			}
			lengths = append(lengths, info.rows)
		}
	}
	return lengths, nil
}

// streamMessages reads the encapsulated messages of an Arrow IPC stream
// for arrow-go's stream reader, checking each message's metadata first.
// The first skip record batches are passed over without reading their
// bodies into memory; schema and dictionary messages always go through.
type streamMessages struct {
	r    *bufio.Reader
	size int64 // file size: no length in the stream can exceed it
	skip int64
	msg  *ipc.Message
	refs atomic.Int64
	head [4]byte
	// pos is how many bytes of r were read; at is where the message
	// last read starts.
	pos, at int64
}

func newStreamMessages(r *bufio.Reader, size, skip int64) *streamMessages {
	s := &streamMessages{r: r, size: size, skip: skip}
	s.refs.Add(1)
	return s
}

func (s *streamMessages) Retain() { s.refs.Add(1) }

func (s *streamMessages) Release() {
	if s.refs.Add(-1) == 0 && s.msg != nil {
		s.msg.Release()
		s.msg = nil
	}
}

// Message returns the next message; it stays valid until the next call.
func (s *streamMessages) Message() (*ipc.Message, error) {
	for {
		meta, err := s.readMetadata()
		if err != nil {
			return nil, err
		}
		if _, err := checkMessage(meta); err != nil {
			return nil, err
		}
		m := ipc.NewMessage(memory.NewBufferBytes(meta), memory.NewBufferBytes(nil))
		typ, bodyLen := m.Type(), m.BodyLen()
		m.Release()
		if bodyLen < 0 || bodyLen > s.size {
			return nil, fmt.Errorf("message body of %d bytes in a %d-byte file", bodyLen, s.size)
		}
		if typ == ipc.MessageRecordBatch && s.skip > 0 {
			s.skip--
			n, err := s.r.Discard(int(bodyLen))
			s.pos += int64(n)
			if err != nil {
				return nil, fmt.Errorf("skipping a record batch body: %w", err)
			}
			continue
		}
		body := make([]byte, bodyLen)
		n, err := io.ReadFull(s.r, body)
		s.pos += int64(n)
		if err != nil {
			return nil, fmt.Errorf("reading a message body: %w", eofIsUnexpected(err))
		}
		if s.msg != nil {
			s.msg.Release()
		}
		s.msg = ipc.NewMessage(memory.NewBufferBytes(meta), memory.NewBufferBytes(body))
		return s.msg, nil
	}
}

// skipMessage reads the next message's header and passes over its body:
// how Scan counts a stream's rows without reading its data into memory.
// It returns io.EOF at the end of the stream.
func (s *streamMessages) skipMessage() (messageInfo, error) {
	meta, err := s.readMetadata()
	if err != nil {
		return messageInfo{}, err
	}
	info, err := checkMessage(meta)
	if err != nil {
		return info, err
	}
	m := ipc.NewMessage(memory.NewBufferBytes(meta), memory.NewBufferBytes(nil))
	bodyLen := m.BodyLen()
	m.Release()
	if bodyLen < 0 || bodyLen > s.size {
		return info, fmt.Errorf("message body of %d bytes in a %d-byte file", bodyLen, s.size)
	}
	n, err := s.r.Discard(int(bodyLen))
	s.pos += int64(n)
	if err != nil {
		return info, fmt.Errorf("passing over a message body: %w", eofIsUnexpected(err))
	}
	info.offset, info.end = s.at, s.pos
	return info, nil
}

// readMetadata reads one message's framing and metadata flatbuffer: an
// optional 0xFFFFFFFF continuation marker, an int32 length, the metadata.
// A zero length is the end-of-stream marker, reported as io.EOF, as is the
// end of the file between messages.
func (s *streamMessages) readMetadata() ([]byte, error) {
	s.at = s.pos
	k, err := io.ReadFull(s.r, s.head[:])
	s.pos += int64(k)
	if err != nil {
		if err == io.EOF {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("reading a message length: %w", eofIsUnexpected(err))
	}
	n := binary.LittleEndian.Uint32(s.head[:])
	if n == 0xFFFFFFFF {
		k, err := io.ReadFull(s.r, s.head[:])
		s.pos += int64(k)
		if err != nil {
			return nil, fmt.Errorf("reading a message length: %w", eofIsUnexpected(err))
		}
		n = binary.LittleEndian.Uint32(s.head[:])
	}
	if n == 0 {
		return nil, io.EOF
	}
	if int64(n) > s.size || n > 64<<20 {
		return nil, fmt.Errorf("message metadata of %d bytes in a %d-byte file", n, s.size)
	}
	// Metadata is small and read once per message; a fresh slice keeps it
	// valid for the message that refers to it.
	meta := make([]byte, n)
	k, err = io.ReadFull(s.r, meta)
	s.pos += int64(k)
	if err != nil {
		return nil, fmt.Errorf("reading message metadata: %w", eofIsUnexpected(err))
	}
	return meta, nil
}

// checkStoredArrowSchema checks the Arrow schema that Arrow's Parquet
// writers store, base64-encoded IPC, under the ARROW:schema key: pqarrow
// decodes it with the unchecked IPC reader. The base64 handling follows
// pqarrow's (padded, else unpadded).
func checkStoredArrowSchema(serialized *string) error {
	if serialized == nil {
		return nil
	}
	var (
		decoded []byte
		err     error
	)
	if len(*serialized)%4 == 0 {
		decoded, err = base64.StdEncoding.DecodeString(*serialized)
	}
	if len(decoded) == 0 || err != nil {
		decoded, err = base64.RawStdEncoding.DecodeString(*serialized)
	}
	if err != nil {
		return nil // pqarrow reports it
	}
	s := newStreamMessages(bufio.NewReader(bytes.NewReader(decoded)), int64(len(decoded)), 0)
	meta, err := s.readMetadata()
	if err != nil {
		return nil // no message: pqarrow reports it
	}
	if _, err := checkMessage(meta); err != nil {
		return fmt.Errorf("stored Arrow schema: %w", err)
	}
	// The IPC reader allocates the message body before looking at it.
	m := ipc.NewMessage(memory.NewBufferBytes(meta), memory.NewBufferBytes(nil))
	defer m.Release()
	if n := m.BodyLen(); n < 0 || n > int64(len(decoded)) {
		return fmt.Errorf("stored Arrow schema: %w: message body of %d bytes in %d", errBadMetadata, n, len(decoded))
	}
	return nil
}

func eofIsUnexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
