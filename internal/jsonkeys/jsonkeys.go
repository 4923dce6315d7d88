package jsonkeys

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// snake is a lowercase word, or lowercase words joined by underscores.
var snake = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// IsSnake reports whether key is snake_case.
func IsSnake(key string) bool { return snake.MatchString(key) }

// TypeKeys returns, as path: key, every JSON key of a value of t's type
// that is not snake_case. It follows structs, pointers, slices, arrays
// and map values, as encoding/json does (embedded structs are flattened,
// untagged fields keep their Go name, `json:"-"` fields are skipped).
func TypeKeys(t reflect.Type) []string {
	var bad []string
	typeKeys(t, t.String(), map[reflect.Type]bool{}, &bad)
	sort.Strings(bad)
	return bad
}

func typeKeys(t reflect.Type, path string, seen map[reflect.Type]bool, bad *[]string) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] {
		return
	}
	if t.Implements(marshaler) || reflect.PointerTo(t).Implements(marshaler) {
		return // a type with its own encoding (time.Time) is checked by its document
	}
	seen[t] = true
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() && !f.Anonymous {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			typeKeys(f.Type, path, seen, bad)
			continue
		}
		if name == "" {
			name = f.Name
		}
		if !IsSnake(name) {
			*bad = append(*bad, fmt.Sprintf("%s: %s", path, name))
		}
		typeKeys(f.Type, path+"."+name, seen, bad)
	}
}

var marshaler = reflect.TypeFor[json.Marshaler]()

// DocKeys returns, as path: key, every object key of the JSON documents
// in doc (one, or several one after another, as JSON lines) that is not
// snake_case. The values of the keys named in data are maps of data and
// are not looked into.
func DocKeys(doc []byte, data ...string) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	var bad []string
	for dec.More() {
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("jsonkeys: not JSON: %w", err)
		}
		docKeys(v, "$", data, &bad)
	}
	sort.Strings(bad)
	return bad, nil
}

func docKeys(v any, path string, data []string, bad *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if !IsSnake(k) {
				*bad = append(*bad, fmt.Sprintf("%s: %s", path, k))
			}
			if slices.Contains(data, k) {
				continue
			}
			docKeys(x, path+"."+k, data, bad)
		}
	case []any:
		for _, x := range v {
			docKeys(x, path+"[]", data, bad)
		}
	}
}
