package partition

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// An Arrow IPC stream has no footer, so Scan, which reads through each
// stream once, records where each record batch message lies (offset and
// end of its framing, metadata and body) and which dictionary messages
// before it the batch needs: for each dictionary id, the last one that
// replaces the dictionary and the deltas after it. A shard carries the
// byte range of its batches and the offsets of those dictionary messages
// (Shard.ByteStart, ByteEnd, DictOffsets), and its reader hands arrow-go
// the schema message, those dictionary messages and the range, read at
// their offsets: no worker reads another shard's batches. Dictionary
// messages inside the range are read in order, as arrow-go expects.

// maxShardDicts bounds the dictionary messages a shard carries the
// offsets of. A stream that adds a delta to a dictionary at every batch
// needs more and more of them; past the bound its shards go without
// offsets and are read from the start of the stream, as before.
const maxShardDicts = 64

// streamSpan is what a stream reader reads: record batches [first,last)
// (all when last < 0), found at bytes [start,end) after the dictionary
// messages at dicts when end > 0, else by reading from the start.
type streamSpan struct {
	first, last int64
	start, end  int64
	dicts       []int64
}

// spanOf is the part of the stream that shard s reads.
func spanOf(s Shard) streamSpan {
	return streamSpan{first: s.First, last: s.Last, start: s.ByteStart, end: s.ByteEnd, dicts: s.DictOffsets}
}

// wholeStream reads every batch of a stream.
var wholeStream = streamSpan{last: -1}

// wrapStream, when set, wraps the file a stream reader reads: a test
// counts the bytes read there.
var wrapStream func(io.ReaderAt) io.ReaderAt

// located reports whether the span carries byte offsets.
func (sp streamSpan) located() bool { return sp.end > 0 }

// segments returns the byte ranges to read, in order, from a stream of
// size bytes: the whole file, or the schema message, the dictionary
// messages and the batches' range. Each offset is checked against the
// file and the message found there against what the plan says it is.
func (sp streamSpan) segments(ra io.ReaderAt, size int64) ([][2]int64, error) {
	if !sp.located() {
		return [][2]int64{{0, size}}, nil
	}
	if sp.start <= 0 || sp.end < sp.start || sp.end > size {
		return nil, fmt.Errorf("record batches planned at bytes [%d,%d) of a %d-byte file; scan the file again", sp.start, sp.end, size)
	}
	schema, err := messageAt(ra, 0, size)
	if err != nil {
		return nil, fmt.Errorf("schema message: %w", err)
	}
	if schema.typ != messageHeaderSchema {
		return nil, fmt.Errorf("%w: the stream starts with message type %d, not a schema", errBadMetadata, schema.typ)
	}
	segs := [][2]int64{{0, schema.end}}
	prev := schema.end
	for _, off := range sp.dicts {
		if off < prev {
			return nil, fmt.Errorf("dictionary message planned at byte %d, inside the message before it; scan the file again", off)
		}
		d, err := messageAt(ra, off, size)
		if err != nil {
			return nil, fmt.Errorf("dictionary message at byte %d: %w", off, err)
		}
		if d.typ != messageHeaderDictionary || d.end > sp.start {
			return nil, fmt.Errorf("%w: message at byte %d (type %d, ending at %d) is not a dictionary before the batches at %d; scan the file again",
				errBadMetadata, off, d.typ, d.end, sp.start)
		}
		segs = append(segs, [2]int64{off, d.end})
		prev = d.end
	}
	if sp.start < prev {
		return nil, fmt.Errorf("record batches planned at byte %d, inside the message before them; scan the file again", sp.start)
	}
	return append(segs, [2]int64{sp.start, sp.end}), nil
}

