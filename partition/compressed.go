package partition

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"

	"github.com/klauspost/compress/zstd"
)

// zstdMaxWindow bounds the window a zstd frame may ask the decoder to
// hold: 128 MiB covers every compression level and zstd --long=27, and a
// corrupt header cannot make a worker allocate more.
const zstdMaxWindow = 1 << 27

// csvSource gives the bytes of a CSV file, decompressed when its name
// says .csv.gz or .csv.zst, from any offset. Offsets count decompressed
// bytes: a plain file seeks to them, a compressed one is decompressed
// again from its start and the bytes before the offset discarded.
type csvSource struct {
	path  string
	f     io.ReadSeekCloser // a file, or an object streamed from any offset
	codec codec
	dec   io.Closer // the current decompressor, or nil
}

func openCSVSource(path string) (*csvSource, error) {
	if isRemote(path) {
		o, err := openRemote(path)
		if err != nil {
			return nil, err
		}
		return &csvSource{path: path, f: o, codec: csvCodec(path)}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, openError(path, err)
	}
	return &csvSource{path: path, f: f, codec: csvCodec(path)}, nil
}

// at returns a reader of the file's (decompressed) bytes from off on. It
// is valid until the next call of at or close.
func (s *csvSource) at(off int64) (io.Reader, error) {
	if s.codec == codecNone {
		if _, err := s.f.Seek(off, io.SeekStart); err != nil {
			return nil, corrupt(s.path, "", err)
		}
		return s.f, nil
	}
	s.closeDecoder()
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return nil, corrupt(s.path, "", err)
	}
	var r io.Reader
	switch s.codec {
	case codecGzip:
		g, err := gzip.NewReader(s.f)
		if err != nil {
			return nil, corrupt(s.path, "gzip", err)
		}
		s.dec, r = g, g
	case codecZstd:
		z, err := zstd.NewReader(s.f, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(zstdMaxWindow))
		if err != nil {
			return nil, corrupt(s.path, "zstd", err)
		}
		rc := z.IOReadCloser()
		s.dec, r = rc, rc
	default:
		return nil, fmt.Errorf("%w: %s: compression %d", ErrUnknownFormat, s.path, s.codec)
	}
	r = decompressErrors{r: r, codec: s.codec}
	if off > 0 {
		if n, err := io.CopyN(io.Discard, r, off); err != nil {
			if err == io.EOF {
				return nil, fmt.Errorf("%w: %s: %d bytes decompressed where the shard plan starts at byte %d; was the file changed after Scan?", ErrCorrupt, s.path, n, off)
			}
			return nil, corrupt(s.path, "", err)
		}
	}
	return r, nil
}

// size is the file's size in bytes, compressed.
func (s *csvSource) size() (int64, error) {
	switch f := s.f.(type) {
	case *os.File:
		st, err := f.Stat()
		if err != nil {
			return 0, err
		}
		return st.Size(), nil
	case interface{ Size() int64 }:
		return f.Size(), nil
	}
	return 0, fmt.Errorf("%s: size unknown", s.path)
}

func (s *csvSource) closeDecoder() {
	if s.dec != nil {
		s.dec.Close()
		s.dec = nil
	}
}

func (s *csvSource) close() {
	s.closeDecoder()
	s.f.Close()
}

// decompressErrors says where a decompressor's error comes from, which
// otherwise reads only "unexpected EOF" or "invalid checksum"; the CSV
// readers add the file.
type decompressErrors struct {
	r     io.Reader
	codec codec
}

func (d decompressErrors) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if err != nil && err != io.EOF {
		name := map[codec]string{codecGzip: "gzip", codecZstd: "zstd"}[d.codec]
		err = fmt.Errorf("decompressing %s: %w", name, err)
	}
	return n, err
}
