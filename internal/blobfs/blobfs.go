// Package blobfs gives shoal one view of local files and objects in
// object storage (s3:// URLs): listing, stat, ranged
// reads, whole-object writes, copy and delete. Local paths go to the os
// package; objects go through gocloud.dev/blob, so AWS S3, MinIO, Ceph
// and versitygw are the same code, and another gocloud driver (gs://,
// azblob://) is one import and one entry in schemes away.
//
// An object URL is scheme://bucket/key. It carries no query: where a
// store is and how to sign for it is the process's configuration (the
// standard AWS environment and config files, and SetS3Endpoint), never
// part of a job, so a job spec cannot send a worker's credentials to a
// server of its choosing.
package blobfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/logging"
	"gocloud.dev/blob"
	"gocloud.dev/blob/s3blob"
	"gocloud.dev/gcerrors"

	"github.com/shoal-io/shoal/internal/atomicfile"
)

// ErrBadURL is returned for an object URL that cannot name an object.
var ErrBadURL = errors.New("bad object URL")

// schemes are the object stores shoal opens.
var schemes = map[string]bool{s3blob.Scheme: true}

// IsURL reports whether p is written as a URL (scheme://...) rather than
// a local path. Whether the scheme is one shoal opens is Parse's to say.
func IsURL(p string) bool {
	i := strings.Index(p, "://")
	if i <= 0 {
		return false
	}
	for j, r := range p[:i] {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case j > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.'):
		default:
			return false
		}
	}
	return true
}

// Location is a parsed object URL.
type Location struct {
	Scheme string // s3, or one registered with Use
	Bucket string
	Key    string // no leading "/"; a trailing "/" names a prefix
}

// String is the location's canonical URL. The characters Parse would
// decode or refuse ('%', '?', '#') are escaped, so Parse(l.String()) is
// l: a key met in a listing such as "100%.csv" stays a URL, and a key
// is never decoded twice on its way from Clean to Join to a write.
func (l Location) String() string {
	return l.Scheme + "://" + l.Bucket + "/" + keyEscaper.Replace(l.Key)
}

var keyEscaper = strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23")

// Parse checks an object URL and splits it. It refuses schemes shoal
// does not open, queries and fragments, user information, an empty
// bucket, and keys with empty, "." or ".." segments, which stores treat
// differently and which could step outside an allowed prefix.
func Parse(p string) (Location, error) {
	u, err := url.Parse(p)
	if err != nil {
		return Location{}, fmt.Errorf("%w: %s: %v", ErrBadURL, p, err)
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case !knownScheme(scheme):
		return Location{}, fmt.Errorf("%w: %s: scheme %q is not s3", ErrBadURL, p, u.Scheme)
	case u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(p, "?#"):
		return Location{}, fmt.Errorf("%w: %s: a query or fragment is not allowed; set the endpoint with --s3-endpoint or AWS_ENDPOINT_URL", ErrBadURL, p)
	case u.User != nil:
		return Location{}, fmt.Errorf("%w: %s: credentials do not belong in the URL; use the AWS environment or config files", ErrBadURL, p)
	case u.Host == "":
		return Location{}, fmt.Errorf("%w: %s: no bucket", ErrBadURL, p)
	}
	key := strings.TrimPrefix(u.Path, "/")
	if key != "" {
		segs := strings.Split(strings.TrimSuffix(key, "/"), "/")
		for _, s := range segs {
			if s == "" || s == "." || s == ".." {
				return Location{}, fmt.Errorf("%w: %s: key segment %q is not allowed", ErrBadURL, p, s)
			}
		}
	}
	return Location{Scheme: scheme, Bucket: u.Host, Key: key}, nil
}

// Clean returns p's canonical form: a local path cleaned by filepath,
// an object URL as Location.String gives it (a trailing "/" kept). An
// unparsable URL is returned as is; opening it reports why.
func Clean(p string) string {
	if !IsURL(p) {
		return filepath.Clean(p)
	}
	loc, err := Parse(p)
	if err != nil {
		return p
	}
	return loc.String()
}

// Join joins path elements to p with the separator p uses.
func Join(p string, elem ...string) string {
	if !IsURL(p) {
		return filepath.Join(append([]string{p}, elem...)...)
	}
	loc, err := Parse(p)
	if err != nil {
		return strings.TrimSuffix(p, "/") + "/" + strings.Join(elem, "/")
	}
	key := path.Join(append([]string{loc.Key}, elem...)...)
	if key == "." {
		key = ""
	}
	loc.Key = strings.TrimPrefix(key, "/")
	return loc.String()
}

