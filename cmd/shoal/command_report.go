package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/algo/validity"
	"github.com/shoal-io/shoal/internal/report"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// reportFlags are the flags of shoal report.
type reportFlags struct {
	model, labels, selection, out string
	inputs                        []string
	sample                        int
	seed                          uint64
}

func newReportCommand(stdout io.Writer) *cobra.Command {
	var f reportFlags
	cmd := &cobra.Command{
		Use:   "report --model MODEL [--labels LABELS --input DATA] [--selection SEL] --out DIR",
		Short: "Draw plots of a model and its labels into an HTML page to look at",
		Long: `Write PNG plots and an index.html that shows them with the model's numbers,
into the directory --out (created if missing; files of its own are replaced
together, nothing else there is touched). Open DIR/index.html in a browser.

  sizes.png       rows per cluster (from --labels when given, else the model)
  silhouette.png  the silhouette plot of a seeded sample of labelled rows:
                  per cluster, the rows' widths s(i) sorted, the widest on
                  top (needs --labels and --input)
  projection.png  the same sample on its first two principal axes, coloured
                  by cluster, with the model's centres or medoids marked
                  (needs --labels and --input)
  k.png           loss and silhouette against k, the chosen k marked (needs
                  --selection, the selection report of a k sweep)

With --labels and --input the page also gives the silhouette (exact on the
sample, in the model's metric), and over every labelled row the
Calinski–Harabasz and Davies–Bouldin indices and, for k-medoids, the medoid
silhouette. The input is read in the model's columns, shard by shard; the
labels are matched to its rows by their row column, as 'shoal eval' does.

The selection report is JSON with snake_case keys:
  {"rule": "max_silhouette", "chosen_k": 3, "sample_size": 2000, "seed": 1,
   "scores": [{"k": 2, "loss": 812.5, "silhouette": 0.61,
               "medoid_silhouette": 0.7, "calinski_harabasz": 950.2,
               "davies_bouldin": 0.55}, ...]}
medoid_silhouette is present for k-medoids only; scores are in increasing k;
rule is max_silhouette (the default rule: highest silhouette, ties to the
smaller k), max_medoid_silhouette, max_calinski_harabasz or
min_davies_bouldin, and chosen_k must be the k the rule picks.`,
		Example: `  shoal run --input blobs.parquet --exclude label --k 4 --model model.json --out labels.parquet
  shoal report --model model.json --labels labels.parquet --input blobs.parquet --out report/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.model == "" || f.out == "" {
				return usagef("--model and --out are required")
			}
			if (f.labels == "") != (len(f.inputs) == 0) {
				return usagef("--labels and --input go together: the plots of rows need both")
			}
			if f.sample < 2 {
				return usagef("--sample must be at least 2, got %d", f.sample)
			}
			if st, err := os.Stat(f.out); err == nil && !st.IsDir() {
				return usagef("--out %s is a file; name a directory for the report", f.out)
			}
			in, err := gatherReport(f)
			if err != nil {
				return err
			}
			names, err := report.Write(f.out, *in)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "wrote %s (%s)\n", filepath.Join(f.out, report.IndexFile), strings.Join(names[:len(names)-1], ", "))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.model, "model", "", "model file written by shoal run --model or shoal result --model (required)")
	fl.StringVar(&f.labels, "labels", "", "labels file of the model (row, cluster), as shoal run --out writes it; needs --input")
	fl.StringSliceVarP(&f.inputs, "input", "i", nil, "the data the labels belong to (file, directory or quoted glob), read in the model's columns")
	fl.StringVar(&f.selection, "selection", "", "selection report of a k sweep (JSON), for the plot against k")
	fl.StringVarP(&f.out, "out", "o", "", "directory to write index.html and the plots into (required)")
	fl.IntVar(&f.sample, "sample", 2000, "rows in the seeded sample of the silhouette plot and the projection (the silhouette costs sample² distances)")
	fl.Uint64Var(&f.seed, "seed", 1, "seed that draws the sample")
	markPaths(fl, "in", "model", "labels", "input", "selection")
	markPaths(fl, "out", "out")
	return cmd
}

// gatherReport reads the files the flags name and computes what the
// report shows. Every error names the file at fault.
func gatherReport(f reportFlags) (*report.Input, error) {
	m, err := readReportModel(f.model)
	if err != nil {
		return nil, err
	}
	in := &report.Input{Model: m, ModelPath: f.model}
	if m.Scaler != nil {
		// The rows, indices and projection are drawn in the space the
		// model clustered: the scaled features and scaled centres.
		scaled := *m
		if err := m.Scaler.Check(len(m.Columns)); err != nil {
			return nil, fmt.Errorf("%s: the model's scaler %w", f.model, err)
		}
		if len(m.ScaledCenters) != len(m.Centers) {
			return nil, fmt.Errorf("%s: a scaled model with %d scaled_centers for %d centers", f.model, len(m.ScaledCenters), len(m.Centers))
		}
		scaled.Centers = m.ScaledCenters
		in.Model = &scaled
	}
	if f.selection != "" {
		if in.Selection, err = readSelection(f.selection); err != nil {
			return nil, err
		}
		in.SelectionPath = f.selection
	}
	if f.labels != "" {
		if err := gatherRows(f, in); err != nil {
			return nil, err
		}
	}
	return in, nil
}

// readReportModel reads and checks a model file.
func readReportModel(path string) (*wire.Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m wire.Model
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: not a model file: %w", path, err)
	}
	if m.K < 1 {
		return nil, fmt.Errorf("%s: not a model file: k=%d", path, m.K)
	}
	if len(m.Centers) != 0 && len(m.Centers) != m.K {
		return nil, fmt.Errorf("%s: %d centers for k=%d", path, len(m.Centers), m.K)
	}
	for c, v := range m.Centers {
		if len(m.Columns) != 0 && len(v) != len(m.Columns) {
			return nil, fmt.Errorf("%s: center %d has %d values for %d columns", path, c, len(v), len(m.Columns))
		}
	}
	if m.ClusterSizes != nil && len(m.ClusterSizes) != m.K {
		return nil, fmt.Errorf("%s: %d cluster_sizes for k=%d", path, len(m.ClusterSizes), m.K)
	}
	if m.Metric != "" {
		if _, err := algo.ParseMetric(m.Metric); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return &m, nil
}

// readSelection reads a selection report, refusing unknown keys (a typo
// would otherwise drop a column silently) and an inconsistent choice.
func readSelection(path string) (*validity.Selection, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var s validity.Selection
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%s: not a selection report: %w", path, err)
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &s, nil
}

// gatherRows reads the labels and two passes over the input: the first
// collects the sample and the cluster sums, the second the spread around
// the centroids; then it computes the indices.
func gatherRows(f reportFlags, in *report.Input) error {
	m := in.Model
	if len(m.Columns) == 0 {
		return fmt.Errorf("%s: the model names no columns (a precomputed dissimilarity?), so its rows cannot be read from --input", f.model)
	}
	metric := algo.Euclidean
	if m.Metric != "" {
		metric, _ = algo.ParseMetric(m.Metric)
	}
	if metric == algo.Gower {
		return fmt.Errorf("%s: metric gower: report does not compute indices over mixed data (its ranges and text columns) yet", f.model)
	}
	clusters, err := partition.ReadIntColumn([]string{f.labels}, "cluster")
	if err != nil {
		return err
	}
	rows, err := partition.ReadIntColumn([]string{f.labels}, "row")
	if err != nil {
		return err
	}
	if len(rows) != len(clusters) || len(rows) == 0 {
		return fmt.Errorf("%s: %d rows and %d clusters; want a labels file with a row for each", f.labels, len(rows), len(clusters))
	}
	ds, err := partition.Scan(f.inputs, partition.Options{Columns: m.Columns})
	if err != nil {
		return err
	}
	label := make([]int32, ds.Rows)
	for i := range label {
		label[i] = -1
	}
	sizes := make([]int64, m.K)
	for i, c := range clusters {
		r := rows[i]
		switch {
		case c < 0 || c >= int64(m.K):
			return fmt.Errorf("%s: row %d has cluster %d, but the model %s has k=%d", f.labels, r, c, f.model, m.K)
		case r < 0 || r >= ds.Rows:
			return fmt.Errorf("%s: row %d is outside the %d rows of %s", f.labels, r, ds.Rows, strings.Join(f.inputs, ","))
		case label[r] >= 0:
			return fmt.Errorf("%s: row %d is labelled twice", f.labels, r)
		}
		label[r] = int32(c)
		sizes[c]++
	}
	in.Sizes, in.SizesFrom = sizes, f.labels
	picked, err := validity.SampleRows(len(rows), f.sample, f.seed)
	if err != nil {
		return err
	}
	slot := make(map[int64]int, len(picked))
	for s, p := range picked {
		slot[rows[p]] = s
	}
	d := len(m.Columns)
	sample := &report.Sample{
		X: make([]float32, len(picked)*d), D: d, Labels: make([]int32, len(picked)),
		Seed: f.seed, Of: int64(len(rows)), Source: f.labels + " and " + strings.Join(f.inputs, ","),
	}
	var centres []float32
	if len(m.MedoidRows) > 0 && len(m.Centers) == m.K {
		for _, c := range m.Centers {
			for _, v := range c {
				centres = append(centres, float32(v))
			}
		}
	}
	sums := validity.NewSums(m.K, d)
	var seen int64
	var msilSum float64
	// pass visits the labelled rows of every shard.
	pass := func(visit func(x []float32, labels []int32, index []int64) error) error {
		for _, sh := range ds.Shards {
			b, err := partition.ReadShard(sh, ds.Columns, "", partition.NullsDrop)
			if err != nil {
				return err
			}
			if sc := m.Scaler; sc != nil {
				scaleRows(b.Data, sc.Center, sc.Scale)
			}
			x, labels, index := keepLabelled(b, label)
			if len(labels) == 0 {
				continue
			}
			if err := visit(x, labels, index); err != nil {
				return err
			}
		}
		return nil
	}
	err = pass(func(x []float32, labels []int32, index []int64) error {
		seen += int64(len(labels))
		for i, g := range index {
			if s, ok := slot[g]; ok {
				copy(sample.X[s*d:(s+1)*d], x[i*d:(i+1)*d])
				sample.Labels[s] = labels[i]
			}
		}
		if centres != nil {
			ms, err := validity.MedoidSilhouette(x, d, centres, metric)
			if err != nil {
				return err
			}
			msilSum += ms * float64(len(labels))
		}
		return sums.Add(x, labels)
	})
	if err != nil {
		return err
	}
	if seen != int64(len(rows)) {
		return fmt.Errorf("%s: %d labelled rows are missing from %s (null values there, or other data than the labels were made from)",
			f.labels, int64(len(rows))-seen, strings.Join(f.inputs, ","))
	}
	spread, err := validity.NewSpread(m.K, d, sums.Means())
	if err != nil {
		return err
	}
	if err := pass(func(x []float32, labels []int32, _ []int64) error { return spread.Add(x, labels) }); err != nil {
		return err
	}
	ix := &report.Indices{Rows: seen, SampleRows: len(picked)}
	if ix.CalinskiHarabasz, err = validity.CalinskiHarabasz(sums, spread); err != nil {
		return fmt.Errorf("%s: %w", f.labels, err)
	}
	if ix.DaviesBouldin, err = validity.DaviesBouldin(sums, spread); err != nil {
		return fmt.Errorf("%s: %w", f.labels, err)
	}
	if centres != nil {
		ms := msilSum / float64(seen)
		ix.MedoidSilhouette = &ms
	}
	data := validity.Data{X: sample.X, D: d, Labels: sample.Labels, K: m.K}
	if sample.Widths, err = validity.SilhouetteSamples(data, metric, runtime.GOMAXPROCS(0)); err != nil {
		if errors.Is(err, validity.ErrClusters) {
			return fmt.Errorf("%s: the sample of %d rows (seed %d) has fewer than 2 clusters or one per row, so it has no silhouette", f.labels, len(picked), f.seed)
		}
		return err
	}
	for _, w := range sample.Widths {
		ix.Silhouette += w
	}
	ix.Silhouette /= float64(len(sample.Widths))
	in.Sample, in.Indices = sample, ix
	return nil
}

// keepLabelled returns the rows of b that have a label, with their labels
// and global indices; b's own slices when every row has one.
func keepLabelled(b *partition.Block, label []int32) (x []float32, labels []int32, index []int64) {
	d := b.D
	labels = make([]int32, 0, b.Len())
	all := true
	for _, g := range b.Index {
		if c := label[g]; c >= 0 {
			labels = append(labels, c)
		} else {
			all = false
		}
	}
	if all {
		return b.Data, labels, b.Index
	}
	x = make([]float32, 0, len(labels)*d)
	index = make([]int64, 0, len(labels))
	for i, g := range b.Index {
		if label[g] >= 0 {
			x = append(x, b.Data[i*d:(i+1)*d]...)
			index = append(index, g)
		}
	}
	return x, labels, index
}

// scaleRows maps rows of len(center) values to (x − center) / scale in
// place, in float64, as the workers scaled them for the fit.
func scaleRows(x []float32, center, scale []float64) {
	d := len(center)
	for i, v := range x {
		j := i % d
		x[i] = float32((float64(v) - center[j]) / scale[j])
	}
}
