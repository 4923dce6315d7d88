package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/partition"
)

func newEvalCommand(stdout io.Writer) *cobra.Command {
	var labels, truth string
	cmd := &cobra.Command{
		Use:   "eval --labels LABELS --truth FILE:COLUMN",
		Short: "Compare a labels file with ground truth (ARI, NMI)",
		Long: `Compare the cluster column of a labels file written by 'shoal run --out'
with a ground-truth column of another file, row by row in input order, and
print the adjusted Rand index (Hubert & Arabie 1985) and the normalised mutual
information (arithmetic-mean normalisation, as scikit-learn). Both are 1 for
identical partitions and near 0 for unrelated ones.`,
		Example: "  shoal eval --labels labels.parquet --truth blobs.parquet:label",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if labels == "" || truth == "" {
				return usagef("--labels and --truth are required")
			}
			i := strings.LastIndex(truth, ":")
			if i <= 0 || i == len(truth)-1 {
				return usagef("--truth must be FILE:COLUMN, got %q", truth)
			}
			ari, nmi, err := compareLabels(labels, truth[:i], truth[i+1:])
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "ARI %.6f\nNMI %.6f\n", ari, nmi)
			return nil
		},
	}
	cmd.Flags().StringVar(&labels, "labels", "", "labels file written by shoal run --out")
	cmd.Flags().StringVar(&truth, "truth", "", "FILE:COLUMN holding the true classes")
	markPaths(cmd.Flags(), "in", "labels", "truth")
	return cmd
}

// compareLabels computes ARI and NMI between a labels file and a truth
// column. Rows the labels file lacks (dropped for nulls) are matched by
// its row column.
func compareLabels(labelsPath, truthPath, column string) (ari, nmi float64, err error) {
	got, err := partition.ReadIntColumn([]string{labelsPath}, "cluster")
	if err != nil {
		return 0, 0, err
	}
	rows, err := partition.ReadIntColumn([]string{labelsPath}, "row")
	if err != nil {
		return 0, 0, err
	}
	want, err := partition.ReadIntColumn([]string{truthPath}, column)
	if err != nil {
		return 0, 0, err
	}
	truth := make([]int64, len(rows))
	for i, r := range rows {
		if r < 0 || r >= int64(len(want)) {
			return 0, 0, fmt.Errorf("%s: row %d is outside the %d rows of %s", labelsPath, r, len(want), truthPath)
		}
		truth[i] = want[r]
	}
	if ari, err = algo.ARI(got, truth); err != nil {
		return 0, 0, err
	}
	if nmi, err = algo.NMI(got, truth); err != nil {
		return 0, 0, err
	}
	return ari, nmi, nil
}