// Dir returns all of p but its last element.
func Dir(p string) string {
	if !IsURL(p) {
		return filepath.Dir(p)
	}
	loc, err := Parse(p)
	if err != nil {
		return p
	}
	key := path.Dir(strings.TrimSuffix(loc.Key, "/"))
	if key == "." || key == "/" {
		key = ""
	} else {
		key += "/"
	}
	loc.Key = key
	return loc.String()
}

// Base returns p's last element.
func Base(p string) string {
	if !IsURL(p) {
		return filepath.Base(p)
	}
	loc, err := Parse(p)
	if err != nil || loc.Key == "" {
		return p
	}
	return path.Base(strings.TrimSuffix(loc.Key, "/"))
}

// endpoint is the S3 endpoint of a self-hosted store, "" for AWS.
var endpoint atomic.Pointer[string]

// SetS3Endpoint makes s3:// URLs go to the store at rawURL (http or
// https) with path-style addressing, which MinIO, Ceph and versitygw
// need. "" returns to AWS_ENDPOINT_URL, or AWS itself.
func SetS3Endpoint(rawURL string) error {
	if rawURL != "" {
		u, err := url.Parse(rawURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%w: --s3-endpoint %q: give http://host:port or https://host:port", ErrBadURL, rawURL)
		}
	}
	endpoint.Store(&rawURL)
	closeBuckets()
	return nil
}

// s3Endpoint is the endpoint set, or AWS_ENDPOINT_URL.
func s3Endpoint() string {
	if p := endpoint.Load(); p != nil && *p != "" {
		return *p
	}
	if e := os.Getenv("AWS_ENDPOINT_URL_S3"); e != "" {
		return e
	}
	return os.Getenv("AWS_ENDPOINT_URL")
}

var (
	bucketsMu sync.Mutex
	buckets   = map[string]*blob.Bucket{} // by scheme://bucket
	injected  = map[string]*blob.Bucket{}
)

// Use makes scheme://bucket open as b, for a program that embeds shoal
// with a store of its own (or a test with gocloud's memblob). A nil b
// removes it.
func Use(schemeBucket string, b *blob.Bucket) {
	bucketsMu.Lock()
	defer bucketsMu.Unlock()
	if b == nil {
		delete(injected, schemeBucket)
		return
	}
	injected[schemeBucket] = b
	schemes[strings.SplitN(schemeBucket, "://", 2)[0]] = true
}

func knownScheme(s string) bool {
	bucketsMu.Lock()
	defer bucketsMu.Unlock()
	return schemes[s]
}

func closeBuckets() {
	bucketsMu.Lock()
	defer bucketsMu.Unlock()
	for k, b := range buckets {
		_ = b.Close()
		delete(buckets, k)
	}
}

// bucket opens (once per process) the bucket loc is in.
func bucket(ctx context.Context, loc Location) (*blob.Bucket, error) {
	name := loc.Scheme + "://" + loc.Bucket
	bucketsMu.Lock()
	defer bucketsMu.Unlock()
	if b := injected[name]; b != nil {
		return b, nil
	}
	if b := buckets[name]; b != nil {
		return b, nil
	}
	if loc.Scheme != s3blob.Scheme {
		return nil, fmt.Errorf("%w: %s: no store for scheme %q", ErrBadURL, name, loc.Scheme)
	}
	b, err := openS3(ctx, loc.Bucket)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", name, err)
	}
	buckets[name] = b
	return b, nil
}

// openS3 opens an S3 bucket with the standard AWS configuration (the
// environment, ~/.aws/config and credentials, instance roles), sent to
// s3Endpoint with path-style addressing when one is set. The SDK's own
// log lines are dropped: shoal reports errors itself, one line each. A
// response's checksum is checked when the request asked for one; ranged
// reads, which are most of shoal's, carry none.
func openS3(ctx context.Context, name string) (*blob.Bucket, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithLogger(logging.Nop{}),
		config.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired),
	}
	e := s3Endpoint()
	if e != "" && os.Getenv("AWS_REGION") == "" && os.Getenv("AWS_DEFAULT_REGION") == "" {
		// Self-hosted stores take any region in signatures; the SDK
		// signs only with one.
		opts = append(opts, config.WithRegion("us-east-1"))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	if cfg.Region == "" && e == "" {
		return nil, errors.New("no AWS region: set AWS_REGION or a region in ~/.aws/config")
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if e != "" {
			o.BaseEndpoint = aws.String(e)
			o.UsePathStyle = true
		}
	})
	return s3blob.OpenBucket(ctx, client, name, nil)
}

