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
}

func (p *progress) update(pr coordinator.Progress) {
	if !p.on {
		return
	}
	if pr.Phase != p.phase {
		p.finish()
		p.phase = pr.Phase
		name, ok := phaseNames[pr.Phase]
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
		p.bar.Describe(fmt.Sprintf("%s (loss %.5g)", phaseNames[pr.Phase], pr.Loss))
	}
	_ = p.bar.Set(pr.Step)
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
		p.bar = nil
	}
}
