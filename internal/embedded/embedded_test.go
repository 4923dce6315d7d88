package embedded

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// TestDiscardDeletesConsumers checks what Discard promises and Stop does
// not do: with a pull request pending on a durable consumer, Discard
// stops the server, and a server reopened on the same store finds the
// stream but not the consumer; after Stop it finds both.
func TestDiscardDeletesConsumers(t *testing.T) {
	for _, tc := range []struct {
		name    string
		stop    func(*Server)
		durable bool
	}{
		{"discard", (*Server).Discard, false},
		{"stop", (*Server).Stop, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := Start(Options{StoreDir: dir, Port: -2})
			if err != nil {
				t.Fatal(err)
			}
			nc, err := s.Connect("test")
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			js, err := jetstream.New(nc)
			if err != nil {
				t.Fatal(err)
			}
			st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "TASKS", Subjects: []string{"tasks.>"}, Retention: jetstream.WorkQueuePolicy})
			if err != nil {
				t.Fatal(err)
			}
			c, err := st.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: "workers", AckPolicy: jetstream.AckExplicitPolicy})
			if err != nil {
				t.Fatal(err)
			}
			fetched := make(chan error, 1)
			go func() {
				batch, err := c.Fetch(1, jetstream.FetchMaxWait(30*time.Second))
				if err == nil {
					for range batch.Messages() {
					}
					err = batch.Error()
				}
				fetched <- err
			}()
			waitPending(t, ctx, c)
			tc.stop(s)
			if s.Running() {
				t.Fatal("server still running")
			}
			nc.Close()
			select {
			case <-fetched:
			case <-time.After(10 * time.Second):
				t.Fatal("pending fetch did not end with the server")
			}

			s2, err := Start(Options{StoreDir: dir, Port: -2})
			if err != nil {
				t.Fatal(err)
			}
			defer s2.Stop()
			nc2, err := s2.Connect("test")
			if err != nil {
				t.Fatal(err)
			}
			defer nc2.Close()
			js2, err := jetstream.New(nc2)
			if err != nil {
				t.Fatal(err)
			}
			st2, err := js2.Stream(ctx, "TASKS")
			if err != nil {
				t.Fatalf("stream lost: %v", err)
			}
			_, err = st2.Consumer(ctx, "workers")
			if got := err == nil; got != tc.durable {
				t.Errorf("consumer kept = %v (err %v), want %v", got, err, tc.durable)
			}
		})
	}
}

// waitPending waits until the consumer has a pull request waiting.
func waitPending(t *testing.T, ctx context.Context, c jetstream.Consumer) {
	t.Helper()
	for {
		info, err := c.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.NumWaiting > 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal("no pull request became pending")
		case <-time.After(5 * time.Millisecond):
		}
	}
}
