package proctest_test

// Issue 14, item 5: a replicated NATS cluster. Three nats-servers form a
// JetStream cluster; the coordinator service keeps its streams, object
// store and lease on all three (--replicas 3), and every process is given
// every server's URL. Killing the server that leads the task stream with
// SIGKILL in the middle of a job, and starting it again later, must not
// change the model.

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/shoal-io/shoal/coordinator"
	"github.com/shoal-io/shoal/internal/wire"
)

func TestReplicatedClusterNodeKill(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the three-server cluster is skipped")
	}
	j := faultJobs(fuzzy.get(t), true)[1] // Lloyd: 80 rounds
	job := j.withSeed(3)
	want := reference(t, job)
	s := newService(t, 3, serviceOptions{cluster: 3, coordinatorArgs: []string{"--replicas", "3"}})
	c := s.client()
	path := filepath.Join(t.TempDir(), "model.json")
	sub := s.submit("submit", path, job)
	id := jobID(t, sub)
	at, ended := s.pollProgress(c, id, func(p coordinator.Progress) bool { return p.Phase == "iterate" && p.Step >= 3 })
	if ended {
		t.Fatal("the job ended before the kill")
	}
	leader, held, err := s.srv.StreamLeader(wire.TaskStream)
	if err != nil {
		t.Fatal(err)
	}
	if held != 3 {
		t.Fatalf("the task stream is held by %d servers, want 3", held)
	}
	for _, stream := range []string{wire.ResultStream, wire.EventStream} {
		if _, n, err := s.srv.StreamLeader(stream); err != nil || n != 3 {
			t.Fatalf("stream %s is held by %d servers (%v), want 3", stream, n, err)
		}
	}
	victim := -1
	for i, srv := range s.cluster {
		if srv.Name() == leader {
			victim = i
		}
	}
	if victim < 0 {
		t.Fatalf("the task stream's leader %q is none of the cluster's servers", leader)
	}
	s.cluster[victim].Kill()
	t.Logf("killed %s, the task stream's leader, at %s step %d", leader, at.Phase, at.Step)
	// The job goes on with two servers for a while, then the third comes
	// back on its own store and catches up.
	next, ended := s.pollProgress(c, id, func(p coordinator.Progress) bool { return p.Phase == "iterate" && p.Step >= at.Step+5 })
	t.Logf("with two servers the job reached %s step %d (ended %v)", next.Phase, next.Step, ended)
	if !ended && next.Step < at.Step+5 {
		t.Errorf("the job did not go on while %s was down", leader)
	}
	time.Sleep(500 * time.Millisecond)
	s.cluster[victim].Restart()
	s.waitSubmit(sub)
	sameModel(t, "Lloyd with a cluster server killed and restarted", want, readModel(t, path))
	if now, _, err := s.cluster[(victim+1)%3].StreamLeader(wire.TaskStream); err == nil {
		t.Logf("the task stream is now led by %s", now)
	}
}
