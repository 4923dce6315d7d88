package report

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Every plot is a PNG of 8×5 inches at 96 dots per inch: 768×480 pixels,
// legible in a browser without scaling.
const (
	plotW   = 8 * vg.Inch
	plotH   = 5 * vg.Inch
	plotDPI = 96
)

// PixelSize is the width and height in pixels of every PNG a report
// writes.
func PixelSize() (w, h int) {
	return int(plotW.Dots(plotDPI) + 0.5), int(plotH.Dots(plotDPI) + 0.5)
}

func newCanvas() *vgimg.Canvas {
	return vgimg.NewWith(vgimg.UseWH(plotW, plotH), vgimg.UseDPI(plotDPI))
}

func writePNG(w io.Writer, c *vgimg.Canvas) error {
	_, err := vgimg.PngCanvas{Canvas: c}.WriteTo(w)
	return err
}

// render draws p over the whole canvas, or beside legend when it has
// entries.
func render(w io.Writer, p *plot.Plot, l *legend) error {
	c := newCanvas()
	dc := draw.New(c)
	if l == nil || l.width == 0 {
		p.Draw(dc)
		return writePNG(w, c)
	}
	p.Draw(draw.Crop(dc, 0, -l.width, 0, 0))
	l.draw(dc)
	return writePNG(w, c)
}

// newPlot is a plot with room between its title and the image's edge.
func newPlot(title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.Padding = vg.Points(8)
	p.Title.TextStyle.Font.Size = vg.Points(13)
	return p
}

// legend is a plot legend drawn in a strip right of the plot, as wide as
// its longest entry, so it never hides data nor runs off the image.
type legend struct {
	plot.Legend
	width vg.Length
}

func newLegend() *legend {
	l := &legend{Legend: plot.NewLegend()}
	l.Top = true
	l.Left = true
	l.XOffs = vg.Points(6)
	return l
}

func (l *legend) Add(name string, thumbs ...plot.Thumbnailer) {
	l.Legend.Add(name, thumbs...)
	w := l.XOffs + l.ThumbnailWidth + l.Padding + l.TextStyle.Width(name) + vg.Points(10)
	l.width = max(l.width, w)
}

// draw draws the legend in the strip right of the plot, level with the
// top of its data.
func (l *legend) draw(dc draw.Canvas) {
	l.Legend.Draw(draw.Crop(dc, plotW-l.width, 0, 0, -vg.Points(24)))
}

// intTicks marks whole numbers only, for axes of counts and k.
type intTicks struct{}