// messageAt reads the framing and metadata of the message at byte off of
// a size-byte stream, checks the metadata, and returns what it says with
// the message's byte range. The body is not read.
func messageAt(ra io.ReaderAt, off, size int64) (messageInfo, error) {
	var head [8]byte
	if off < 0 || off > size-8 {
		return messageInfo{}, fmt.Errorf("message at byte %d of a %d-byte file: %w", off, size, io.ErrUnexpectedEOF)
	}
	if _, err := ra.ReadAt(head[:], off); err != nil {
		return messageInfo{}, fmt.Errorf("reading a message length: %w", eofIsUnexpected(err))
	}
	prefix, n := int64(8), int64(binary.LittleEndian.Uint32(head[4:]))
	if binary.LittleEndian.Uint32(head[:4]) != 0xFFFFFFFF {
		prefix, n = 4, int64(binary.LittleEndian.Uint32(head[:4]))
	}
	if n == 0 || n > size-off-prefix || n > 64<<20 {
		return messageInfo{}, fmt.Errorf("%w: message metadata of %d bytes at byte %d of a %d-byte file", errBadMetadata, n, off, size)
	}
	meta := make([]byte, n)
	if _, err := ra.ReadAt(meta, off+prefix); err != nil {
		return messageInfo{}, fmt.Errorf("reading message metadata: %w", eofIsUnexpected(err))
	}
	info, err := checkMessage(meta)
	if err != nil {
		return info, err
	}
	m := ipc.NewMessage(memory.NewBufferBytes(meta), memory.NewBufferBytes(nil))
	bodyLen := m.BodyLen()
	m.Release()
	if bodyLen < 0 || bodyLen > size-off-prefix-n {
		return info, fmt.Errorf("%w: message body of %d bytes at byte %d of a %d-byte file", errBadMetadata, bodyLen, off, size)
	}
	info.offset, info.end = off, off+prefix+n+bodyLen
	return info, nil
}

// segmentReader reads byte ranges of a file one after the other, as one
// stream. A range that ends early (the file was cut short) is an error,
// not the start of the next range.
type segmentReader struct {
	ra   io.ReaderAt
	segs [][2]int64
}

func (r *segmentReader) Read(p []byte) (int, error) {
	for len(r.segs) > 0 && r.segs[0][0] >= r.segs[0][1] {
		r.segs = r.segs[1:]
	}
	if len(r.segs) == 0 {
		return 0, io.EOF
	}
	s := &r.segs[0]
	p = p[:min(int64(len(p)), s[1]-s[0])]
	n, err := r.ra.ReadAt(p, s[0])
	s[0] += int64(n)
	if err == io.EOF && n < len(p) {
		return n, io.ErrUnexpectedEOF
	}
	if err == io.EOF {
		err = nil
	}
	return n, err
}

// dictTracker follows a stream's dictionary messages while Scan reads
// it, to tell each record batch which of them it needs.
type dictTracker struct {
	// need holds, for each dictionary id, the offsets of its last
	// replacing message and the deltas since; nil after more than
	// maxShardDicts of them.
	need map[int64][]int64
	// over holds the ids whose messages went past maxShardDicts.
	over map[int64]bool
	// cur is what a batch needs now, in stream order, shared by batches
	// until the next dictionary message; lost when it is not tracked.
	cur  []int64
	lost bool
}

func newDictTracker() *dictTracker {
	return &dictTracker{need: map[int64][]int64{}, over: map[int64]bool{}}
}

// add records the dictionary message m.
func (t *dictTracker) add(m messageInfo) {
	id := m.dictID
	switch {
	case !m.delta:
		t.need[id] = []int64{m.offset}
		delete(t.over, id)
	case t.over[id]:
	case len(t.need[id]) >= maxShardDicts:
		t.over[id] = true
		delete(t.need, id)
	default:
		t.need[id] = append(slices.Clip(t.need[id]), m.offset)
	}
	t.lost = len(t.over) > 0
	t.cur = nil
	if t.lost {
		return
	}
	var all []int64
	for _, offs := range t.need {
		all = append(all, offs...)
	}
	if len(all) > maxShardDicts {
		t.lost = true
		return
	}
	slices.Sort(all)
	t.cur = all
}

// batch returns the unit of the record batch message m, the i-th batch.
func (t *dictTracker) batch(i int64, m messageInfo) unit {
	u := unit{first: i, last: i + 1, rows: m.rows}
	if !t.lost {
		u.start, u.end, u.dicts = m.offset, m.end, t.cur
	}
	return u
}
