package main

import (
	"fmt"
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/shoal-io/shoal/coordinator"
)

// progress shows a job's progress on stderr when stderr is a terminal, one
// bar per phase; otherwise it stays silent so logs and pipes stay clean.
type progress struct {
	w     io.Writer
	on    bool
	phase string
	k     int // the k being fitted in a k sweep, else 0
	bar   *progressbar.ProgressBar
}

func newProgress(w io.Writer, quiet bool) *progress {
	on := false
	if f, ok := w.(*os.File); ok && !quiet {
		on = term.IsTerminal(int(f.Fd()))
	}
	return &progress{w: w, on: on}
}

var phaseNames = map[string]string{
	"scan":    "scanning metadata",
	"stage":   "staging input files",
	"init":    "initialising",
	"iterate": "iterating",
	"cluster": "clustering",
	"label":   "labelling",
	"fit":     "fitting",
	"indices": "scoring every k",
}

func (p *progress) update(pr coordinator.Progress) {
	if !p.on {
		return
	}
	if pr.Phase != p.phase || pr.K != p.k {
		p.finish()
		p.phase, p.k = pr.Phase, pr.K
		name, ok := p.name(pr)
		if !ok {
			return
		}
		total := int64(pr.Steps)
		if total <= 0 {
			total = -1
		}
		p.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(name),
			progressbar.OptionShowCount(),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionThrottle(100_000_000),
			progressbar.OptionClearOnFinish(),
		)
	}
	if p.bar == nil {
		return
	}
	if pr.Loss > 0 {
		name, _ := p.name(pr)
		p.bar.Describe(fmt.Sprintf("%s (loss %.5g)", name, pr.Loss))
	}
	_ = p.bar.Set(pr.Step)
}

// name is the bar's description: the phase, and in a k sweep the k
// being fitted (or the k being tried).
func (p *progress) name(pr coordinator.Progress) (string, bool) {
	name, ok := phaseNames[pr.Phase]
	switch {
	case !ok:
	case pr.K > 0:
		name = fmt.Sprintf("k=%d: %s", pr.K, name)
	case pr.Ks != "":
		name = fmt.Sprintf("%s (k=%s)", name, pr.Ks)
	}
	return name, ok
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
		p.bar = nil
	}
}
