package partition

import (
	"fmt"
	"slices"
	"strings"
)

// Where keeps the files of some partitions: a file is kept when, for
// every key, its path has a key=value directory whose value is one of the
// key's values (AND across keys, IN within one). Values are compared as
// text with the directory's unescaped value (a value may be given escaped
// or not: eu%2Fwest and eu/west match the same directory), so 03 does
// not match 3; the
// null value is matched by __HIVE_DEFAULT_PARTITION__. A directory that a
// Where rules out is not entered, so its files are never opened. The nil
// Where keeps every file.
type Where map[string][]string

func (w Where) validate() error {
	for k, vs := range w {
		if k == "" || strings.ContainsAny(k, "=/") {
			return fmt.Errorf("%w: where key %q: a key is a partition directory's name before \"=\"", ErrInvalidOptions, k)
		}
		if len(vs) == 0 {
			return fmt.Errorf("%w: where key %q has no value", ErrInvalidOptions, k)
		}
		for _, v := range vs {
			if v == "" {
				return fmt.Errorf("%w: where key %q has an empty value (a null partition is %s)", ErrInvalidOptions, k, hiveNull)
			}
		}
	}
	return nil
}

// admits reports whether the value pv of key pv.Key may stay.
func (w Where) admits(pv PartitionValue) bool {
	vs, ok := w[pv.Key]
	if !ok {
		return true
	}
	v := pv.Value
	if pv.Null {
		v = hiveNull
	}
	// A value may be given as the directory spells it (eu%2Fwest) or
	// unescaped.
	return slices.ContainsFunc(vs, func(w string) bool { return w == v || unescapeSegment(w) == v })
}

// keeps reports whether a file of the given partition stays: it has
// every key of w, each with an admitted value.
func (w Where) keeps(parts []PartitionValue) bool {
	for k := range w {
		i := slices.IndexFunc(parts, func(p PartitionValue) bool { return p.Key == k })
		if i < 0 || !w.admits(parts[i]) {
			return false
		}
	}
	return true
}

// pruner returns the test that walkInputDir applies to each directory
// name: true for a key=value directory whose value w rules out. It
// records every key it meets in keys.
func (w Where) pruner(keys map[string]bool) func(name string) bool {
	return func(name string) bool {
		pv, ok, err := parseSegment(name)
		if !ok || err != nil {
			return false // an invalid directory is reported when its files are
		}
		keys[pv.Key] = true
		return !w.admits(pv)
	}
}

// checkKeys refuses a where key that no directory under the inputs has.
func (w Where) checkKeys(keys map[string]bool) error {
	for _, k := range slices.Sorted(mapKeys(w)) {
		if keys[k] {
			continue
		}
		have := "there are no key=value directories"
		if len(keys) > 0 {
			have = "the partition keys are " + strings.Join(slices.Sorted(mapKeys(keys)), ", ")
		}
		return fmt.Errorf("%w: --where %s: no directory under the inputs is named %s=...; %s", ErrInvalidOptions, k, k, have)
	}
	return nil
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// String spells w as flags would: year=2026 region=eu,us.
func (w Where) String() string {
	if len(w) == 0 {
		return "(none)"
	}
	parts := make([]string, 0, len(w))
	for _, k := range slices.Sorted(mapKeys(w)) {
		parts = append(parts, k+"="+strings.Join(w[k], ","))
	}
	return strings.Join(parts, " ")
}
