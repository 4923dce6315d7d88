package coordinator

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/shoal-io/shoal/internal/embedded"
)

// feedStreamConfig is the stream the feed tests follow: subjects r.>.
var feedStreamConfig = jetstream.StreamConfig{Name: "R", Subjects: []string{"r.>"}, Storage: jetstream.MemoryStorage}

// feedStream starts an embedded server with the stream R and returns a
// JetStream client of it and a context that ends with the test, after
// at most 30 s.
func feedStream(t *testing.T) (jetstream.JetStream, context.Context) {
	t.Helper()
	srv, err := embedded.Start(embedded.Options{StoreDir: filepath.Join(t.TempDir(), "js"), Port: -2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	nc, err := srv.Connect("feed")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	if _, err := js.CreateStream(ctx, feedStreamConfig); err != nil {
		t.Fatal(err)
	}
	return js, ctx
}

// followJob starts a replicatedFeed of r.job on R that sends each
// message's text to got; the feed stops with the test.
func followJob(t *testing.T, ctx context.Context, js jetstream.JetStream) (f *replicatedFeed, got <-chan string) {
	t.Helper()
	texts := make(chan string, 64)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	f, err := followReplicated(ctx, js, "R", "r.job", 1, log, func(m jetstream.Msg) { texts <- string(m.Data()) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Stop)
	return f, texts
}

// TestReplicatedFeedSurvivesDeletion checks that a replicatedFeed
// delivers every message of its subject, those stored before it started
// and after, none of another subject, and that when its consumer is
// deleted under it (as when it sat inactive too long) it makes it again
// and goes on from the message after the last one it handled.
func TestReplicatedFeedSurvivesDeletion(t *testing.T) {
	js, ctx := feedStream(t)
	publish := func(subject string, from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			if _, err := js.Publish(ctx, subject, []byte(fmt.Sprint(i))); err != nil {
				t.Fatal(err)
			}
		}
	}
	publish("r.job", 0, 3)
	publish("r.other", 100, 102)

	f, got := followJob(t, ctx, js)
	seen := map[string]bool{}
	expect := func(want ...string) {
		t.Helper()
		for _, w := range want {
			for !seen[w] {
				select {
				case s := <-got:
					if len(s) > 1 {
						t.Fatalf("the feed of r.job delivered %q, a message of r.other", s)
					}
					seen[s] = true
				case <-ctx.Done():
					t.Fatalf("message %s never came; got %v", w, seen)
				}
			}
		}
	}
	expect("0", "1", "2")
	publish("r.job", 3, 5)
	expect("3", "4")

	if err := js.DeleteConsumer(ctx, "R", f.cfg.Durable); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the consumer learns of it
	publish("r.job", 5, 8)
	expect("5", "6", "7")
	f.mu.Lock()
	next := f.next
	f.mu.Unlock()
	if next != 11 { // 3 + 2 of r.other + 2, then 3 more: sequence 10 handled last
		t.Errorf("next stream sequence %d, want 11", next)
	}
}

// TestReplicatedFeedKeepsTrying removes the stream under a feed, so that
// making its consumer again fails for a while, then brings the stream
// back: the feed must keep trying and deliver what comes after. A feed
// that gave up after one failed attempt (the server can refuse the first
// with "consumer does not exist" while it still removes the old one)
// left its job waiting for results that were stored.
func TestReplicatedFeedKeepsTrying(t *testing.T) {
	js, ctx := feedStream(t)
	publish := func(subject string, values ...string) {
		t.Helper()
		for _, v := range values {
			if _, err := js.Publish(ctx, subject, []byte(v)); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, got := followJob(t, ctx, js)
	expect := func(want string) {
		t.Helper()
		select {
		case s := <-got:
			if s != want {
				t.Fatalf("the feed delivered %q, want %q", s, want)
			}
		case <-ctx.Done():
			t.Fatalf("%q never came", want)
		}
	}
	publish("r.job", "a", "b")
	expect("a")
	expect("b")

	if err := js.DeleteStream(ctx, "R"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // the feed's attempts fail: there is no stream
	if _, err := js.CreateStream(ctx, feedStreamConfig); err != nil {
		t.Fatal(err)
	}
	// The feed goes on from the stream sequence after the last message
	// it handled (3): the new stream's first two are not its.
	publish("r.other", "x", "y")
	publish("r.job", "c")
	expect("c")
}
