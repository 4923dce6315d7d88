package storage

import (
	"errors"
	"fmt"
	"sync"
	"testing"
)

func TestMarkTaskDone(t *testing.T) {
	s := mustOpenStore(t)
	if _, err := s.MarkTaskDone("none", 0, 0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown job: %v", err)
	}
	for _, id := range []string{"a", "b"} {
		if _, err := s.CreateJob(id, nil); err != nil {
			t.Fatal(err)
		}
	}
	for i, step := range []struct {
		job   string
		round int64
		task  int
		first bool
	}{
		{"a", 0, 0, true},
		{"a", 0, 0, false}, // redelivery
		{"a", 0, 1, true},
		{"a", 1, 0, true}, // same task, next round
		{"b", 0, 0, true}, // same key, other job
		{"a", 1, 0, false},
		{"a", 0, 1, false},
		{"a", 1 << 40, 1<<31 - 1, true},
		{"a", 1 << 40, 1<<31 - 1, false},
		// round and task must not run into each other: (0, 256) ≠ (1, 0)
		{"a", 0, 256, true},
		{"a", 256, 0, true},
	} {
		first, err := s.MarkTaskDone(step.job, step.round, step.task)
		if err != nil || first != step.first {
			t.Fatalf("step %d %+v: first = %v, %v", i, step, first, err)
		}
	}
	if _, err := s.MarkTaskDone("a", -1, 0); !errors.Is(err, ErrInvalid) {
		t.Fatalf("negative round: %v", err)
	}
	if _, err := s.MarkTaskDone("a", 0, -1); !errors.Is(err, ErrInvalid) {
		t.Fatalf("negative task: %v", err)
	}
	s = reopen(t, s)
	if first, err := s.MarkTaskDone("a", 0, 0); err != nil || first {
		t.Fatalf("after reopen: %v, %v; want a duplicate", first, err)
	}
}

// TestMarkTaskDoneRace: many goroutines deliver the same results; each key
// must be first exactly once.
func TestMarkTaskDoneRace(t *testing.T) {
	s := mustOpenStore(t)
	if _, err := s.CreateJob("j", nil); err != nil {
		t.Fatal(err)
	}
	const goroutines, tasks = 6, 30
	counts := make([][tasks]int, goroutines)
	var wg sync.WaitGroup
	errs := make([]error, goroutines)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range tasks {
				task := (i + g*7) % tasks // different orders per goroutine
				first, err := s.MarkTaskDone("j", 3, task)
				if err != nil {
					errs[g] = err
					return
				}
				if first {
					counts[g][task]++
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for task := range tasks {
		n := 0
		for g := range goroutines {
			n += counts[g][task]
		}
		if n != 1 {
			t.Fatalf("task %d first %d times, want 1", task, n)
		}
	}
}

func BenchmarkMarkTaskDone(b *testing.B) {
	for _, sync := range []bool{false, true} {
		b.Run(fmt.Sprintf("sync=%v", sync), func(b *testing.B) {
			s := mustOpenStore(b)
			s.db.NoSync = !sync
			if _, err := s.CreateJob("j", nil); err != nil {
				b.Fatal(err)
			}
			dups := 0
			b.ResetTimer()
			for i := range b.N {
				first, err := s.MarkTaskDone("j", int64(i/1000), i%1000)
				if err != nil {
					b.Fatal(err)
				}
				if !first {
					dups++
				}
			}
			b.ReportMetric(float64(dups), "dups")
		})
	}
}
