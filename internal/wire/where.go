package wire

import (
	"fmt"
	"slices"
	"strings"
)

// ParseWhere reads one --where flag, key=value or key=v1,v2 (the file's
// partition value is one of them), into where. A key given in two flags
// is an error: list its values in one.
func ParseWhere(where map[string][]string, flag string) error {
	key, vals, ok := strings.Cut(flag, "=")
	if !ok {
		return fmt.Errorf("%w: --where %q: want key=value or key=value1,value2", ErrJobSpec, flag)
	}
	key = strings.TrimSpace(key)
	if _, dup := where[key]; dup {
		return fmt.Errorf("%w: --where names %q twice; give its values in one flag, %s=v1,v2", ErrJobSpec, key, key)
	}
	list := strings.Split(vals, ",")
	for i := range list {
		list[i] = strings.TrimSpace(list[i])
	}
	if err := checkWhereKey(key, list); err != nil {
		return err
	}
	where[key] = list
	return nil
}

// checkWhere validates a spec's where filter (see JobSpec.Where).
func checkWhere(where map[string][]string) error {
	keys := make([]string, 0, len(where))
	for k := range where {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := checkWhereKey(k, where[k]); err != nil {
			return err
		}
	}
	return nil
}

func checkWhereKey(key string, vals []string) error {
	if key == "" || strings.ContainsAny(key, "=/\\") {
		return fmt.Errorf("%w: --where key %q: want the name before \"=\" of a partition directory", ErrJobSpec, key)
	}
	if len(vals) == 0 {
		return fmt.Errorf("%w: --where %s has no value", ErrJobSpec, key)
	}
	for _, v := range vals {
		if v == "" || strings.ContainsAny(v, "/\\") {
			return fmt.Errorf("%w: --where %s=%q: want a directory's value, not empty (a null partition is __HIVE_DEFAULT_PARTITION__)", ErrJobSpec, key, v)
		}
	}
	return nil
}
