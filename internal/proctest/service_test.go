package proctest_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/shoal-io/shoal/coordinator"
	"github.com/shoal-io/shoal/internal/proctest"
)

// ackWait is the coordinator's --ack-wait in the fault tests: a task held
// by a killed worker is offered again this soon.
const ackWait = 2 * time.Second

// service is a nats-server, a `shoal coordinator` service and worker
// processes, each of which a test may kill and start again.
type service struct {
	t           *testing.T
	dir         string
	srv         *proctest.NATSServer
	cluster     []*proctest.NATSServer // every server of a clustered service; srv is the first
	url         string                 // every server's client URL
	dataDir     string
	metricsAddr string
	coord       *proctest.Process
	workers     []*proctest.Process
	started     int // workers started so far, for names
	// roles holds how the coordinator, a worker and a client log in; all
	// anonymous unless the service is started with the documented users.
	roles     map[string]credentials
	pw        map[string]string
	coordArgs []string
	allow     []string // the coordinator's --allow-read/--allow-write flags
}

// serviceOptions shape a service; the zero value is an open server.
type serviceOptions struct {
	// users is a nats-server configuration with the users coordinator,
	// worker and client and their passwords in $SHOAL_<ROLE>_PASSWORD, as
	// the documented one; every process then logs in as its role.
	users string
	// coordinatorArgs are added to the coordinator's flags.
	coordinatorArgs []string
	// allow, when not nil, replaces the coordinator's default roots
	// (--allow-read of the shared datasets, --allow-write of the test's
	// directory); an empty slice gives it none.
	allow []string
	// cluster, when more than 1, runs that many nats-servers routed into
	// a JetStream cluster in place of one server.
	cluster int
}

// newService starts a nats-server, a coordinator service and workers.
func newService(t *testing.T, workers int, opts serviceOptions) *service {
	t.Helper()
	dir := t.TempDir()
	s := &service{t: t, dir: dir, dataDir: filepath.Join(dir, "coordinator"), roles: map[string]credentials{}, coordArgs: opts.coordinatorArgs,
		allow: opts.allow}
	if s.allow == nil {
		s.allow = []string{"--allow-read", workDir, "--allow-write", dir}
	}
	var nopts proctest.NATSOptions
	if opts.users != "" {
		s.pw = map[string]string{}
		for _, role := range []string{"coordinator", "worker", "client"} {
			s.pw[role] = secret(t, role)
			nopts.Env = append(nopts.Env, fmt.Sprintf("SHOAL_%s_PASSWORD=%s", strings.ToUpper(role), s.pw[role]))
			s.roles[role] = credentials{args: append([]string{"--nats-user", role}, inbox(role)...), env: []string{"SHOAL_NATS_PASSWORD=" + s.pw[role]}}
		}
		nopts.Config = proctest.WriteFile(t, dir, "users.conf", opts.users)
	}
	if opts.cluster > 1 {
		s.cluster = proctest.StartNATSCluster(t, bins.NATSServer, dir, "", opts.cluster)
		s.srv, s.url = s.cluster[0], proctest.ClusterURL(s.cluster)
	} else {
		s.srv = proctest.StartNATS(t, bins.NATSServer, dir, nopts)
		s.url = s.srv.URL()
	}
	port, err := proctest.FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	s.metricsAddr = fmt.Sprintf("127.0.0.1:%d", port)
	s.startCoordinator()
	for range workers {
		s.startWorker()
	}
	return s
}

// cmd describes a shoal process logging in as role.
func (s *service) cmd(role, name string, args ...string) proctest.Cmd {
	cr := s.roles[role]
	c := shoal(name, append(args, cr.args...)...)
	c.Env = cr.env
	return c
}

// startCoordinator starts the coordinator service on the same data
// directory and metrics address as any before it, and waits until it
// answers.
func (s *service) startCoordinator() {
	s.t.Helper()
	args := append([]string{"coordinator", "--nats", s.url,
		"--data-dir", s.dataDir, "--ack-wait", ackWait.String(), "--metrics-addr", s.metricsAddr,
		"--log-level", "info", "--log-format", "json"}, append(s.allow, s.coordArgs...)...)
	s.coord = proctest.Start(s.t, s.dir, s.cmd("coordinator", "coordinator", args...))
	if err := s.coord.WaitLog(readyWait, "shoal coordinator ready"); err != nil {
		s.t.Fatal(err)
	}
}

