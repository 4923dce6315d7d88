package worker

import "testing"

// TestCores: busy workers split the cores evenly, never below one
// goroutine; a task alone takes the cores the running tasks leave it.
func TestCores(t *testing.T) {
	for _, tc := range []struct{ cores, workers, share int }{
		{2, 2, 1}, {8, 2, 4}, {2, 8, 1}, {0, 0, 1}, {16, 3, 5},
	} {
		if got := NewCores(tc.cores, tc.workers).share(); got != tc.share {
			t.Errorf("NewCores(%d, %d).share() = %d, want %d", tc.cores, tc.workers, got, tc.share)
		}
	}
	c := NewCores(8, 4)
	if got := c.begin(); got != 8 {
		t.Fatalf("first task: %d goroutines, want 8", got)
	}
	if got := c.begin(); got != 4 {
		t.Fatalf("second task: %d goroutines, want 4", got)
	}
	c.end()
	c.end()
	if got := c.begin(); got != 8 {
		t.Fatalf("after both ended: %d goroutines, want 8", got)
	}
	for range 20 {
		c.begin()
	}
	if got := c.begin(); got != 1 {
		t.Fatalf("22 tasks on 8 cores: %d goroutines, want 1", got)
	}
}

// The executor keeps a sums task within its share and a medoids task
// within what Cores.begin left it, and both within Parallelism.
func TestExecutorGoroutines(t *testing.T) {
	for _, tc := range []struct {
		parallelism int
		cores       *Cores
		shards      int
		want        int
	}{
		{8, nil, 16, 8},             // no shared cores: parallelism
		{8, nil, 3, 3},              // at most one goroutine a shard
		{8, NewCores(2, 2), 16, 1},  // two workers on two cores: one each
		{8, NewCores(16, 4), 16, 4}, // sixteen cores among four workers
		{2, NewCores(16, 1), 16, 2}, // parallelism still bounds the share
		{8, NewCores(16, 4), 0, 1},  // never below one
	} {
		x := &executor{parallelism: tc.parallelism, cores: tc.cores}
		if got := x.shardGoroutines(tc.shards); got != tc.want {
			t.Errorf("parallelism %d, %d shards: %d goroutines, want %d", tc.parallelism, tc.shards, got, tc.want)
		}
	}
	x := &executor{parallelism: 3, cores: NewCores(8, 4)}
	x.alone = x.cores.begin()
	if got := x.aloneGoroutines(); got != 3 {
		t.Errorf("a task alone on 8 cores with parallelism 3: %d goroutines, want 3", got)
	}
	x.alone = x.cores.begin()
	if got := x.aloneGoroutines(); got != 3 {
		t.Errorf("the second of two tasks on 8 cores with parallelism 3: %d goroutines, want 3", got)
	}
	y := &executor{parallelism: 8, cores: x.cores}
	y.alone = y.cores.begin()
	if got := y.aloneGoroutines(); got != 2 {
		t.Errorf("the third of three tasks on 8 cores: %d goroutines, want 2", got)
	}
}
