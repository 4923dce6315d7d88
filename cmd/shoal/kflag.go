package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/shoal-io/shoal/internal/wire"
)

// kFlag is --k: one k ("5"), which goes to the spec's K, or a range
// ("2..20") or list ("2,4,8") of k, which goes to its KRange and makes
// the job a k sweep.
type kFlag struct{ spec *wire.JobSpec }

func (f kFlag) Set(v string) error {
	k, ks, err := parseK(v)
	if err != nil {
		return err
	}
	f.spec.K, f.spec.KRange = k, ks
	return nil
}

func (f kFlag) String() string {
	if f.spec == nil {
		return "0"
	}
	if len(f.spec.KRange) > 0 {
		parts := make([]string, len(f.spec.KRange))
		for i, k := range f.spec.KRange {
			parts[i] = strconv.Itoa(k)
		}
		return strings.Join(parts, ",")
	}
	return strconv.Itoa(f.spec.K)
}

func (f kFlag) Type() string { return "k|lo..hi|k,k,…" }

// parseK reads --k: a single k (k ≥ 1, checked with the job), or a range
// lo..hi (2 ≤ lo < hi) or a list of distinct k ≥ 2 in any order, which
// come back sorted; a range or list holds at most wire.MaxKRange values.
func parseK(v string) (k int, ks []int, err error) {
	atoi := func(s string) (int, error) {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return 0, fmt.Errorf("%q is not a whole number; give one k (5), a range (2..20) or a list (2,4,8)", s)
		}
		return n, nil
	}
	switch {
	case strings.Contains(v, ".."):
		lo, hi, _ := strings.Cut(v, "..")
		a, err := atoi(lo)
		if err != nil {
			return 0, nil, err
		}
		b, err := atoi(hi)
		if err != nil {
			return 0, nil, err
		}
		switch {
		case a < 2:
			return 0, nil, fmt.Errorf("a range of k starts at 2 or more (the indices compare clusterings of at least two clusters), got %s", v)
		case b < a:
			return 0, nil, fmt.Errorf("the range %s runs downwards; write it low to high, %d..%d", v, b, a)
		case b == a:
			return 0, nil, fmt.Errorf("the range %s holds one k; write --k %d", v, a)
		case b-a >= wire.MaxKRange:
			return 0, nil, fmt.Errorf("the range %s holds %d values of k, at most %d; try a list such as %d,%d,%d", v, b-a+1, wire.MaxKRange, a, 2*a, 4*a)
		}
		for k := a; k <= b; k++ {
			ks = append(ks, k)
		}
		return 0, ks, nil
	case strings.Contains(v, ","):
		for _, f := range strings.Split(v, ",") {
			k, err := atoi(f)
			if err != nil {
				return 0, nil, err
			}
			if k < 2 {
				return 0, nil, fmt.Errorf("every k of a list must be at least 2 (the indices compare clusterings of at least two clusters), got %d in %s", k, v)
			}
			if slices.Contains(ks, k) {
				return 0, nil, fmt.Errorf("k=%d appears twice in %s", k, v)
			}
			ks = append(ks, k)
		}
		if len(ks) > wire.MaxKRange {
			return 0, nil, fmt.Errorf("the list %s holds %d values of k, at most %d", v, len(ks), wire.MaxKRange)
		}
		slices.Sort(ks)
		return 0, ks, nil
	}
	k, err = atoi(v)
	return k, nil, err
}

// printSelection writes a k sweep's table: every k's loss and indices,
// the chosen k marked, and the rule that chose it.
func printSelection(w io.Writer, sel *wire.ModelSelection) {
	if sel == nil {
		return
	}
	fmt.Fprintf(w, "  k chosen by %s: %d (silhouette on %d rows, seed %d)\n", sel.Rule, sel.ChosenK, sel.SampleSize, sel.Seed)
	fmt.Fprintf(w, "     %6s  %12s  %10s  %10s  %12s  %10s\n", "k", "loss", "silhouette", "medoid sil", "calinski-h", "davies-b")
	for _, s := range sel.Scores {
		mark := " "
		if s.K == sel.ChosenK {
			mark = "*"
		}
		ms := "-"
		if s.MedoidSilhouette != nil {
			ms = fmt.Sprintf("%.4f", *s.MedoidSilhouette)
		}
		fmt.Fprintf(w, "   %s %6d  %12.6g  %10.4f  %10s  %12.6g  %10.4f\n", mark, s.K, s.Loss, s.Silhouette, ms, s.CalinskiHarabasz, s.DaviesBouldin)
	}
	if sel.Report != "" {
		fmt.Fprintf(w, "  selection %s\n", sel.Report)
	}
}
