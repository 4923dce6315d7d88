package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/shoal-io/shoal/partition"
)

func newGenCommand(stdout io.Writer) *cobra.Command {
	gen := &cobra.Command{
		Use:   "gen",
		Short: "Generate datasets for trying and benchmarking shoal",
	}
	var cfg partition.BlobsConfig
	var out string
	blobs := &cobra.Command{
		Use:   "blobs --n N --d D --k K --out FILE",
		Short: "Isotropic Gaussian blobs with a ground-truth label column",
		Long: `Write N rows of K isotropic Gaussian blobs in D dimensions: features f0..f{D-1}
as float32 and the generating blob as an int32 column "label". Centres are
uniform in [-box, box]^D (scikit-learn's make_blobs uses box 10, std 1). The
format follows the extension: .parquet, .arrow (IPC file), .arrows (IPC
stream) or .csv. The same seed gives the same data.`,
		Example: "  shoal gen blobs --n 200000 --d 8 --k 10 --seed 7 --out blobs.parquet",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usagef("--out is required")
			}
			if err := checkGen(out, cfg); err != nil {
				return err
			}
			b, err := partition.GenerateBlobs(out, cfg)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "wrote %s: %d rows, %d features, %d blobs\n", out, cfg.N, cfg.D, len(b.Centres))
			return nil
		},
	}
	f := blobs.Flags()
	f.IntVar(&cfg.N, "n", 100000, "rows")
	f.IntVar(&cfg.D, "d", 8, "features")
	f.IntVar(&cfg.K, "k", 10, "blobs")
	f.Uint64Var(&cfg.Seed, "seed", 1, "random seed")
	f.Float64Var(&cfg.Std, "std", 1, "standard deviation of each blob")
	f.Float64Var(&cfg.Box, "box", 10, "centres are uniform in [-box, box]^d")
	f.IntVar(&cfg.BatchRows, "batch-rows", 65536, "rows per row group, record batch or CSV chunk")
	f.StringVarP(&out, "out", "o", "", "output file (required)")
	markPaths(f, "out", "out")
	gen.AddCommand(blobs)
	return gen
}

// checkGen refuses, before anything is written, a blobs configuration
// that is out of range or that cannot be held: in memory, or on the disk
// that out is on. Every refusal is a usage error.
func checkGen(out string, cfg partition.BlobsConfig) error {
	switch {
	case cfg.N < 1 || cfg.D < 1 || cfg.K < 1:
		return usagef("--n, --d and --k must be at least 1 (got %d, %d, %d)", cfg.N, cfg.D, cfg.K)
	case !(cfg.Std > 0) || math.IsInf(cfg.Std, 0):
		return usagef("--std must be a positive finite number, got %g", cfg.Std)
	case !(cfg.Box >= 0) || math.IsInf(cfg.Box, 0):
		return usagef("--box must be a finite number ≥ 0, got %g", cfg.Box)
	case cfg.BatchRows < 1:
		return usagef("--batch-rows must be at least 1, got %d", cfg.BatchRows)
	}
	size, err := cfg.Check(out)
	if err != nil {
		if errors.Is(err, partition.ErrInvalidArgument) || errors.Is(err, partition.ErrUnknownFormat) {
			return usageError{err}
		}
		return err
	}
	dir := filepath.Dir(out)
	if free, ok := freeBytes(dir); ok && size > free {
		return usagef("%s: %d rows of %d features take about %.1f GiB, and %s has %.1f GiB free; lower --n or --d",
			out, cfg.N, cfg.D, float64(size)/(1<<30), dir, float64(free)/(1<<30))
	}
	return nil
}
