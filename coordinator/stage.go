package coordinator

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/shoal-io/shoal/internal/wire"
)

// stage copies the job's input files into the wire.DataBucket object
// store (JobSpec.Stage), so that workers which share no filesystem with
// the coordinator can read them; shards then name their object. A file
// already there under the job's name with the same size (a resumed job)
// is not copied again. The copies go when the job ends (unstage).
func (j *job) stage(ctx context.Context) error {
	storage := jetstream.MemoryStorage
	if j.c.opts.FileStorage {
		storage = jetstream.FileStorage
	}
	obs, err := j.c.js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket: wire.DataBucket, Description: "input files of staged shoal jobs", Storage: storage, Replicas: j.c.opts.Replicas,
	})
	if err != nil {
		return fmt.Errorf("coordinator: object store %s: %w", wire.DataBucket, err)
	}
	j.objects = make(map[string]string, len(j.ds.Files))
	for i, path := range j.ds.Files {
		name := wire.StagedObject(j.id, i)
		fi, err := os.Stat(path)
		if err != nil {
			return fmt.Errorf("%w: staging %s: %v", ErrInput, path, err)
		}
		if info, err := obs.GetInfo(ctx, name); err == nil && info.Size == uint64(fi.Size()) {
			j.objects[path] = name
			continue
		}
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("%w: staging %s: %v", ErrInput, path, err)
		}
		_, err = obs.Put(ctx, jetstream.ObjectMeta{Name: name, Description: path}, f)
		f.Close()
		if err != nil {
			return fmt.Errorf("coordinator: staging %s as %s/%s: %w", path, wire.DataBucket, name, err)
		}
		j.objects[path] = name
		j.c.log.Info("staged input file", "job", j.id, "file", path, "object", name, "bytes", fi.Size())
	}
	return nil
}

// unstage deletes the job's staged files.
func (c *Coordinator) unstage(ctx context.Context, job string, files int) {
	obs, err := c.js.ObjectStore(ctx, wire.DataBucket)
	if err != nil {
		c.log.Warn("removing staged files", "job", job, "err", err)
		return
	}
	for i := range files {
		if err := obs.Delete(ctx, wire.StagedObject(job, i)); err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
			c.log.Warn("removing a staged file", "job", job, "object", wire.StagedObject(job, i), "err", err)
		}
	}
}
