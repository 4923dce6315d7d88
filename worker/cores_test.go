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
