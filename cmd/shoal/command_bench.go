package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/partition"
)

func newBenchCommand(stdout io.Writer) *cobra.Command {
	bench := &cobra.Command{
		Use:   "bench",
		Short: "Time shoal's kernels in this process, for comparison with other tools",
		Long: `Time the algorithms and kernels without NATS or workers, so they can be set
beside other implementations on the same data (see bench/ for scripts that run
R's cluster package and scikit-learn on the same files). Every line reports the
loss beside the time: the fastest method is not the best if it finds worse
medoids.`,
	}
	bench.AddCommand(newBenchKMedoidsCommand(stdout), newBenchAssignCommand(stdout))
	return bench
}

func newBenchKMedoidsCommand(stdout io.Writer) *cobra.Command {
	var (
		input, algos, initName, metric string
		columns, exclude               []string
		k, maxIter, parallelism        int
		seed                           uint64
	)
	cmd := &cobra.Command{
		Use:   "kmedoids --input FILE --k K [--algo fasterpam,fastpam1,pam]",
		Short: "Time the dissimilarity matrix, the initialisation and each SWAP",
		Long: `Read FILE, build the dissimilarity matrix (float32, blocked, --parallelism
goroutines), choose the initial medoids once (--init, default build: the same
start as R's pam(); BUILD also uses --parallelism goroutines), then run each
algorithm of --algo from that start and print its time, loss (total
deviation), passes and swaps, and the whole job's split: matrix + start +
swaps. FasterPAM evaluates candidates on --parallelism goroutines and makes
the same swaps for every value; the others run on one.`,
		Example: "  shoal bench kmedoids --input points.csv --k 100 --algo fasterpam,fastpam1",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if input == "" || k < 1 {
				return usagef("--input and --k are required")
			}
			ds, err := partition.Scan([]string{input}, partition.Options{Columns: columns, Exclude: exclude})
			if err != nil {
				return err
			}
			block, err := partition.ReadAll(ds, partition.NullsError)
			if err != nil {
				return err
			}
			m, err := algo.ParseMetric(metric)
			if err != nil {
				return usageError{err}
			}
			in, err := algo.ParseInit(initName)
			if err != nil {
				return usageError{err}
			}
			n := block.Len()
			v, err := algo.NewVectors(block.Data, n, block.D, m)
			if err != nil {
				return err
			}
			t0 := time.Now()
			diss, err := algo.BuildLowerTriangle(v, parallelism)
			if err != nil {
				return err
			}
			build := time.Since(t0)
			pairs := float64(n) * float64(n-1) / 2
			fmt.Fprintf(stdout, "data      %s: n=%d d=%d k=%d metric=%s\n", input, n, block.D, k, m)
			fmt.Fprintf(stdout, "matrix    %.3fs  %.2f ns/pair  %.2f GB/s written (%d goroutines)\n",
				build.Seconds(), float64(build.Nanoseconds())/pairs, pairs*4/build.Seconds()/1e9, parallelism)
			t0 = time.Now()
			start, err := algo.InitialMedoidsParallel(cmd.Context(), diss, k, in, algo.NewRand(seed), parallelism)
			if err != nil {
				return err
			}
			initTime := time.Since(t0)
			startLoss, _ := algo.TotalDeviation(diss, start)
			fmt.Fprintf(stdout, "init      %.3fs  %s  loss %.6f\n", initTime.Seconds(), in, startLoss)
			for _, name := range strings.Split(algos, ",") {
				run := map[string]func(algo.Dissimilarity, []int, int) (*algo.KMedoidsResult, error){
					"pam": algo.PAMSwap, "fastpam1": algo.FastPAM1, "alternating": algo.Alternating,
					"fasterpam": func(d algo.Dissimilarity, start []int, maxIter int) (*algo.KMedoidsResult, error) {
						return algo.FasterPAMParallel(cmd.Context(), d, start, maxIter, parallelism)
					},
				}[name]
				if run == nil {
					return usagef("--algo: unknown %q (pam, fastpam1, fasterpam, alternating)", name)
				}
				t0 = time.Now()
				r, err := run(diss, start, maxIter)
				if err != nil {
					return err
				}
				el := time.Since(t0)
				fmt.Fprintf(stdout, "%-9s %.3fs  loss %.6f  passes %d  swaps %d  (%.2f ns×n² per pass)\n", name, el.Seconds(), r.Loss,
					r.Iterations, r.Swaps, float64(el.Nanoseconds())/float64(max(r.Iterations, 1))/float64(n)/float64(n))
				fmt.Fprintf(stdout, "total     %.3fs  = matrix %.3f + %s %.3f + %s %.3f  loss %.6f\n",
					(build + initTime + el).Seconds(), build.Seconds(), in, initTime.Seconds(), name, el.Seconds(), r.Loss)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&input, "input", "i", "", "input file")
	markPaths(f, "in", "input")
	f.StringSliceVar(&columns, "columns", nil, "feature columns (default: all numeric)")
	f.StringSliceVar(&exclude, "exclude", nil, "columns to leave out")
	f.IntVarP(&k, "k", "k", 0, "number of medoids")
	f.StringVarP(&algos, "algo", "a", "fasterpam", "comma-separated algorithms to time from the same start")
	f.StringVar(&initName, "init", "build", "initialisation: build, lab, random, kmeans++")
	f.StringVar(&metric, "metric", "euclidean", "euclidean, sqeuclidean, manhattan or cosine")
	f.IntVar(&maxIter, "max-iter", 1<<20, "SWAP pass bound")
	f.IntVar(&parallelism, "parallelism", runtime.NumCPU(), "goroutines for the matrix, BUILD and FasterPAM")
	f.Uint64Var(&seed, "seed", 1, "seed for randomised initialisations")
	return cmd
}

func newBenchAssignCommand(stdout io.Writer) *cobra.Command {
	var n, d, k, repeat int
	cmd := &cobra.Command{
		Use:   "assign [--n N --d D --k K]",
		Short: "Measure the nearest-centre kernel in GFLOP/s on one goroutine",
		Long: `Assign N random rows of D float32 features to K random centres with the
kernel the workers use (‖x‖² + ‖c‖² − 2x·c as a blocked product: AVX2/FMA
assembly where the CPU has it, gonum's BLAS otherwise or with -tags purego),
on one goroutine, and report GFLOP/s counting 2·N·K·D flops per pass and the
kernel's name. Compare with numpy's float32 matrix product of the same shape
(bench/numpy_gemm.py).`,
		Example: "  shoal bench assign --n 1000000 --d 32 --k 100",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if n < 1 || d < 1 || k < 1 || repeat < 1 {
				return usagef("--n, --d, --k and --repeat must be positive")
			}
			rng := algo.NewRand(1)
			x := make([]float32, n*d)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			c := x[: k*d : k*d]
			a := algo.NewAssigner(k, d)
			if err := a.SetCentres(c); err != nil {
				return err
			}
			labels := make([]int32, n)
			dist := make([]float32, n)
			best := time.Duration(1 << 62)
			for range repeat {
				t0 := time.Now()
				if err := a.Assign(x, n, labels, dist); err != nil {
					return err
				}
				best = min(best, time.Since(t0))
			}
			flops := 2 * float64(n) * float64(k) * float64(d)
			fmt.Fprintf(stdout, "assign n=%d d=%d k=%d: best of %d %.4fs, %.2f GFLOP/s on one goroutine (kernel %s)\n",
				n, d, k, repeat, best.Seconds(), flops/best.Seconds()/1e9, algo.AssignKernel())
			return nil
		},
	}
	cmd.Flags().IntVar(&n, "n", 1_000_000, "rows")
	cmd.Flags().IntVar(&d, "d", 32, "features")
	cmd.Flags().IntVar(&k, "k", 100, "centres")
	cmd.Flags().IntVar(&repeat, "repeat", 5, "passes; the best is reported")
	return cmd
}