// locate parses p and opens its bucket.
func locate(ctx context.Context, p string) (Location, *blob.Bucket, error) {
	loc, err := Parse(p)
	if err != nil {
		return Location{}, nil, err
	}
	b, err := bucket(ctx, loc)
	return loc, b, err
}

// wrap turns a store's error into one that names p and answers
// errors.Is for fs.ErrNotExist and fs.ErrPermission.
func wrap(op, p string, err error) error {
	if err == nil {
		return nil
	}
	switch gcerrors.Code(err) {
	case gcerrors.NotFound:
		return &fs.PathError{Op: op, Path: p, Err: fs.ErrNotExist}
	case gcerrors.PermissionDenied:
		return &fs.PathError{Op: op, Path: p, Err: fmt.Errorf("%w: %v", fs.ErrPermission, err)}
	}
	return &fs.PathError{Op: op, Path: p, Err: errors.New(tidy(err.Error()))}
}

// requestIDs are the parts of an S3 error that help AWS support, not a
// user reading one line.
var requestIDs = regexp.MustCompile(`(RequestID|HostID): [^,]*, `)

// blobPrefix is what gocloud puts before a driver's error: the key and
// code, which the path and the message already say.
var blobPrefix = regexp.MustCompile(`^blob (\(key "[^"]*"\) )?\(code=\w+\): `)

// tidy shortens a store's error message.
func tidy(msg string) string {
	msg = requestIDs.ReplaceAllString(msg, "")
	return blobPrefix.ReplaceAllString(msg, "")
}

// Info is what Stat tells of a file or object.
type Info struct {
	Size    int64
	ModTime time.Time
	// ETag is the object's entity tag ("" for local files): with size
	// and time, what tells that an object was replaced.
	ETag  string
	IsDir bool
}

// Stat describes p. An object URL that names no object but a prefix
// that holds objects (with or without a trailing "/") is a directory.
func Stat(ctx context.Context, p string) (Info, error) {
	if !IsURL(p) {
		st, err := os.Stat(p)
		if err != nil {
			return Info{}, err
		}
		return Info{Size: st.Size(), ModTime: st.ModTime(), IsDir: st.IsDir()}, nil
	}
	loc, b, err := locate(ctx, p)
	if err != nil {
		return Info{}, err
	}
	if loc.Key != "" && !strings.HasSuffix(loc.Key, "/") {
		a, err := b.Attributes(ctx, loc.Key)
		if err == nil {
			return Info{Size: a.Size, ModTime: a.ModTime, ETag: a.ETag}, nil
		}
		if gcerrors.Code(err) != gcerrors.NotFound {
			return Info{}, wrap("stat", p, err)
		}
	}
	prefix := loc.Key
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	objs, _, err := b.ListPage(ctx, blob.FirstPageToken, 1, &blob.ListOptions{Prefix: prefix})
	if err != nil {
		return Info{}, wrap("stat", p, err)
	}
	if len(objs) == 0 {
		return Info{}, &fs.PathError{Op: "stat", Path: p, Err: fs.ErrNotExist}
	}
	return Info{IsDir: true}, nil
}

// Entry is one name in a listing.
type Entry struct {
	Name  string // the last element, no "/"
	IsDir bool
	Size  int64
}

// List lists the objects and prefixes directly below the prefix p (a
// "/" is added when missing), sorted by name, as os.ReadDir does for a
// directory. The prefix's own zero-byte marker object is skipped; a key
// with an empty segment ("a//b") fails the listing.
func List(ctx context.Context, p string) ([]Entry, error) {
	loc, b, err := locate(ctx, p)
	if err != nil {
		return nil, err
	}
	prefix := loc.Key
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	it := b.List(&blob.ListOptions{Prefix: prefix, Delimiter: "/"})
	var out []Entry
	for {
		o, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, wrap("list", p, err)
		}
		if o.Key == prefix {
			continue // a zero-byte "directory marker" some consoles make
		}
		name := strings.TrimSuffix(strings.TrimPrefix(o.Key, prefix), "/")
		if name == "" || strings.Contains(name, "/") {
			// Skipping it would drop its objects from a dataset unseen.
			return nil, fmt.Errorf("%w: %s holds the key %q, whose empty segment no URL can name; rename it, or name a prefix without it",
				ErrBadURL, p, o.Key)
		}
		out = append(out, Entry{Name: name, IsDir: o.IsDir, Size: o.Size})
	}
	return out, nil
}

