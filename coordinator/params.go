package coordinator

import (
	"math"
	"slices"

	"github.com/shoal-io/shoal/internal/wire"
)

// provenance records in m what made it: the build, the inputs as given,
// and every parameter that shaped the fit, with the defaults the job ran
// with, so a reader can fit the same model again.
func (j *job) provenance(m *wire.Model) {
	spec := j.spec
	m.ShoalVersion = j.c.opts.Version
	m.Inputs = slices.Clone(spec.Inputs)
	m.Where = spec.Where
	p := &wire.ModelParams{
		Nulls: spec.Nulls, Weight: spec.Weight, MaxIter: spec.MaxIter, Silhouette: spec.Silhouette,
		WarmStart: len(spec.InitCentres) > 0,
	}
	if !spec.IsMedoid() {
		p.NInit = max(spec.NInit, 1)
	}
	switch spec.Algorithm {
	case "kmeans":
		p.Tol = spec.Tol
		if p.Tol == 0 {
			p.Tol = defaultLloydTol
		}
		if p.MaxIter == 0 {
			p.MaxIter = defaultLloydIter
		}
	case "minibatch":
		p.Tol, p.BatchSize = spec.Tol, j.batchSize()
		if p.MaxIter == 0 && j.ds.Rows > 0 {
			p.MaxIter = int(math.Ceil(defaultEpochs * float64(j.ds.Rows) / float64(p.BatchSize)))
		}
	}
	if slices.Contains(wire.SampledMedoidAlgorithms, spec.Algorithm) {
		p.Samples, p.SampleSize, p.NumLocal, p.MaxNeighbor = spec.Samples, spec.SampleSize, spec.NumLocal, spec.MaxNeighbor
		p.Refine = spec.Refine
	}
	m.Params = p
}

// recordRuns records in p which of several k-means runs the model is,
// and every run's inertia on all rows.
func recordRuns(p *wire.ModelParams, fit *fitted) {
	if p == nil || len(fit.runLosses) < 2 {
		return
	}
	best := fit.bestRun
	p.BestRun, p.RunLosses = &best, slices.Clone(fit.runLosses)
}
