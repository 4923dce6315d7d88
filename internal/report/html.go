package report

import (
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
)

// page is what index.html is made from.
type page struct {
	ModelPath string
	Model     [][2]string // name, value
	Columns   string
	Indices   [][2]string
	Sel       *selPage
	Images    []image
}

type image struct{ File, Alt, Caption string }

type selPage struct {
	Path, Rule string
	ChosenK    int
	SampleSize int
	Seed       uint64
	HasMedoid  bool
	Rows       []selRow
}

type selRow struct {
	Chosen                     bool
	K, Loss, Sil, MSil, CH, DB string
}

var indexTemplate = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>shoal report: {{.ModelPath}}</title>
<style>
body { font-family: sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { padding: 0.2em 0.8em; text-align: left; border-bottom: 1px solid #ddd; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.chosen { background: #fdecea; font-weight: bold; }
figure { margin: 2em 0; }
figcaption { color: #555; }
img { max-width: 100%; border: 1px solid #eee; }
</style>
</head>
<body>
<h1>Clustering report</h1>
<p>Model <code>{{.ModelPath}}</code>.</p>
<h2>Model</h2>
<table>
{{range .Model}}<tr><th>{{index . 0}}</th><td class="num">{{index . 1}}</td></tr>
{{end}}</table>
{{if .Columns}}<p>Columns: <code>{{.Columns}}</code></p>{{end}}
{{if .Indices}}<h2>Validity of the labelled rows</h2>
<table>
{{range .Indices}}<tr><th>{{index . 0}}</th><td class="num">{{index . 1}}</td></tr>
{{end}}</table>
{{end}}
{{with .Sel}}<h2>Choosing k</h2>
<p>From <code>{{.Path}}</code>: rule <code>{{.Rule}}</code> chose <b>k={{.ChosenK}}</b>
(silhouette on a sample of {{.SampleSize}} rows, seed {{.Seed}}).</p>
<table>
<tr><th>k</th><th>loss</th><th>silhouette</th>{{if .HasMedoid}}<th>medoid silhouette</th>{{end}}<th>Calinski–Harabasz</th><th>Davies–Bouldin</th></tr>
{{range .Rows}}<tr{{if .Chosen}} class="chosen"{{end}}><td class="num">{{.K}}</td><td class="num">{{.Loss}}</td><td class="num">{{.Sil}}</td>{{if $.Sel.HasMedoid}}<td class="num">{{.MSil}}</td>{{end}}<td class="num">{{.CH}}</td><td class="num">{{.DB}}</td></tr>
{{end}}</table>
{{end}}
{{range .Images}}<figure>
<img src="{{.File}}" alt="{{.Alt}}" width="768" height="480">
<figcaption>{{.Caption}}</figcaption>
</figure>
{{end}}
</body>
</html>
`))

func num(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// writeIndex writes index.html for the plots in files.
func writeIndex(w io.Writer, in Input, files []string) error {
	m := in.Model
	pg := page{ModelPath: in.ModelPath, Columns: strings.Join(m.Columns, ", ")}
	add := func(name, value string) { pg.Model = append(pg.Model, [2]string{name, value}) }
	add("algorithm", m.Algorithm)
	add("k", strconv.Itoa(m.K))
	add("metric", m.Metric)
	add("rows used (n)", strconv.FormatInt(m.N, 10))
	add("rows dropped", strconv.FormatInt(m.RowsDropped, 10))
	add("total deviation", num(m.TotalDeviation))
	if m.Inertia != nil {
		add("inertia", num(*m.Inertia))
	}
	if m.Silhouette != nil {
		add("silhouette (model)", num(*m.Silhouette))
	}
	if m.MedoidSilhouette != nil {
		add("medoid silhouette (model)", num(*m.MedoidSilhouette))
	}
	add("iterations", strconv.Itoa(m.Iterations))
	if m.Swaps > 0 {
		add("swaps", strconv.Itoa(m.Swaps))
	}
	if m.Init != "" {
		add("initialisation", m.Init)
	}
	if m.Stop != "" {
		add("stopped because", m.Stop)
	}
	add("seed", strconv.FormatUint(m.Seed, 10))
	add("seconds", num(m.Seconds))
	if ix := in.Indices; ix != nil {
		pg.Indices = append(pg.Indices,
			[2]string{fmt.Sprintf("silhouette (exact on %d sampled rows)", ix.SampleRows), num(ix.Silhouette)})
		if ix.MedoidSilhouette != nil {
			pg.Indices = append(pg.Indices, [2]string{fmt.Sprintf("medoid silhouette (%d rows)", ix.Rows), num(*ix.MedoidSilhouette)})
		}
		pg.Indices = append(pg.Indices,
			[2]string{fmt.Sprintf("Calinski–Harabasz (%d rows, higher is better)", ix.Rows), num(ix.CalinskiHarabasz)},
			[2]string{fmt.Sprintf("Davies–Bouldin (%d rows, lower is better)", ix.Rows), num(ix.DaviesBouldin)})
	}
	if sel := in.Selection; sel != nil {
		sp := &selPage{Path: in.SelectionPath, Rule: string(sel.Rule), ChosenK: sel.ChosenK, SampleSize: sel.SampleSize, Seed: sel.Seed}
		for _, s := range sel.Scores {
			r := selRow{Chosen: s.K == sel.ChosenK, K: strconv.Itoa(s.K), Loss: num(s.Loss), Sil: num(s.Silhouette),
				CH: num(s.CalinskiHarabasz), DB: num(s.DaviesBouldin)}
			if s.MedoidSilhouette != nil {
				sp.HasMedoid = true
				r.MSil = num(*s.MedoidSilhouette)
			}
			sp.Rows = append(sp.Rows, r)
		}
		pg.Sel = sp
	}
	_, from := in.sizes()
	captions := map[string]image{
		SizesFile: {Alt: "bar chart of rows per cluster", Caption: "Rows per cluster, from " + from + "."},
		SilhouetteFile: {Alt: "silhouette plot", Caption: "Silhouette widths of a seeded sample, per cluster sorted with the widest on top. " +
			"Widths near 1 sit well inside their cluster, near 0 between two, below 0 closer to another cluster; the dashed line is the mean."},
		ProjectionFile: {Alt: "2-D PCA projection coloured by cluster", Caption: "A seeded sample projected on its first two principal axes, " +
			"coloured by cluster; rings mark the model's centres. Clusters that overlap here may still be apart in other dimensions."},
		SelectionFile: {Alt: "loss and silhouette against k", Caption: "Loss and silhouette for every k tried; the dashed line is the chosen k."},
	}
	if in.Sample != nil {
		c := captions[SilhouetteFile]
		c.Caption += fmt.Sprintf(" %d of %d rows (%s), seed %d.", len(in.Sample.Labels), in.Sample.Of, in.Sample.Source, in.Sample.Seed)
		captions[SilhouetteFile] = c
	}
	for _, f := range files {
		img := captions[f]
		img.File = f
		pg.Images = append(pg.Images, img)
	}
	return indexTemplate.Execute(w, pg)
}
