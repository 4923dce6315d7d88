package wire

import (
	"fmt"
	"math"
	"slices"
)

// KindLevels returns (Result.Levels) the distinct values of each nominal
// feature column (Data.Nominal) over the rows the job keeps, sorted, so
// that the coordinator can merge them into one dictionary per column
// whose codes do not depend on the workers; and (Result.Moments) the
// summary of every column as read, whose minimum and maximum give a
// numeric column's range.
const KindLevels Kind = "levels"

// MaxLevels bounds the distinct values of one nominal column: a Gower
// job refuses a column with more (a free-text or identifier column is
// not a category), and a levels result never carries more.
const MaxLevels = 1 << 16

// MaxLevelBytes bounds the dictionaries of a job, all nominal columns
// together (each value counted with 3 bytes of JSON around it), so that
// every task, which carries them, stays well inside a 1 MiB message.
const MaxLevelBytes = 256 << 10

// LevelBytes is what levels count against MaxLevelBytes.
func LevelBytes(levels [][]string) int {
	n := 0
	for _, col := range levels {
		for _, v := range col {
			n += len(v) + 3
		}
	}
	return n
}

// LevelBytesError describes levels over MaxLevelBytes, naming the column
// that takes the most.
func LevelBytesError(columns []string, levels [][]string) string {
	big, most := 0, -1
	for j := range levels {
		if n := LevelBytes(levels[j : j+1]); n > most {
			big, most = j, n
		}
	}
	return fmt.Sprintf("column %q has %d distinct values (%d bytes), and the nominal columns' distinct values may take %d bytes in all; leave an identifier or free-text column out with --exclude",
		columns[big], len(levels[big]), most, MaxLevelBytes)
}

// checkMixed checks the Gower and Jaccard parts of a task's data:
// Nominal, Levels and Ranges of one entry per column; levels only for
// nominal columns, sorted and distinct; ranges finite and not negative.
func (t *Task) checkMixed() error {
	d := t.Data
	n := len(d.Columns)
	if (d.Nominal != nil && len(d.Nominal) != n) || (d.Levels != nil && len(d.Levels) != n) || (d.Ranges != nil && len(d.Ranges) != n) {
		return fmt.Errorf("%w: %d nominal flags, %d level lists and %d ranges for %d columns", ErrDecode, len(d.Nominal), len(d.Levels), len(d.Ranges), n)
	}
	if d.Levels != nil && (d.Nominal == nil || LevelBytes(d.Levels) > MaxLevelBytes) {
		return fmt.Errorf("%w: levels without nominal columns, or more than %d bytes of them", ErrDecode, MaxLevelBytes)
	}
	for j, lv := range d.Levels {
		if (len(lv) > 0 && !d.Nominal[j]) || len(lv) > MaxLevels || !slices.IsSorted(lv) || len(slices.Compact(slices.Clone(lv))) != len(lv) {
			return fmt.Errorf("%w: levels of column %q: %d values, not sorted and distinct or not nominal", ErrDecode, d.Columns[j], len(lv))
		}
	}
	for j, r := range d.Ranges {
		if r == AsymmetricBinary && d.Nominal != nil && d.Nominal[j] && slices.Equal(d.Levels[j], []string{"false", "true"}) {
			continue
		}
		if !(r >= 0) || math.IsInf(r, 0) {
			return fmt.Errorf("%w: range %v (want finite and not negative, or %v for a boolean column)", ErrDecode, r, AsymmetricBinary)
		}
	}
	return nil
}

// AsymmetricBinary is the range that marks a boolean column under Gower
// as asymmetric binary, as R's daisy treats logical columns: levels
// false and true, codes 0 and 1, and a pair of falses left out of the
// pair's mean (see algo.Gower).
const AsymmetricBinary = -1.0

// MixedMetric reports whether metric is one of the mixed-data
// dissimilarities: Gower reads nominal columns and range-scales the
// numeric ones; Jaccard reads binary columns (non-zero is "on").
func MixedMetric(metric string) bool { return metric == "gower" || metric == "jaccard" }

// checkMixedSpec refuses what Gower and Jaccard cannot do: k-means
// (which needs means of coordinates), feature scaling (Gower scales by
// the ranges itself, and a 0/1 column scaled is no longer binary), and
// a precomputed matrix.
func (s *JobSpec) checkMixedSpec() error {
	if !MixedMetric(s.Metric) {
		return nil
	}
	switch {
	case !s.IsMedoid():
		return fmt.Errorf("%w: metric %s needs a k-medoids algorithm (pam, fasterpam, alternating, clara, fastclara, ...): k-means averages coordinates, which categories do not have", ErrJobSpec, s.Metric)
	case s.Scale != "":
		return fmt.Errorf("%w: --scale does not apply to metric %s: %s", ErrJobSpec, s.Metric, map[string]string{
			"gower":   "Gower divides each numeric column by its range itself",
			"jaccard": "Jaccard reads each column as on (non-zero) or off, which scaling would change",
		}[s.Metric])
	}
	return nil
}
