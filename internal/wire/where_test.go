package wire

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseWhere(t *testing.T) {
	for _, c := range []struct {
		flags []string
		want  map[string][]string
		err   string
	}{
		{[]string{"year=2026"}, map[string][]string{"year": {"2026"}}, ""},
		{[]string{"year=2026", "region=eu,us"}, map[string][]string{"year": {"2026"}, "region": {"eu", "us"}}, ""},
		{[]string{" region = eu , us "}, map[string][]string{"region": {"eu", "us"}}, ""},
		{[]string{"d=__HIVE_DEFAULT_PARTITION__"}, map[string][]string{"d": {"__HIVE_DEFAULT_PARTITION__"}}, ""},
		{[]string{"k=a=b"}, map[string][]string{"k": {"a=b"}}, ""},
		{[]string{"year"}, nil, "want key=value"},
		{[]string{"=2026"}, nil, `key ""`},
		{[]string{"year="}, nil, "not empty"},
		{[]string{"year=2025,"}, nil, "not empty"},
		{[]string{"a/b=1"}, nil, `key "a/b"`},
		{[]string{"year=../x"}, nil, "directory's value"},
		{[]string{"year=2025", "year=2026"}, nil, "twice"},
	} {
		got := map[string][]string{}
		var err error
		for _, f := range c.flags {
			if err = ParseWhere(got, f); err != nil {
				break
			}
		}
		if c.err != "" {
			if err == nil || !errors.Is(err, ErrJobSpec) || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want one mentioning %q", c.flags, err, c.err)
			}
			continue
		}
		if err != nil || len(got) != len(c.want) {
			t.Errorf("%q: %v %v, want %v", c.flags, got, err, c.want)
			continue
		}
		for k, v := range c.want {
			if !slices.Equal(got[k], v) {
				t.Errorf("%q: %s = %q, want %q", c.flags, k, got[k], v)
			}
		}
	}
}

func TestNormalizeWhere(t *testing.T) {
	for _, c := range []struct {
		json string
		err  string
	}{
		{`{"year": ["2026"], "region": ["eu", "us"]}`, ""},
		{`{"year": []}`, "no value"},
		{`{"": ["1"]}`, `key ""`},
		{`{"year": [""]}`, "not empty"},
	} {
		spec := JobSpec{Inputs: []string{"lake/"}, K: 2}
		if err := json.Unmarshal([]byte(`{"inputs":["lake/"],"k":2,"where":`+c.json+`}`), &spec); err != nil {
			t.Fatal(err)
		}
		err := spec.Normalize()
		if c.err == "" && err != nil || c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
			t.Errorf("where %s: %v, want %q", c.json, err, c.err)
		}
	}
	// The spec's form: a list of values per key, not a single string.
	var spec JobSpec
	if err := json.Unmarshal([]byte(`{"where": {"year": "2026"}}`), &spec); err == nil {
		t.Errorf("where with a string value accepted: %v", spec.Where)
	}
}

func FuzzParseWhere(f *testing.F) {
	for _, s := range []string{"year=2026", "region=eu,us", "=", "a", "k=,", "k=a=b", " k = v "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, flag string) {
		where := map[string][]string{}
		if err := ParseWhere(where, flag); err != nil {
			if len(where) != 0 {
				t.Fatalf("%q: error %v but where %v", flag, err, where)
			}
			return
		}
		if len(where) != 1 {
			t.Fatalf("%q: %v", flag, where)
		}
		if err := checkWhere(where); err != nil {
			t.Fatalf("%q: parsed %v fails its own check: %v", flag, where, err)
		}
		for k, vs := range where {
			if k == "" || strings.Contains(k, "=") || len(vs) == 0 || slices.Contains(vs, "") {
				t.Fatalf("%q: %q = %q", flag, k, vs)
			}
		}
		// A second flag for the same key is refused.
		for k := range where {
			if err := ParseWhere(where, k+"=x"); err == nil {
				t.Fatalf("%q: key %q accepted twice", flag, k)
			}
		}
	})
}
