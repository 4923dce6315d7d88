package report

import (
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoal-io/shoal/algo/validity"
	"github.com/shoal-io/shoal/internal/wire"
)

// TestWriteShapes draws reports at the edges: one feature (no second
// principal axis), many clusters (no legend, labels thinned), a cluster
// missing from the sample, negative widths; every PNG must decode at the
// documented size.
func TestWriteShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 5))
	for _, c := range []struct {
		name string
		d, k int
	}{{"one feature", 1, 3}, {"many clusters", 3, 45}} {
		n := 400
		s := &Sample{D: c.d, Seed: 1, Of: int64(n), Source: "test"}
		m := &wire.Model{Algorithm: "kmeans", K: c.k, Metric: "euclidean", Columns: make([]string, c.d)}
		for range c.k {
			ctr := make([]float64, c.d)
			for j := range ctr {
				ctr[j] = rng.NormFloat64() * 5
			}
			m.Centers = append(m.Centers, ctr)
		}
		for i := range n {
			cl := i % (c.k - 1) // the last cluster has no sampled row
			s.Labels = append(s.Labels, int32(cl))
			for j := range c.d {
				s.X = append(s.X, float32(m.Centers[cl][j]+rng.NormFloat64()))
			}
			s.Widths = append(s.Widths, rng.Float64()*1.2-0.3)
		}
		dir := t.TempDir()
		names, err := Write(dir, Input{Model: m, ModelPath: "m.json", Sample: s})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if strings.Join(names, ",") != "sizes.png,silhouette.png,projection.png,index.html" {
			t.Errorf("%s: wrote %v", c.name, names)
		}
		wantW, wantH := PixelSize()
		for _, name := range names[:3] {
			f, err := os.Open(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(f)
			f.Close()
			if err != nil {
				t.Fatalf("%s %s: %v", c.name, name, err)
			}
			if b := img.Bounds(); b.Dx() != wantW || b.Dy() != wantH {
				t.Errorf("%s %s: %v", c.name, name, b)
			}
		}
	}
}

// TestWriteRefuses: parts of an Input that disagree are refused before
// anything is written.
func TestWriteRefuses(t *testing.T) {
	m := &wire.Model{K: 2, Centers: [][]float64{{0, 0}, {1, 1}}}
	s := &Sample{X: []float32{0, 0, 1, 1}, D: 2, Labels: []int32{0, 1}, Widths: []float64{0.5, 0.5}}
	bad := []struct {
		name string
		in   Input
		want string
	}{
		{"no model", Input{}, "no model"},
		{"centers for other k", Input{Model: &wire.Model{K: 3, Centers: m.Centers}}, "2 centers for k=3"},
		{"sizes for other k", Input{Model: m, Sizes: []int64{1}}, "1 cluster sizes for k=2"},
		{"label beyond k", Input{Model: m, Sample: &Sample{X: s.X, D: 2, Labels: []int32{0, 2}, Widths: s.Widths}}, "cluster 2"},
		{"widths missing", Input{Model: m, Sample: &Sample{X: s.X, D: 2, Labels: s.Labels}}, "0 widths"},
		{"dimension", Input{Model: m, Sample: &Sample{X: []float32{0, 1}, D: 1, Labels: s.Labels, Widths: s.Widths}}, "dimension"},
		{"selection", Input{Model: m, Selection: &validity.Selection{Rule: validity.RuleSilhouette, ChosenK: 2,
			Scores: []validity.Score{{K: 2, Silhouette: 0.1}, {K: 3, Silhouette: 0.2}}}, SelectionPath: "s.json"}, "s.json"},
	}
	for _, c := range bad {
		dir := filepath.Join(t.TempDir(), "r")
		_, err := Write(dir, c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("%s: the directory was created", c.name)
		}
	}
}
