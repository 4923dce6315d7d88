package proctest_test

import (
	"context"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/shoal-io/shoal/internal/proctest"
)

// TestNATSServerRestartKeepsStore checks what the fault tests rely on: a
// restarted server listens on the same port and has the file streams and
// durable consumers of before, and Consumer reads a consumer's counters.
func TestNATSServerRestartKeepsStore(t *testing.T) {
	srv := proctest.StartNATS(t, bins.NATSServer, t.TempDir(), proctest.NATSOptions{})
	url := srv.URL()
	ctx, cancel := context.WithTimeout(context.Background(), quickWait)
	defer cancel()
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "PROBE", Subjects: []string{"probe.>"}, Storage: jetstream.FileStorage}); err != nil {
		t.Fatal(err)
	}
	cons, err := js.CreateConsumer(ctx, "PROBE", jetstream.ConsumerConfig{Durable: "d", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := js.Publish(ctx, "probe.x", []byte("m")); err != nil {
			t.Fatal(err)
		}
	}
	// Deliver the first message twice: once, not acked, then again.
	msg, err := cons.Next()
	if err != nil {
		t.Fatal(err)
	}
	if err := msg.Nak(); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		msg, err := cons.Next()
		if err != nil {
			t.Fatal(err)
		}
		if err := msg.DoubleAck(ctx); err != nil {
			t.Fatal(err)
		}
	}
	st, err := srv.Consumer("PROBE", "d")
	if err != nil {
		t.Fatal(err)
	}
	if st.Delivered != 4 || st.Stream != 3 || st.AckPending != 0 {
		t.Errorf("consumer counters %+v, want 4 deliveries of 3 messages, none pending", st)
	}
	if _, err := srv.Consumer("PROBE", "nope"); err == nil {
		t.Error("Consumer found a consumer that does not exist")
	}

	srv.Restart()
	if srv.URL() != url {
		t.Fatalf("restarted on %s, want %s", srv.URL(), url)
	}
	info, err := js.Stream(ctx, "PROBE")
	if err != nil {
		t.Fatalf("stream after a restart: %v", err)
	}
	if n := info.CachedInfo().State.Msgs; n != 3 {
		t.Errorf("%d messages after a restart, want 3", n)
	}
	if _, err := srv.Consumer("PROBE", "d"); err != nil {
		t.Errorf("durable consumer after a restart: %v", err)
	}
}

// TestNATSServerConfigEnv checks that a configuration file reaches the
// server and can take its secrets from the server's environment.
func TestNATSServerConfigEnv(t *testing.T) {
	dir := t.TempDir()
	conf := proctest.WriteFile(t, dir, "auth.conf", "authorization { token: $PROBE_TOKEN }\n")
	if fi, err := os.Stat(conf); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("config file %v, %v: want mode 0600", fi, err)
	}
	srv := proctest.StartNATS(t, bins.NATSServer, dir, proctest.NATSOptions{Config: conf, Env: []string{"PROBE_TOKEN=s3cret"}})
	if nc, err := nats.Connect(srv.URL()); err == nil {
		nc.Close()
		t.Fatal("connected without the token")
	}
	nc, err := nats.Connect(srv.URL(), nats.Token("s3cret"))
	if err != nil {
		t.Fatalf("with the token from the environment: %v", err)
	}
	nc.Close()
	if strings.Contains(srv.Process().Stderr(), "s3cret") {
		t.Error("the server logged the token")
	}
}

func TestFreePort(t *testing.T) {
	port, err := proctest.FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatalf("port %d is not free: %v", port, err)
	}
	l.Close()
}