// bytesRead counts the object bytes this process has read.
var bytesRead atomic.Int64

// BytesRead is the number of object bytes this process has read, for
// metrics and for tests that check no worker reads a whole file.
func BytesRead() int64 { return bytesRead.Load() }

// Object is an object opened for ranged reads: io.ReaderAt for random
// access (each ReadAt is one ranged request), and io.ReadSeeker for
// streaming from any offset.
type Object struct {
	ctx  context.Context
	b    *blob.Bucket
	url  string
	key  string
	info Info
	pos  int64
	r    *blob.Reader // the stream Read continues, at pos
}

// Open opens the object at the URL p.
func Open(ctx context.Context, p string) (*Object, error) {
	loc, b, err := locate(ctx, p)
	if err != nil {
		return nil, err
	}
	if loc.Key == "" || strings.HasSuffix(loc.Key, "/") {
		return nil, &fs.PathError{Op: "open", Path: p, Err: errors.New("is a prefix, not an object")}
	}
	a, err := b.Attributes(ctx, loc.Key)
	if err != nil {
		return nil, wrap("open", p, err)
	}
	return &Object{ctx: ctx, b: b, url: p, key: loc.Key, info: Info{Size: a.Size, ModTime: a.ModTime, ETag: a.ETag}}, nil
}

// Size is the object's size when it was opened.
func (o *Object) Size() int64 { return o.info.Size }

// Info is the object's Info when it was opened.
func (o *Object) Info() Info { return o.info }

// ReadAt reads len(p) bytes at off with one ranged request.
func (o *Object) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("%s: read at negative offset %d", o.url, off)
	}
	if off >= o.info.Size {
		return 0, io.EOF
	}
	want := min(int64(len(p)), o.info.Size-off)
	r, err := o.b.NewRangeReader(o.ctx, o.key, off, want, nil)
	if err != nil {
		return 0, wrap("read", o.url, err)
	}
	defer r.Close()
	n, err := io.ReadFull(r, p[:want])
	bytesRead.Add(int64(n))
	if err != nil {
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			return n, fmt.Errorf("%s: %w: the object is shorter than when it was opened", o.url, io.ErrUnexpectedEOF)
		}
		return n, wrap("read", o.url, err)
	}
	if int64(n) < int64(len(p)) {
		return n, io.EOF
	}
	return n, nil
}

// Read streams the object from the current offset.
func (o *Object) Read(p []byte) (int, error) {
	if o.pos >= o.info.Size {
		return 0, io.EOF
	}
	if o.r == nil {
		r, err := o.b.NewRangeReader(o.ctx, o.key, o.pos, o.info.Size-o.pos, nil)
		if err != nil {
			return 0, wrap("read", o.url, err)
		}
		o.r = r
	}
	n, err := o.r.Read(p)
	o.pos += int64(n)
	bytesRead.Add(int64(n))
	if err == io.EOF && o.pos < o.info.Size {
		return n, fmt.Errorf("%s: %w: the object is shorter than when it was opened", o.url, io.ErrUnexpectedEOF)
	}
	if err != nil && err != io.EOF {
		return n, wrap("read", o.url, err)
	}
	return n, err
}

// Seek sets the offset of the next Read; the stream reopens there.
func (o *Object) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += o.pos
	case io.SeekEnd:
		offset += o.info.Size
	default:
		return 0, fmt.Errorf("%s: seek whence %d", o.url, whence)
	}
	if offset < 0 {
		return 0, fmt.Errorf("%s: seek to negative offset %d", o.url, offset)
	}
	if offset != o.pos && o.r != nil {
		_ = o.r.Close()
		o.r = nil
	}
	o.pos = offset
	return offset, nil
}

// Close ends the stream Read was using.
func (o *Object) Close() error {
	if o.r != nil {
		err := o.r.Close()
		o.r = nil
		return err
	}
	return nil
}

