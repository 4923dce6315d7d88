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
	"scale":   "computing feature statistics",
	"init":    "initialising",
	"iterate": "iterating",
	"cluster": "clustering",
	"label":   "labelling",
	"matrix":  "dissimilarity matrix",
	"build":   "initial medoids",
	"swap":    "swap",
	"score":   "scoring samples",
	"fit":     "fitting",
	"indices": "scoring every k",
}

// describe is the bar's one-line text for pr: the phase, the SWAP pass
// (whose number is the bar's count too, as their total is unknown), in a
// k sweep the k being fitted (or the k being tried), and the loss when
// the phase has one.
func describe(pr coordinator.Progress) string {
	name := phaseNames[pr.Phase]
	if pr.Phase == "swap" {
		name = fmt.Sprintf("swap pass %d", pr.Step)
	}
	switch {
	case pr.K > 0:
		name = fmt.Sprintf("k=%d: %s", pr.K, name)
	case pr.Ks != "":
		name = fmt.Sprintf("%s (k=%s)", name, pr.Ks)
	}
	if pr.Loss > 0 {
		name = fmt.Sprintf("%s (loss %.6g)", name, pr.Loss)
	}
	return name
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
	if pr.Loss > 0 || pr.Phase == "swap" {
		p.bar.Describe(describe(pr))
	}
	_ = p.bar.Set(pr.Step)
}

// name is the bar's description when a phase starts (see describe);
// false for a phase the bar does not show.
func (p *progress) name(pr coordinator.Progress) (string, bool) {
	_, ok := phaseNames[pr.Phase]
	return describe(pr), ok
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
		p.bar = nil
	}
}
