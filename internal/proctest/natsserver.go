package proctest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// readyTimeout bounds how long a nats-server may take to report healthy:
// a restart after SIGKILL recovers its JetStream store first.
const readyTimeout = 60 * time.Second

// NATSOptions configures a nats-server process. The zero value is a
// JetStream server on a free loopback port with its store in a new
// directory.
type NATSOptions struct {
	// Host is the address the client and monitoring ports bind to; ""
	// means 127.0.0.1. Never a wildcard: tests talk only to their own
	// addresses.
	Host string
	// Port is the client port; 0 picks a free one.
	Port int
	// StoreDir is the JetStream directory; "" means a new directory
	// under the test's.
	StoreDir string
	// Config is a configuration file (-c) for what flags cannot say:
	// users, permissions, max_payload. The flags for host, ports and
	// JetStream override what it says about those.
	Config string
	// Env is added to the server's environment; a configuration file
	// can refer to it as $NAME (passwords stay out of the file).
	Env []string
	// Name is the server's name; "" means "proctest". Servers of one
	// cluster need names of their own.
	Name string
	// ClusterPort, when set, makes the server a member of the cluster
	// "proctest" listening for routes there, with Routes the other
	// members' route URLs (see StartNATSCluster).
	ClusterPort int
	Routes      []string
}

// NATSServer is a nats-server process that can be killed and restarted
// on the same port and store.
type NATSServer struct {
	t           testing.TB
	bin, dir    string
	opts        NATSOptions
	monitorPort int
	proc        *Process
}

// StartNATS starts bin as a JetStream nats-server and waits until its
// health endpoint says JetStream is ready. It fails the test otherwise.
func StartNATS(t testing.TB, bin, dir string, opts NATSOptions) *NATSServer {
	t.Helper()
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	var err error
	if opts.Port == 0 {
		if opts.Port, err = FreePort(opts.Host); err != nil {
			t.Fatal(err)
		}
	}
	if opts.StoreDir == "" {
		if opts.StoreDir, err = os.MkdirTemp(dir, "jetstream-"); err != nil {
			t.Fatal(err)
		}
	}
	s := &NATSServer{t: t, bin: bin, dir: dir, opts: opts}
	if s.monitorPort, err = FreePort(opts.Host); err != nil {
		t.Fatal(err)
	}
	s.start()
	return s
}

func (s *NATSServer) start() {
	s.t.Helper()
	s.launch()
	if err := s.WaitReady(readyTimeout); err != nil {
		s.t.Fatal(err)
	}
}

// launch starts the server process without waiting for it.
func (s *NATSServer) launch() {
	s.t.Helper()
	args := []string{"-a", s.opts.Host, "-p", strconv.Itoa(s.opts.Port), "-m", strconv.Itoa(s.monitorPort),
		"-js", "-sd", s.opts.StoreDir, "--server_name", cmp.Or(s.opts.Name, "proctest")}
	if s.opts.ClusterPort != 0 {
		args = append(args, "--cluster_name", "proctest", "--cluster", "nats://"+net.JoinHostPort(s.opts.Host, strconv.Itoa(s.opts.ClusterPort)),
			"--routes", strings.Join(s.opts.Routes, ","))
	}
	if s.opts.Config != "" {
		args = append(args, "-c", s.opts.Config)
	}
	s.proc = Start(s.t, s.dir, Cmd{Name: cmp.Or(s.opts.Name, "nats-server"), Path: s.bin, Args: args, Env: s.opts.Env})
}

// URL is the client URL, nats://host:port.
func (s *NATSServer) URL() string {
	return "nats://" + net.JoinHostPort(s.opts.Host, strconv.Itoa(s.opts.Port))
}

// Process returns the running server process.
func (s *NATSServer) Process() *Process { return s.proc }

// Kill kills the server with SIGKILL.
func (s *NATSServer) Kill() { s.proc.Kill() }

// Restart kills the server if it runs and starts it again on the same
// ports, store and configuration, then waits until it is ready.
func (s *NATSServer) Restart() {
	s.t.Helper()
	s.proc.Kill()
	s.start()
}

// WaitReady polls the monitoring endpoint /healthz until it answers 200
// (the server accepts clients and JetStream is up), or timeout passes.
func (s *NATSServer) WaitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: time.Second}
	url := s.monitorURL() + "/healthz"
	var last string
	for time.Now().Before(deadline) {
		if s.proc.Exited() {
			return fmt.Errorf("%w: nats-server (%s) before it was ready", ErrExited, s.proc.exitString())
		}
		resp, err := client.Get(url)
		if err == nil {
			last = resp.Status
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		} else {
			last = err.Error()
		}
		time.Sleep(pollEvery)
	}
	return fmt.Errorf("%w: nats-server at %s not healthy after %v: %s", ErrTimeout, s.URL(), timeout, last)
}

func (s *NATSServer) monitorURL() string {
	return "http://" + net.JoinHostPort(s.opts.Host, strconv.Itoa(s.monitorPort))
}

// ConsumerStats are the delivery counters of a JetStream consumer, from
// the server's monitoring endpoint.
type ConsumerStats struct {
	// Delivered counts deliveries, redeliveries included (the consumer
	// sequence); Stream is the highest stream sequence delivered. On a
	// consumer that sees every message once, Delivered−Stream is the
	// number of redeliveries so far.
	Delivered, Stream uint64
	// AckPending is the number of messages delivered and not yet acked.
	AckPending int
}

