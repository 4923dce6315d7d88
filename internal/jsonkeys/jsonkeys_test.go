package jsonkeys

import (
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestIsSnake(t *testing.T) {
	for _, c := range []struct {
		key  string
		want bool
	}{
		{"k", true}, {"rows_dropped", true}, {"medoid_silhouette", true}, {"f0", true}, {"shard_2_rows", true},
		{"", false}, {"Phase", false}, {"rowsDropped", false}, {"rows-dropped", false},
		{"_rows", false}, {"rows_", false}, {"rows__dropped", false}, {"2k", false},
	} {
		if got := IsSnake(c.key); got != c.want {
			t.Errorf("IsSnake(%q) = %v, want %v", c.key, got, c.want)
		}
	}
}

type inner struct {
	Good    int `json:"good_key"`
	Pascal  int
	private int //nolint:unused // not marshalled, not checked
}

type Embedded struct {
	Camel int `json:"camelCase"`
}

type outer struct {
	Embedded
	Name    string            `json:"name"`
	Items   []inner           `json:"items"`
	Nested  *inner            `json:"nested,omitempty"`
	ByName  map[string]inner  `json:"by_name"`
	Skipped struct{ Bad int } `json:"-"`
	When    time.Time         `json:"when"`
}

func TestTypeKeys(t *testing.T) {
	got := TypeKeys(reflect.TypeFor[outer]())
	want := []string{"jsonkeys.outer.items: Pascal", "jsonkeys.outer: camelCase"}
	if !slices.Equal(got, want) {
		t.Fatalf("TypeKeys = %q, want %q", got, want)
	}
}

func TestDocKeys(t *testing.T) {
	doc := []byte(`{"job_id": "a", "progress": {"Phase": "scan"}, "where": {"Year": ["2026"]},
		"jobs": [{"ok": 1, "badKey": 2}]}
		{"second": {"Third": 3}}`)
	got, err := DocKeys(doc, "where")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"$.jobs[]: badKey", "$.progress: Phase", "$.second: Third"}
	if !slices.Equal(got, want) {
		t.Fatalf("DocKeys = %q, want %q", got, want)
	}
	if _, err := DocKeys([]byte(`{"a": `)); err == nil {
		t.Fatal("DocKeys accepted a broken document")
	}
}
