package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/shoal-io/shoal/coordinator"
)

func TestProgressDescribe(t *testing.T) {
	for _, tc := range []struct {
		p    coordinator.Progress
		want string
	}{
		{coordinator.Progress{Phase: "matrix", Step: 640, Steps: 2000}, "dissimilarity matrix"},
		{coordinator.Progress{Phase: "build", Step: 3, Steps: 5, Loss: 4170.6315}, "initial medoids (loss 4170.63)"},
		{coordinator.Progress{Phase: "swap", Step: 2, Loss: 3888.93366}, "swap pass 2 (loss 3888.93)"},
		{coordinator.Progress{Phase: "cluster", Step: 1, Steps: 5}, "clustering"},
		{coordinator.Progress{Phase: "score", Step: 3, Steps: 5, Loss: 12.5}, "scoring samples (loss 12.5)"},
		{coordinator.Progress{Phase: "iterate", Step: 4, Steps: 100, Loss: 0.25}, "iterating (loss 0.25)"},
	} {
		if got := describe(tc.p); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.p, got, tc.want)
		}
	}
}

// The bar of a k-medoids job starts a bar per worker phase, sized by the
// phase's total when it has one, and shows the SWAP pass and its loss.
func TestProgressBarMedoidPhases(t *testing.T) {
	var buf bytes.Buffer
	p := &progress{w: &buf, on: true}
	for _, tc := range []struct {
		pr        coordinator.Progress
		max       int64
		num       int64
		described string
	}{
		{coordinator.Progress{Phase: "matrix", Step: 640, Steps: 2000}, 2000, 640, "dissimilarity matrix"},
		{coordinator.Progress{Phase: "matrix", Step: 2000, Steps: 2000}, 2000, 2000, "dissimilarity matrix"},
		{coordinator.Progress{Phase: "build", Step: 5, Steps: 5, Loss: 4170.6}, 5, 5, "initial medoids (loss 4170.6)"},
		{coordinator.Progress{Phase: "swap", Step: 1, Loss: 3900.5}, -1, 1, "swap pass 1 (loss 3900.5)"},
		{coordinator.Progress{Phase: "swap", Step: 2, Loss: 3888.25}, -1, 2, "swap pass 2 (loss 3888.25)"},
	} {
		p.update(tc.pr)
		st := p.bar.State()
		if st.Max != tc.max || st.CurrentNum != tc.num || st.Description != tc.described {
			t.Errorf("after %+v the bar is %d of %d, %q; want %d of %d, %q", tc.pr, st.CurrentNum, st.Max, st.Description, tc.num, tc.max, tc.described)
		}
	}
	p.finish()
	if strings.Contains(buf.String(), "\n") {
		t.Errorf("bar output spans lines:\n%q", buf.String())
	}
}
