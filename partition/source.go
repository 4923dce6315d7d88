package partition

import (
	"context"
	"os"

	"github.com/shoal-io/shoal/internal/blobfs"
)

// Inputs are local files or objects in object storage (s3:// URLs, see
// internal/blobfs). Local files are mapped or read in place; an object is
// read with ranged requests, each reader asking only for the bytes it
// needs: a Parquet footer and the column chunks of its row groups, an
// Arrow file's footer, message headers and its own batches, an Arrow
// stream's schema, dictionaries and its own byte range, a CSV file's
// own byte range. No reader downloads a whole object unless the format
// leaves no other way (compressed CSV, which is a single stream).

// isRemote reports whether path names an object rather than a file.
func isRemote(path string) bool { return blobfs.IsURL(path) }

// openRemote opens the object at path, with its size.
func openRemote(path string) (*blobfs.Object, error) {
	o, err := blobfs.Open(context.Background(), path)
	if err != nil {
		return nil, openError(path, err)
	}
	return o, nil
}

// objectVersion is the entity tag of the object at path, "" for a local
// file.
func objectVersion(path string) (string, error) {
	if !isRemote(path) {
		return "", nil
	}
	st, _, err := statInput(path)
	if err != nil {
		return "", openError(path, err)
	}
	return st.tag, nil
}

// statInput is the state of a file or object, and whether it is there.
func statInput(path string) (fileState, int64, error) {
	if !isRemote(path) {
		st, err := os.Stat(path)
		if err != nil {
			return fileState{}, 0, err
		}
		return stateOf(st), st.Size(), nil
	}
	info, err := blobfs.Stat(context.Background(), path)
	if err != nil {
		return fileState{}, 0, err
	}
	return fileState{size: info.Size, mtime: info.ModTime, tag: info.ETag}, info.Size, nil
}