// Consumer returns the counters of consumer name on stream, or an error
// when the server does not know it.
func (s *NATSServer) Consumer(stream, name string) (ConsumerStats, error) {
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(s.monitorURL() + "/jsz?consumers=true")
	if err != nil {
		return ConsumerStats{}, err
	}
	defer resp.Body.Close()
	var jsz struct {
		Accounts []struct {
			Streams []struct {
				Name      string `json:"name"`
				Consumers []struct {
					Name      string `json:"name"`
					Delivered struct {
						Consumer uint64 `json:"consumer_seq"`
						Stream   uint64 `json:"stream_seq"`
					} `json:"delivered"`
					AckPending int `json:"num_ack_pending"`
				} `json:"consumer_detail"`
			} `json:"stream_detail"`
		} `json:"account_details"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&jsz); err != nil {
		return ConsumerStats{}, fmt.Errorf("decoding /jsz: %w", err)
	}
	for _, a := range jsz.Accounts {
		for _, st := range a.Streams {
			for _, c := range st.Consumers {
				if st.Name == stream && c.Name == name {
					return ConsumerStats{Delivered: c.Delivered.Consumer, Stream: c.Delivered.Stream, AckPending: c.AckPending}, nil
				}
			}
		}
	}
	return ConsumerStats{}, fmt.Errorf("consumer %s > %s not found", stream, name)
}

// FreePort returns a TCP port that was free on host a moment ago: it
// listens on port 0 and closes the listener.
func FreePort(host string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, fmt.Errorf("finding a free port on %s: %w", host, err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// WriteFile writes content to dir/name and returns the path.
func WriteFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// StartNATSCluster starts n JetStream servers on host (127.0.0.1 when "")
// routed into one cluster, each with its own store, and waits until
// JetStream has a meta leader, so that streams of n replicas can be made.
func StartNATSCluster(t testing.TB, bin, dir, host string, n int) []*NATSServer {
	t.Helper()
	if host == "" {
		host = "127.0.0.1"
	}
	ports := make([]int, n)
	routes := make([]string, n)
	for i := range ports {
		p, err := FreePort(host)
		if err != nil {
			t.Fatal(err)
		}
		ports[i], routes[i] = p, "nats://"+net.JoinHostPort(host, strconv.Itoa(p))
	}
	servers := make([]*NATSServer, n)
	for i := range servers {
		others := append(append([]string(nil), routes[:i]...), routes[i+1:]...)
		servers[i] = startNATSNoWait(t, bin, dir, NATSOptions{Host: host, Name: fmt.Sprintf("n%d", i+1), ClusterPort: ports[i], Routes: others})
	}
	for _, s := range servers {
		if err := s.WaitReady(readyTimeout); err != nil {
			t.Fatal(err)
		}
	}
	return servers
}

// ClusterURL is every server's client URL, comma-separated, as a client
// that may fail over between them is given.
func ClusterURL(servers []*NATSServer) string {
	urls := make([]string, len(servers))
	for i, s := range servers {
		urls[i] = s.URL()
	}
	return strings.Join(urls, ",")
}

// startNATSNoWait is StartNATS without waiting for health: members of a
// cluster are healthy only once enough of them run.
func startNATSNoWait(t testing.TB, bin, dir string, opts NATSOptions) *NATSServer {
	t.Helper()
	var err error
	if opts.Port == 0 {
		if opts.Port, err = FreePort(opts.Host); err != nil {
			t.Fatal(err)
		}
	}
	if opts.StoreDir, err = os.MkdirTemp(dir, "jetstream-"); err != nil {
		t.Fatal(err)
	}
	s := &NATSServer{t: t, bin: bin, dir: dir, opts: opts}
	if s.monitorPort, err = FreePort(opts.Host); err != nil {
		t.Fatal(err)
	}
	s.launch()
	return s
}

// Name is the server's name (its --server_name).
func (s *NATSServer) Name() string { return cmp.Or(s.opts.Name, "proctest") }

// StreamLeader returns the name of the server that leads stream in its
// JetStream cluster, as this server sees it, and how many servers hold
// the stream (the leader and its followers).
func (s *NATSServer) StreamLeader(stream string) (string, int, error) {
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(s.monitorURL() + "/jsz?streams=true")
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	var jsz struct {
		Accounts []struct {
			Streams []struct {
				Name    string `json:"name"`
				Cluster struct {
					Leader   string            `json:"leader"`
					Replicas []json.RawMessage `json:"replicas"`
				} `json:"cluster"`
			} `json:"stream_detail"`
		} `json:"account_details"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&jsz); err != nil {
		return "", 0, fmt.Errorf("decoding /jsz: %w", err)
	}
	for _, a := range jsz.Accounts {
		for _, st := range a.Streams {
			if st.Name == stream && st.Cluster.Leader != "" {
				return st.Cluster.Leader, 1 + len(st.Cluster.Replicas), nil
			}
		}
	}
	return "", 0, fmt.Errorf("server %s knows no leader of stream %s", s.Name(), stream)
}
