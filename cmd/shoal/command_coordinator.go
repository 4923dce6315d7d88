package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/shoal-io/shoal/coordinator"
	"github.com/shoal-io/shoal/internal/pathguard"
	"github.com/shoal-io/shoal/storage"
)

func newCoordinatorCommand(stderr io.Writer) *cobra.Command {
	var (
		nf          natsFlags
		dataDir     string
		metricsAddr string
		ackWait     time.Duration
		maxDeliver  int
		replicas    int
		check       bool
		allowRead   []string
		allowWrite  []string
	)
	cmd := &cobra.Command{
		Use:   "coordinator --nats URL --data-dir DIR",
		Short: "Run the coordinator as a service that accepts jobs over NATS",
		Long: `Run the coordinator as a long-lived service. It answers the job API on NATS
(subjects shoal.v1.api.{submit,status,list,cancel,result}; see 'shoal submit'),
keeps every job, its state changes, checkpoints and model in DIR/shoal.db, and
dispatches tasks through a JetStream work queue stored on disk. Jobs that were
running when it stopped (SIGINT, SIGTERM or a crash) resume from their last
checkpoint when it starts again on the same --data-dir.

One coordinator serves a NATS account: a second one with another --data-dir
refuses to start while the first runs. The first holds a lease in the
SHOAL_COORDINATOR_V1 key-value bucket, freed when it stops and 15s after it
dies; restarted on its own --data-dir it takes the lease over at once.

Input and output paths in jobs are opened by the coordinator (outputs) and
the workers (inputs) under the same names: share a filesystem or volume, or
use s3:// URLs (see --s3-endpoint; --allow-read s3://bucket/prefix/ too).

On a JetStream cluster, --replicas 3 keeps the task and result streams, the
event stream, the staged-file object store and the lease on three servers,
so a job rides out the loss of one; give workers and coordinator every
server's URL (--nats nats://a:4222,nats://b:4222,nats://c:4222).

Jobs may read only below --allow-read or --allow-write directories and write
only below --allow-write ones (repeat each flag for more). Paths in jobs must
be absolute; they are resolved (.., symbolic links) before the check, and the
data directory is never readable or writable by a job. With no root given,
every job that names a file is refused.`,
		Example: "  shoal coordinator --nats nats://127.0.0.1:4222 --data-dir /var/lib/shoal --allow-read /data/in --allow-write /data/out",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dataDir == "" {
				return usagef("--data-dir is required")
			}
			if replicas < 1 || replicas > 5 {
				return usagef("--replicas must be 1 to 5 (JetStream's limit)")
			}
			log, err := newLogger(cmd, stderr)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(dataDir, 0o755); err != nil {
				return err
			}
			roots, err := pathguard.NewRoots(allowRead, allowWrite, []string{dataDir})
			if err != nil {
				return usageError{err}
			}
			store, err := storage.Open(filepath.Join(dataDir, "shoal.db"), storage.Options{})
			if err != nil {
				return err
			}
			defer store.Close()
			if check {
				return store.Check()
			}
			owner, err := dataDirOwner(dataDir)
			if err != nil {
				return err
			}
			nc, err := nf.connect("shoal-coordinator")
			if err != nil {
				return err
			}
			defer nc.Close()
			var metrics *coordinator.Metrics
			if metricsAddr != "" {
				reg, stop := serveMetrics(metricsAddr, log)
				defer stop()
				metrics = coordinator.NewMetrics(reg)
			}
			ctx := cmd.Context()
			svc, err := coordinator.NewService(ctx, nc, coordinator.Options{
				Store: store, Logger: log, AckWait: ackWait, MaxDeliver: maxDeliver, Metrics: metrics, Replicas: replicas,
				Paths: pathguard.Options{Roots: roots, Protected: []string{dataDir}},
				Owner: owner, DataDir: absPath(dataDir), Version: version(),
			})
			if err != nil {
				return err
			}
			log.Info("coordinator ready", "nats", redactURL(nf.url), "data_dir", dataDir)
			fmt.Fprintf(stderr, "shoal coordinator ready on %s; %s\n", redactURL(nf.url), roots)
			<-ctx.Done()
			svc.Stop()
			return nil
		},
	}
	f := cmd.Flags()
	nf.register(f)
	f.StringVar(&dataDir, "data-dir", "", "directory for the job catalog (required)")
	f.StringVar(&metricsAddr, "metrics-addr", "", "serve Prometheus metrics on this address (e.g. 127.0.0.1:9101)")
	f.DurationVar(&ackWait, "ack-wait", 30*time.Second, "a task not acked (or kept alive) this long is given to another worker")
	f.IntVar(&maxDeliver, "max-deliver", 5, "deliveries of one task before its job fails")
	f.IntVar(&replicas, "replicas", 1, "servers of a JetStream cluster that keep each stream, the object store and the lease (3 rides out the loss of one; 1 to 5)")
	f.BoolVar(&check, "check", false, "check the job catalog's consistency and exit")
	f.StringArrayVar(&allowRead, "allow-read", nil, "a directory jobs may read below (repeatable)")
	f.StringArrayVar(&allowWrite, "allow-write", nil, "a directory jobs may write (and read) below (repeatable)")
	return cmd
}