func (intTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for _, t := range (plot.DefaultTicks{}).Ticks(lo, hi) {
		if t.Value == math.Trunc(t.Value) {
			if t.Label != "" {
				t.Label = strconv.FormatFloat(t.Value, 'f', -1, 64)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// drawSizes is a bar per cluster, in the cluster's colour, with its
// number of rows written above it.
func drawSizes(w io.Writer, in Input) error {
	sizes, from := in.sizes()
	var total int64
	for _, s := range sizes {
		total += s
	}
	p := newPlot(fmt.Sprintf("Rows per cluster: k=%d, %d rows (%s)", len(sizes), total, filepath.Base(from)))
	p.X.Min, p.X.Max = -0.5, float64(len(sizes))-0.5
	p.X.Label.Text = "cluster"
	p.Y.Label.Text = "rows"
	p.Y.Min = 0
	p.Y.Tick.Marker = intTicks{}
	width := vg.Points(min(40, 400/float64(len(sizes))))
	names := make([]string, len(sizes))
	var tops plotter.XYLabels
	for c, s := range sizes {
		bar, err := plotter.NewBarChart(plotter.Values{float64(s)}, width)
		if err != nil {
			return err
		}
		bar.XMin = float64(c)
		bar.Color = clusterColor(c)
		bar.LineStyle.Width = 0
		p.Add(bar)
		names[c] = strconv.Itoa(c)
		tops.XYs = append(tops.XYs, plotter.XY{X: float64(c), Y: float64(s)})
		tops.Labels = append(tops.Labels, strconv.FormatInt(s, 10))
	}
	if len(sizes) <= 30 {
		labels, err := plotter.NewLabels(tops)
		if err != nil {
			return err
		}
		for i := range labels.TextStyle {
			labels.TextStyle[i].XAlign = -0.5
			labels.TextStyle[i].Font.Size = vg.Points(9)
		}
		labels.Offset = vg.Point{Y: vg.Points(3)}
		p.Add(labels)
	}
	if len(sizes) <= 40 {
		p.NominalX(names...)
	}
	// Room above the tallest bar for its label.
	p.Y.Max = float64(slices.Max(sizes)) * 1.08
	return render(w, p, nil)
}

// drawSilhouette is Rousseeuw's silhouette plot: per cluster, the widths
// of its sampled rows sorted as a filled band (the widest on top), clusters
// stacked with a gap, and the mean width as a dashed line.
func drawSilhouette(w io.Writer, in Input) error {
	s := in.Sample
	k := in.Model.K
	byCluster := make([][]float64, k)
	var mean float64
	lo := 0.0
	for i, c := range s.Labels {
		byCluster[c] = append(byCluster[c], s.Widths[i])
		mean += s.Widths[i]
		lo = min(lo, s.Widths[i])
	}
	mean /= float64(len(s.Widths))
	p := newPlot(fmt.Sprintf("Silhouette of %d sampled rows: mean %.3f", len(s.Labels), mean))
	p.X.Label.Text = "silhouette width s(i)"
	p.Y.Label.Text = "cluster"
	// A gap between bands of a few percent of the height, less with
	// many clusters so the bands keep most of it.
	gap := max(2, min(len(s.Labels)/60, len(s.Labels)/(4*k)))
	y := 0
	var ticks []plot.Tick
	for c, ws := range byCluster {
		if len(ws) == 0 {
			continue
		}
		slices.Sort(ws) // the widest on top of the band, as scikit-learn and R draw it
		pts := make(plotter.XYs, 0, 2*len(ws)+2)
		pts = append(pts, plotter.XY{X: 0, Y: float64(y)})
		for j, v := range ws {
			pts = append(pts, plotter.XY{X: v, Y: float64(y + j)}, plotter.XY{X: v, Y: float64(y + j + 1)})
		}
		pts = append(pts, plotter.XY{X: 0, Y: float64(y + len(ws))})
		poly, err := plotter.NewPolygon(pts)
		if err != nil {
			return err
		}
		poly.Color = clusterColor(c)
		poly.LineStyle.Width = 0
		p.Add(poly)
		ticks = append(ticks, plot.Tick{Value: float64(y) + float64(len(ws))/2, Label: strconv.Itoa(c)})
		y += len(ws) + gap
	}
	// With many small clusters, label every few so the labels stay apart.
	if step := (len(ticks) + 24) / 25; step > 1 {
		for i := range ticks {
			if i%step != 0 {
				ticks[i].Label = ""
			}
		}
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.Y.Min, p.Y.Max = -float64(gap), float64(y)
	p.X.Min, p.X.Max = math.Floor(lo*10)/10, 1
	zero, err := plotter.NewLine(plotter.XYs{{X: 0, Y: p.Y.Min}, {X: 0, Y: p.Y.Max}})
	if err != nil {
		return err
	}
	zero.LineStyle.Width = vg.Points(0.5)
	zero.LineStyle.Color = color.Gray{Y: 0x60}
	avg, err := plotter.NewLine(plotter.XYs{{X: mean, Y: p.Y.Min}, {X: mean, Y: p.Y.Max}})
	if err != nil {
		return err
	}
	avg.LineStyle.Width = vg.Points(1.5)
	avg.LineStyle.Color = color.RGBA{0xc0, 0, 0, 0xff}
	avg.LineStyle.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	p.Add(zero, avg)
	legend := newLegend()
	legend.Add(fmt.Sprintf("mean %.3f", mean), avg)
	return render(w, p, legend)
}

// project returns the first two principal components of the sample (or
// the one column and zeros when d = 1), the model's centres in the same
// coordinates, and the share of variance of each component.
func project(x []float32, n, d int, centers [][]float64) (pts, cen plotter.XYs, share [2]float64, err error) {
	a := mat.NewDense(n, d, nil)
	mean := make([]float64, d)
	for i := range n {
		for j := range d {
			v := float64(x[i*d+j])
			a.Set(i, j, v)
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	var vecs mat.Dense
	if d == 1 || n < 2 {
		vecs = *mat.NewDense(d, 2, nil)
		vecs.Set(0, 0, 1)
		share = [2]float64{1, 0}
	} else {
		var pc stat.PC
		if !pc.PrincipalComponents(a, nil) {
			return nil, nil, share, fmt.Errorf("principal components of %d×%d sample did not converge", n, d)
		}
		var all mat.Dense
		pc.VectorsTo(&all)
		vecs = *mat.DenseCopyOf(all.Slice(0, d, 0, 2))
		vars := pc.VarsTo(nil)
		var total float64
		for _, v := range vars {
			total += v
		}
		if total > 0 {
			share = [2]float64{vars[0] / total, vars[1] / total}
		}
	}
	proj := func(row func(j int) float64) plotter.XY {
		var p [2]float64
		for j := range d {
			v := row(j) - mean[j]
			p[0] += v * vecs.At(j, 0)
			p[1] += v * vecs.At(j, 1)
		}
		return plotter.XY{X: p[0], Y: p[1]}
	}
	pts = make(plotter.XYs, n)
	for i := range n {
		pts[i] = proj(func(j int) float64 { return float64(x[i*d+j]) })
	}
	for _, c := range centers {
		cen = append(cen, proj(func(j int) float64 { return c[j] }))
	}
	return pts, cen, share, nil
}

// drawProjection scatters the sample on its first two principal axes,
// coloured by cluster, with the model's centres (or medoids) marked and
// numbered.
func drawProjection(w io.Writer, in Input) error {
	s := in.Sample
	n := len(s.Labels)
	pts, cen, share, err := project(s.X, n, s.D, in.Model.Centers)
	if err != nil {
		return err
	}
	p := newPlot(fmt.Sprintf("%d sampled rows on the first two principal axes (seed %d)", n, s.Seed))
	p.X.Label.Text = fmt.Sprintf("PC1 (%.1f%% of variance)", 100*share[0])
	p.Y.Label.Text = fmt.Sprintf("PC2 (%.1f%% of variance)", 100*share[1])
	legend := newLegend()
	radius := vg.Points(2.2)
	if n > 2000 {
		radius = vg.Points(1.6)
	}
	// One scatter in sample order, coloured per row: drawing cluster by
	// cluster would bury the first clusters under the last where they
	// overlap.
	all, err := plotter.NewScatter(pts)
	if err != nil {
		return err
	}
	all.GlyphStyleFunc = func(i int) draw.GlyphStyle {
		return draw.GlyphStyle{Color: clusterColor(int(s.Labels[i])), Radius: radius, Shape: draw.CircleGlyph{}}
	}
	p.Add(all)
	present := make([]bool, in.Model.K)
	for _, c := range s.Labels {
		present[c] = true
	}
	if in.Model.K <= 20 {
		for c, ok := range present {
			if !ok {
				continue
			}
			// A scatter of no points, drawn only as the legend's thumbnail.
			key, err := plotter.NewScatter(plotter.XYs{})
			if err != nil {
				return err
			}
			key.GlyphStyle = draw.GlyphStyle{Color: clusterColor(c), Radius: radius, Shape: draw.CircleGlyph{}}
			legend.Add(fmt.Sprintf("cluster %d", c), key)
		}
	}
	if len(cen) > 0 {
		name := "centre"
		if len(in.Model.MedoidRows) > 0 {
			name = "medoid"
		}
		if in.Model.K <= 20 {
			// A white disc with a black ring and the cluster's number
			// inside, legible on top of its points.
			const ringR = 7.5
			halo, err := plotter.NewScatter(cen)
			if err != nil {
				return err
			}
			halo.GlyphStyle = draw.GlyphStyle{Color: color.White, Radius: vg.Points(ringR), Shape: draw.CircleGlyph{}}
			ring, err := plotter.NewScatter(cen)
			if err != nil {
				return err
			}
			ring.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(ringR), Shape: draw.RingGlyph{}}
			var ls plotter.XYLabels
			for c, xy := range cen {
				ls.XYs = append(ls.XYs, xy)
				ls.Labels = append(ls.Labels, strconv.Itoa(c))
			}
			labels, err := plotter.NewLabels(ls)
			if err != nil {
				return err
			}
			for i := range labels.TextStyle {
				labels.TextStyle[i].Font.Size = vg.Points(8)
				labels.TextStyle[i].XAlign = draw.XCenter
				labels.TextStyle[i].YAlign = draw.YCenter
			}
			p.Add(halo, ring, labels)
			legend.Add(name+" (numbered)", halo, ring)
		} else {
			// Too many to number: small crosses that hide few points.
			cross, err := plotter.NewScatter(cen)
			if err != nil {
				return err
			}
			cross.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(3.5), Shape: draw.CrossGlyph{}}
			p.Add(cross)
			legend.Add(name, cross)
		}
	}
	return render(w, p, legend)
}

// drawSelection is two panels sharing the k axis: the loss, and the
// silhouette (with the medoid silhouette when the sweep has it), with the
// chosen k marked in both.
func drawSelection(w io.Writer, in Input) error {
	sel := in.Selection
	var loss, sil, msil plotter.XYs
	for _, s := range sel.Scores {
		loss = append(loss, plotter.XY{X: float64(s.K), Y: s.Loss})
		if !math.IsNaN(s.Silhouette) {
			sil = append(sil, plotter.XY{X: float64(s.K), Y: s.Silhouette})
		}
		if s.MedoidSilhouette != nil {
			msil = append(msil, plotter.XY{X: float64(s.K), Y: *s.MedoidSilhouette})
		}
	}
	top, bottom := newPlot(fmt.Sprintf("Choosing k: %s picks k=%d", sel.Rule, sel.ChosenK)), plot.New()
	top.Y.Label.Text = "loss"
	bottom.Y.Label.Text = "silhouette"
	bottom.X.Label.Text = "k"
	kmin, kmax := sel.Scores[0].K, sel.Scores[len(sel.Scores)-1].K
	for _, p := range []*plot.Plot{top, bottom} {
		p.X.Min, p.X.Max = float64(kmin)-0.5, float64(kmax)+0.5
		p.X.Tick.Marker = intTicks{}
		p.Add(plotter.NewGrid())
	}
	add := func(p *plot.Plot, xy plotter.XYs, c color.Color, legend *legend, name string) error {
		if len(xy) == 0 {
			return nil
		}
		line, points, err := plotter.NewLinePoints(xy)
		if err != nil {
			return err
		}
		line.Color = c
		line.Width = vg.Points(1.5)
		points.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
		p.Add(line, points)
		if legend != nil {
			legend.Add(name, line, points)
		}
		return nil
	}
	legend := newLegend()
	if err := add(top, loss, clusterColor(0), legend, "loss"); err != nil {
		return err
	}
	if err := add(bottom, sil, clusterColor(1), legend, "silhouette"); err != nil {
		return err
	}
	if err := add(bottom, msil, clusterColor(2), legend, "medoid silhouette"); err != nil {
		return err
	}
	panels := []struct {
		p    *plot.Plot
		data plotter.XYs
	}{{top, loss}, {bottom, append(slices.Clone(sil), msil...)}}
	for i, panel := range panels {
		if len(panel.data) == 0 {
			continue
		}
		// The chosen k, over the height of the panel's data.
		_, _, ylo, yhi := plotter.XYRange(panel.data)
		marker, err := plotter.NewLine(plotter.XYs{{X: float64(sel.ChosenK), Y: ylo}, {X: float64(sel.ChosenK), Y: yhi}})
		if err != nil {
			return err
		}
		marker.Color = color.RGBA{0xc0, 0, 0, 0xff}
		marker.Width = vg.Points(1.2)
		marker.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		panel.p.Add(marker)
		if i == 0 {
			legend.Add(fmt.Sprintf("chosen k=%d", sel.ChosenK), marker)
		}
	}
	c := newCanvas()
	dc := draw.New(c)
	plotArea := draw.Crop(dc, 0, -legend.width, 0, 0)
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadTop: vg.Points(4), PadBottom: vg.Points(4), PadX: vg.Points(4), PadY: vg.Points(8)}
	canvases := plot.Align([][]*plot.Plot{{top}, {bottom}}, tiles, plotArea)
	top.Draw(canvases[0][0])
	bottom.Draw(canvases[1][0])
	legend.draw(dc)
	return writePNG(w, c)
}