// startWorker starts a worker process of one task at a time and waits
// until it pulls.
func (s *service) startWorker() *proctest.Process {
	s.t.Helper()
	s.started++
	name := fmt.Sprintf("w%d", s.started)
	w := proctest.Start(s.t, s.dir, s.cmd("worker", name, "worker", "--nats", s.url, "-c", "1", "--name", name,
		"--log-level", "debug", "--log-format", "json"))
	if err := w.WaitLog(readyWait, `"worker ready"`); err != nil {
		s.t.Fatal(err)
	}
	s.workers = append(s.workers, w)
	return w
}

// submit starts `shoal submit --wait` for job, writing the model to
// model.
func (s *service) submit(name, modelPath string, job []string) *proctest.Process {
	args := append([]string{"submit", "--nats", s.url, "--wait", "-q", "--model", modelPath}, job...)
	return proctest.Start(s.t, s.dir, s.cmd("client", name, args...))
}

// waitSubmit waits for a submit process and fails the test unless it
// exits 0.
func (s *service) waitSubmit(p *proctest.Process) {
	s.t.Helper()
	code, err := p.Wait(jobWait)
	if err != nil {
		s.t.Fatal(err)
	}
	if code != 0 {
		s.t.Fatalf("%s exited %d:\n%s", p.Name(), code, p.Stderr())
	}
}

// client returns a job API client on its own connection.
func (s *service) client() *coordinator.Client {
	s.t.Helper()
	opts := []nats.Option{nats.MaxReconnects(-1)}
	if pw, ok := s.pw["client"]; ok {
		opts = append(opts, nats.UserInfo("client", pw), nats.CustomInboxPrefix("_INBOX_client"))
	}
	nc, err := nats.Connect(s.url, opts...)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(nc.Close)
	return coordinator.NewClient(nc)
}

// waitProgress polls the job's status until ok accepts its progress, and
// returns that progress. The job must not end first.
func (s *service) waitProgress(c *coordinator.Client, id string, ok func(coordinator.Progress) bool) coordinator.Progress {
	s.t.Helper()
	p, ended := s.pollProgress(c, id, ok)
	if ended {
		s.t.Fatalf("job %s ended before the moment the test waited for", id)
	}
	return p
}

// pollProgress polls the job's status until ok accepts its progress or
// the job ends, and says which.
func (s *service) pollProgress(c *coordinator.Client, id string, ok func(coordinator.Progress) bool) (p coordinator.Progress, ended bool) {
	s.t.Helper()
	deadline := time.Now().Add(jobWait)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		st, err := c.Status(ctx, id)
		cancel()
		if err == nil && st.State.Terminal() {
			return coordinator.Progress{}, true
		}
		if err == nil && st.Progress != nil && ok(*st.Progress) {
			return *st.Progress, false
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.t.Fatalf("job %s: progress never reached the point the test waited for", id)
	return coordinator.Progress{}, false
}

// jobDone returns the coordinator's "job done" record of job id.
func jobDone(t *testing.T, coord *proctest.Process, id string) map[string]any {
	t.Helper()
	for _, rec := range logRecords(coord.Stderr(), "job done") {
		if rec["job"] == id {
			return rec
		}
	}
	t.Fatalf("%s logged no job done for %s", coord.Name(), id)
	return nil
}

// metric reads one sample of the coordinator's Prometheus endpoint; a
// sample that is not there yet counts 0.
func (s *service) metric(sample string) float64 {
	s.t.Helper()
	resp, err := http.Get("http://" + s.metricsAddr + "/metrics")
	if err != nil {
		s.t.Fatalf("metrics: %v", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if ok && name == sample {
			v, err := strconv.ParseFloat(value, 64)
			if err != nil {
				s.t.Fatalf("metrics: %q: %v", sc.Text(), err)
			}
			return v
		}
	}
	if err := sc.Err(); err != nil {
		s.t.Fatalf("metrics: %v", err)
	}
	return 0
}
