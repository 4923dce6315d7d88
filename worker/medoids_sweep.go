package worker

import (
	"context"
	"fmt"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/internal/wire"
)

// medoidsEach runs the task's algorithm for every k of t.Ks on the one
// dissimilarity matrix diss (a k sweep builds it once), each k as a task
// of that k alone would run it, with the same random numbers. The result
// holds the medoids of every k in turn (Rows and Points, Σk of them) and
// for each k its loss, iterations and swaps (Costs, three values a k).
func (x *executor) medoidsEach(ctx context.Context, t *wire.Task, res *wire.Result, diss algo.Dissimilarity, data []float32, rows []int64) error {
	if t.Metric == "precomputed" {
		return fmt.Errorf("worker: a k sweep does not run on a precomputed matrix")
	}
	res.Rows, res.Points = []int64{}, []float32{}
	for _, k := range t.Ks {
		tk := *t
		tk.K, tk.Ks = k, nil
		r, err := x.fitMedoids(ctx, &tk, diss)
		if err != nil {
			return fmt.Errorf("k=%d: %w", k, err)
		}
		for _, m := range r.Medoids {
			res.Rows = append(res.Rows, rows[m])
			res.Points = append(res.Points, data[m*t.D:(m+1)*t.D]...)
		}
		res.Costs = append(res.Costs, r.Loss, float64(r.Iterations), float64(r.Swaps))
	}
	return nil
}
