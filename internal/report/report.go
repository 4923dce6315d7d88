package report

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/shoal-io/shoal/algo/validity"
	"github.com/shoal-io/shoal/internal/atomicfile"
	"github.com/shoal-io/shoal/internal/wire"
)

// The files a report writes. Write removes the plots of this list that a
// previous report left and this one does not draw, and no other file.
const (
	IndexFile      = "index.html"
	SizesFile      = "sizes.png"
	SilhouetteFile = "silhouette.png"
	ProjectionFile = "projection.png"
	SelectionFile  = "k.png"
)

var plotFiles = []string{SizesFile, SilhouetteFile, ProjectionFile, SelectionFile}

// Input is everything a report shows. Model is required; Sample,
// Indices and Selection are optional and their plots are left out when
// nil.
type Input struct {
	// Model is the model file's content and ModelPath where it was read.
	Model     *wire.Model
	ModelPath string
	// Sizes are the rows per cluster to draw; nil uses the model's
	// cluster_sizes. The caller counts them from a labels file when it
	// has one, since labels may come from other data than the fit.
	Sizes []int64
	// SizesFrom says where Sizes came from, for the caption.
	SizesFrom string
	// Sample is a seeded sample of labelled rows, for the silhouette plot
	// and the projection.
	Sample *Sample
	// Indices are validity indices of the labelled rows.
	Indices *Indices
	// Selection is a k sweep's selection report, read from SelectionPath.
	Selection     *validity.Selection
	SelectionPath string
}

// Sample is a seeded sample of labelled rows.
type Sample struct {
	X      []float32 // len(Labels)×D, row-major, in the model's columns
	D      int
	Labels []int32   // cluster of each row, in [0, Model.K)
	Widths []float64 // silhouette width of each row within the sample
	Seed   uint64    // drew the sample
	Of     int64     // rows it was drawn from
	Source string    // the labels and input files, for captions
}

// Indices are validity indices of a labelled data set, as package
// validity computes them.
type Indices struct {
	Rows             int64    // labelled rows Calinski–Harabasz and Davies–Bouldin saw
	SampleRows       int      // rows of the silhouette sample
	Silhouette       float64  // exact on the sample
	MedoidSilhouette *float64 // on all rows; k-medoids only
	CalinskiHarabasz float64
	DaviesBouldin    float64
}

// Write draws the plots Input allows and index.html into dir (created if
// missing), committing them together, and returns the names written.
func Write(dir string, in Input) ([]string, error) {
	if in.Model == nil {
		return nil, errors.New("report: no model")
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report: cannot create %s: %w", dir, err)
	}
	type drawn struct {
		name string
		draw func(io.Writer) error
	}
	plots := []drawn{{SizesFile, func(w io.Writer) error { return drawSizes(w, in) }}}
	if in.Sample != nil {
		plots = append(plots,
			drawn{SilhouetteFile, func(w io.Writer) error { return drawSilhouette(w, in) }},
			drawn{ProjectionFile, func(w io.Writer) error { return drawProjection(w, in) }})
	}
	if in.Selection != nil {
		plots = append(plots, drawn{SelectionFile, func(w io.Writer) error { return drawSelection(w, in) }})
	}
	var files []*atomicfile.File
	abort := func() {
		for _, f := range files {
			f.Abort()
		}
	}
	var names []string
	write := func(name string, draw func(io.Writer) error) error {
		f, err := atomicfile.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		files = append(files, f)
		if err := draw(f); err != nil {
			return fmt.Errorf("report: %s: %w", name, err)
		}
		names = append(names, name)
		return nil
	}
	for _, p := range plots {
		if err := write(p.name, p.draw); err != nil {
			abort()
			return nil, err
		}
	}
	if err := write(IndexFile, func(w io.Writer) error { return writeIndex(w, in, names) }); err != nil {
		abort()
		return nil, err
	}
	if err := atomicfile.Commit(files...); err != nil {
		return nil, err
	}
	for _, name := range plotFiles {
		if !contains(names, name) {
			if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return names, fmt.Errorf("report: removing the stale %s: %w", name, err)
			}
		}
	}
	return names, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// check refuses an Input whose parts disagree, so no plot draws nonsense.
func (in Input) check() error {
	m := in.Model
	if m.K < 1 {
		return fmt.Errorf("report: %s: k=%d", in.ModelPath, m.K)
	}
	if len(m.Centers) != 0 && len(m.Centers) != m.K {
		return fmt.Errorf("report: %s: %d centers for k=%d", in.ModelPath, len(m.Centers), m.K)
	}
	if in.Sizes != nil && len(in.Sizes) != m.K {
		return fmt.Errorf("report: %d cluster sizes for k=%d", len(in.Sizes), m.K)
	}
	if s := in.Sample; s != nil {
		if s.D < 1 || len(s.X) != len(s.Labels)*s.D || len(s.Widths) != len(s.Labels) {
			return fmt.Errorf("report: sample of %d values, %d labels, %d widths, d=%d", len(s.X), len(s.Labels), len(s.Widths), s.D)
		}
		if len(m.Centers) != 0 && len(m.Centers[0]) != s.D {
			return fmt.Errorf("report: %s: centers of dimension %d for a sample of dimension %d", in.ModelPath, len(m.Centers[0]), s.D)
		}
		for i, c := range s.Labels {
			if c < 0 || int(c) >= m.K {
				return fmt.Errorf("report: sample row %d has cluster %d, want [0,%d)", i, c, m.K)
			}
		}
	}
	if in.Selection != nil {
		if err := in.Selection.Validate(); err != nil {
			return fmt.Errorf("report: %s: %w", in.SelectionPath, err)
		}
	}
	return nil
}

// sizes are the cluster sizes to draw, and where they came from.
func (in Input) sizes() ([]int64, string) {
	if in.Sizes != nil {
		return in.Sizes, in.SizesFrom
	}
	s := in.Model.ClusterSizes
	if len(s) != in.Model.K {
		s = make([]int64, in.Model.K)
	}
	return s, "the model's cluster_sizes"
}
