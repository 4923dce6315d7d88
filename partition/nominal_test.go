package partition

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestNominalWarpbreaks scans R's warpbreaks with nominal columns, finds
// the levels of wool and tension and reads their codes: the index of
// each value among the sorted levels, checked against the file's text.
func TestNominalWarpbreaks(t *testing.T) {
	path := filepath.Join("..", "algo", "testdata", "gower", "warpbreaks.csv")
	if _, err := Scan([]string{path}, Options{}); err != nil {
		t.Fatal(err) // numeric only: breaks
	}
	ds, err := Scan([]string{path}, Options{Nominal: true, ShardRows: 20})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ds.Columns, []string{"breaks", "wool", "tension"}) || !slices.Equal(ds.Nominal, []bool{false, true, true}) {
		t.Fatalf("columns %v nominal %v", ds.Columns, ds.Nominal)
	}
	levels := make([][]string, len(ds.Columns))
	for _, s := range ds.Shards {
		lv, _, err := ShardLevels(s, ds.Columns, NullsError, ds.Nominal, 10)
		if err != nil {
			t.Fatal(err)
		}
		for j := range lv {
			if lv[j] != nil {
				levels[j] = MergeLevels(levels[j], lv[j])
			}
		}
	}
	if !slices.Equal(levels[1], []string{"A", "B"}) || !slices.Equal(levels[2], []string{"H", "L", "M"}) || levels[0] != nil {
		t.Fatalf("levels %q", levels)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")[1:]
	for _, s := range ds.Shards {
		b, err := ReadShardNominal(s, ds.Columns, NullsError, ds.Nominal, levels)
		if err != nil {
			t.Fatal(err)
		}
		for i, g := range b.Index {
			f := strings.Split(lines[g], ",")
			want := fmt.Sprintf("%s,%s,%s", f[0], levels[1][int(b.Data[i*3+1])], levels[2][int(b.Data[i*3+2])])
			got := fmt.Sprintf("%v,%s,%s", b.Data[i*3], f[1], f[2])
			if want != got {
				t.Fatalf("row %d: read %v, file has %s", g, b.Data[i*3:i*3+3], lines[g])
			}
		}
	}
}

// TestNominalHostile: a column with more distinct values than allowed,
// a null in a nominal column, and a value the levels do not hold.
func TestNominalHostile(t *testing.T) {
	dir := t.TempDir()
	var sb strings.Builder
	sb.WriteString("x,id\n")
	for i := range 50 {
		fmt.Fprintf(&sb, "%d,user%d\n", i, i)
	}
	many := filepath.Join(dir, "many.csv")
	if err := os.WriteFile(many, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ds, err := Scan([]string{many}, Options{Nominal: true})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = ShardLevels(ds.Shards[0], ds.Columns, NullsError, ds.Nominal, 20)
	if !errors.Is(err, ErrTooManyLevels) || !strings.Contains(err.Error(), `"id"`) {
		t.Fatalf("err = %v, want ErrTooManyLevels naming id", err)
	}
	if _, err := ReadShardNominal(ds.Shards[0], ds.Columns, NullsError, ds.Nominal, [][]string{nil, {"user1"}}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("unknown level: err = %v", err)
	}

	nulls := filepath.Join(dir, "nulls.csv")
	if err := os.WriteFile(nulls, []byte("x,c\n1,a\n2,\n3,b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ds, err = Scan([]string{nulls}, Options{Nominal: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ShardLevels(ds.Shards[0], ds.Columns, NullsError, ds.Nominal, 20); !errors.Is(err, ErrNull) {
		t.Fatalf("null: err = %v, want ErrNull", err)
	}
	lv, _, err := ShardLevels(ds.Shards[0], ds.Columns, NullsDrop, ds.Nominal, 20)
	if err != nil || !slices.Equal(lv[1], []string{"a", "b"}) {
		t.Fatalf("levels %q, err %v", lv, err)
	}
	b, err := ReadShardNominal(ds.Shards[0], ds.Columns, NullsDrop, ds.Nominal, lv)
	if err != nil || !slices.Equal(b.Index, []int64{0, 2}) || !slices.Equal(b.Data, []float32{1, 0, 3, 1}) {
		t.Fatalf("block %v %v, err %v", b.Index, b.Data, err)
	}
}
