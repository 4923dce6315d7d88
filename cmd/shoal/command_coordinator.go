package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/shoal-io/shoal/coordinator"
	"github.com/shoal-io/shoal/storage"
)

func newCoordinatorCommand(stderr io.Writer) *cobra.Command {
	var (
		nf          natsFlags
		dataDir     string
		metricsAddr string
		ackWait     time.Duration
		maxDeliver  int
		check       bool
	)
	cmd := &cobra.Command{
		Use:   "coordinator --nats URL --data-dir DIR",
		Short: "Run the coordinator as a service that accepts jobs over NATS",
		Long: `Run the coordinator as a long-lived service. It answers the job API on NATS
(subjects shoal.v1.api.{submit,status,list,cancel,result}; see 'shoal submit'),
keeps every job, its state changes, checkpoints and model in DIR/shoal.db, and
dispatches tasks through a JetStream work queue stored on disk. Jobs that were
running when it stopped resume from their last checkpoint when it starts
again on the same --data-dir.

Input and output paths in jobs are opened by the coordinator (outputs) and
the workers (inputs) under the same names: share a filesystem or volume.`,
		Example: "  shoal coordinator --nats nats://127.0.0.1:4222 --data-dir /var/lib/shoal",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dataDir == "" {
				return usagef("--data-dir is required")
			}
			log, err := newLogger(cmd, stderr)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(dataDir, 0o755); err != nil {
				return err
			}
			store, err := storage.Open(filepath.Join(dataDir, "shoal.db"), storage.Options{})
			if err != nil {
				return err
			}
			defer store.Close()
			if check {
				return store.Check()
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
				Store: store, Logger: log, AckWait: ackWait, MaxDeliver: maxDeliver, Metrics: metrics,
			})
			if err != nil {
				return err
			}
			log.Info("coordinator ready", "nats", redactURL(nf.url), "data_dir", dataDir)
			fmt.Fprintf(stderr, "shoal coordinator ready on %s\n", redactURL(nf.url))
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
	f.BoolVar(&check, "check", false, "check the job catalog's consistency and exit")
	return cmd
}