// ReadFile reads the whole of a file or object.
func ReadFile(ctx context.Context, p string) ([]byte, error) {
	if !IsURL(p) {
		return os.ReadFile(p)
	}
	loc, b, err := locate(ctx, p)
	if err != nil {
		return nil, err
	}
	data, err := b.ReadAll(ctx, loc.Key)
	bytesRead.Add(int64(len(data)))
	return data, wrap("read", p, err)
}

// WriteObject writes data as the object p in one request: the object
// appears whole or not at all, as stores replace objects atomically.
func WriteObject(ctx context.Context, p string, data []byte) error {
	loc, b, err := locate(ctx, p)
	if err != nil {
		return err
	}
	return wrap("write", p, b.WriteAll(ctx, loc.Key, data, &blob.WriterOptions{ContentType: "application/octet-stream"}))
}

// UploadFile copies the local file local to the object p; the object
// appears whole or not at all.
func UploadFile(ctx context.Context, local, p string) error {
	loc, b, err := locate(ctx, p)
	if err != nil {
		return err
	}
	f, err := os.Open(local)
	if err != nil {
		return err
	}
	defer f.Close()
	return wrap("write", p, b.Upload(ctx, loc.Key, f, &blob.WriterOptions{ContentType: "application/octet-stream"}))
}

// Copy copies the object from to the object to, in the same bucket.
func Copy(ctx context.Context, from, to string) error {
	fl, b, err := locate(ctx, from)
	if err != nil {
		return err
	}
	tl, err := Parse(to)
	if err != nil {
		return err
	}
	if tl.Scheme != fl.Scheme || tl.Bucket != fl.Bucket {
		return fmt.Errorf("copy %s to %s: not in the same bucket", from, to)
	}
	return wrap("copy", from, b.Copy(ctx, tl.Key, fl.Key, nil))
}

// Remove deletes the file or object p; one that is not there is no
// error.
func Remove(ctx context.Context, p string) error {
	if !IsURL(p) {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	loc, b, err := locate(ctx, p)
	if err != nil {
		return err
	}
	if err := b.Delete(ctx, loc.Key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return wrap("remove", p, err)
	}
	return nil
}

// RemoveAll deletes every object below the prefix p (a "/" is added
// when missing), or the local directory p and what it holds.
func RemoveAll(ctx context.Context, p string) error {
	if !IsURL(p) {
		return os.RemoveAll(p)
	}
	loc, b, err := locate(ctx, p)
	if err != nil {
		return err
	}
	prefix := loc.Key
	if prefix == "" {
		return fmt.Errorf("%w: %s: refusing to empty a whole bucket", ErrBadURL, p)
	}
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	it := b.List(&blob.ListOptions{Prefix: prefix})
	for {
		o, err := it.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return wrap("list", p, err)
		}
		if err := b.Delete(ctx, o.Key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			return wrap("remove", Location{Scheme: loc.Scheme, Bucket: loc.Bucket, Key: o.Key}.String(), err)
		}
	}
}

// Rename moves a file, or an object (copy, then delete: a store has no
// rename, so for a moment both exist).
func Rename(ctx context.Context, from, to string) error {
	if !IsURL(from) && !IsURL(to) {
		return os.Rename(from, to)
	}
	if err := Copy(ctx, from, to); err != nil {
		return err
	}
	return Remove(ctx, from)
}

// WriteFile writes data as the file or object p as a whole: readers see
// the old content or the new, never part of it.
func WriteFile(ctx context.Context, p string, data []byte) error {
	if !IsURL(p) {
		return atomicfile.WriteFile(p, data)
	}
	return WriteObject(ctx, p, data)
}

// MkdirAll makes the directory p; prefixes need no making.
func MkdirAll(p string) error {
	if IsURL(p) {
		return nil
	}
	return os.MkdirAll(p, 0o755)
}

// Probe checks that p could be written, leaving nothing behind: a local
// file's directory takes a temporary file, an object's prefix a hidden
// object that is deleted at once.
func Probe(ctx context.Context, p string) error {
	if !IsURL(p) {
		return atomicfile.Probe(p)
	}
	if _, err := Parse(p); err != nil {
		return err
	}
	probe := Join(Dir(p), ".shoal-probe-"+atomicfile.Owner())
	if err := WriteObject(ctx, probe, nil); err != nil {
		return err
	}
	return Remove(ctx, probe)
}
