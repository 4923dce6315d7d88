package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"syscall"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/shoal-io/shoal/internal/blobfs"
	"github.com/shoal-io/shoal/worker"
)

func newWorkerCommand(stderr io.Writer) *cobra.Command {
	var (
		nf          natsFlags
		n           int
		cacheBytes  int64
		memory      memoryFlag
		parallelism int
		metricsAddr string
		name        string
	)
	cmd := &cobra.Command{
		Use:   "worker --nats URL",
		Short: "Run workers that take tasks from a NATS server",
		Long: `Run --concurrency workers that pull tasks from the shoal work queue on the NATS
server at --nats, read the shards the tasks name (the input paths must be
readable here under the same names) and publish results. Workers wait for a
coordinator to create the queue. On SIGINT or SIGTERM they take no new task,
finish and report the task at hand, and exit; a second signal makes them
abandon it (it goes to another worker) and exit at once.`,
		Example: "  shoal worker --nats nats://127.0.0.1:4222 --concurrency 2",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if nf.url == "" {
				return usagef("--nats is required")
			}
			log, err := newLogger(cmd, stderr)
			if err != nil {
				return err
			}
			// The first signal drains the workers; the second cancels ctx,
			// which abandons the tasks at hand.
			ctx, abandon := context.WithCancel(context.WithoutCancel(cmd.Context()))
			defer abandon()
			sigs := make(chan os.Signal, 2)
			signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
			defer signal.Stop(sigs)
			var workers []*worker.Worker
			var metrics *worker.Metrics
			if metricsAddr != "" {
				reg, stop := serveMetrics(metricsAddr, log)
				defer stop()
				metrics = worker.NewMetrics(reg)
			}
			plan := planMemory(memory.bytes)
			plan.apply(cmd.Flags().Changed("memory"), os.Getenv)
			if cacheBytes > 0 {
				plan.Blocks = cacheBytes
			}
			cache, nearest := blockCache(plan.Blocks, os.Getenv), worker.NewNearestCache(plan.Nearest)
			staged := worker.NewStagedFiles("", 0)
			defer staged.Close()
			cores := worker.NewCores(runtime.NumCPU(), n)
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for i := range n {
				nc, err := nf.connect(fmt.Sprintf("shoal-worker-%d", i))
				if err != nil {
					return err
				}
				defer nc.Close()
				wname := name
				if wname != "" && n > 1 {
					wname = fmt.Sprintf("%s-%d", name, i)
				}
				w, err := worker.New(nc, worker.Options{Name: wname, Cache: cache, Nearest: nearest, Staged: staged, Parallelism: parallelism, Cores: cores, Logger: log, Metrics: metrics})
				if err != nil {
					return err
				}
				workers = append(workers, w)
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := w.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
						errs <- err
					}
				}()
			}
			log.Info("workers started", "nats", redactURL(nf.url), "concurrency", n, "memory", humanize.IBytes(uint64(plan.Limit)))
			done := make(chan struct{})
			go func() {
				wg.Wait()
				close(done)
			}()
			stopOnSignals(cmd.Context(), sigs, done, workers, abandon, log)
			<-done
			if n := blobfs.BytesRead(); n > 0 {
				log.Info("object storage read", "bytes", n)
			}
			close(errs)
			return <-errs
		},
	}
	f := cmd.Flags()
	nf.register(f)
	f.IntVarP(&n, "concurrency", "c", runtime.NumCPU(), "workers in this process, one task each at a time")
	f.Var(&memory, "memory", memoryFlagUsage)
	f.Int64Var(&cacheBytes, "cache-bytes", 0, "bytes of decoded shards kept between rounds (default half of --memory)")
	f.IntVar(&parallelism, "parallelism", runtime.NumCPU(), "goroutines one task may use (dissimilarity matrix builds, shard sums), within its share of the cores that --concurrency workers divide")
	f.StringVar(&metricsAddr, "metrics-addr", "", "serve Prometheus metrics on this address (e.g. 127.0.0.1:9102)")
	f.StringVar(&name, "name", "", "worker name in results and logs (default host-pid-n)")
	return cmd
}

// stopOnSignals drains the workers on the first SIGINT or SIGTERM (or
// when ctx, the command's context, ends) and abandons their tasks
// (abandon) on the second signal, until done is closed.
// It counts the signals on its own channel: the command's context ends
// on the first signal too, but not necessarily before sigs receives it.
func stopOnSignals(ctx context.Context, sigs <-chan os.Signal, done <-chan struct{}, workers []*worker.Worker, abandon func(), log *slog.Logger) {
	select {
	case <-done:
		return
	case <-sigs:
	case <-ctx.Done(): // the caller stopped the command, as a signal would
	}
	log.Info("stopping: finishing the tasks at hand; signal again to abandon them")
	for _, w := range workers {
		w.Drain()
	}
	select {
	case <-done:
	case <-sigs:
		log.Info("abandoning the tasks at hand")
		abandon()
	}
}
