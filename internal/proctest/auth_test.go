package proctest_test

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/shoal-io/shoal/internal/proctest"
)

// permissionsDoc is the documented permission set, relative to the module
// root; its first ```conf block is the server configuration the tests
// run with.
const permissionsDoc = "docs/nats-permissions.md"

// documentedConfig returns the nats-server configuration block of the
// permissions document.
func documentedConfig(t *testing.T) string {
	t.Helper()
	root, err := proctest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, permissionsDoc))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "\n```conf\n")
	if !ok {
		t.Fatalf("%s has no ```conf block", permissionsDoc)
	}
	conf, _, ok := strings.Cut(rest, "\n```")
	if !ok {
		t.Fatalf("%s: the ```conf block is not closed", permissionsDoc)
	}
	return conf + "\n"
}

// secret returns a fresh random credential that can be searched for in
// logs: it cannot occur there by chance.
func secret(t *testing.T, what string) string {
	t.Helper()
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return what + "-" + hex.EncodeToString(b[:])
}

// authSetup is a nats-server that requires credentials, with the
// credentials of each role.
type authSetup struct {
	srv *proctest.NATSServer
	// How each role connects: flags and environment of its processes.
	coordinator, worker, client credentials
	secrets                     []string // to be found nowhere
}

type credentials struct {
	args []string
	env  []string
}

// rejectedWorker is a worker the server must not serve: either it cannot
// log in and exits with an authorization error (exits), or it logs in as
// a user without a worker's permissions and keeps trying.
type rejectedWorker struct {
	credentials
	exits bool
}

// noLeaks fails the test if any secret appears in a file: logs of every
// process the test started, the model.
func noLeaks(t *testing.T, secrets []string, dirs ...string) {
	t.Helper()
	checked := 0
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if strings.HasSuffix(path, ".conf") || strings.HasSuffix(path, ".nk") {
				return nil // where the secrets are meant to be
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			checked++
			for _, s := range secrets {
				if strings.Contains(string(b), s) {
					t.Errorf("%s contains the secret %.12s…", path, s)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("no secret in %d files (logs, model, labels)", checked)
}

// runAuthJob runs the FastCLARA job on a coordinator service, a worker
// with good credentials and a submitting client, each with its own
// credentials, plus the rejected workers, and checks that only the good
// worker did tasks and that the job's model is the undisturbed one. It
// returns the directory holding every log and output.
func runAuthJob(t *testing.T, a *authSetup, rejected map[string]rejectedWorker) string {
	t.Helper()
	dir := t.TempDir()
	data := blobs.get(t)
	job := claraJob(data)
	url := a.srv.URL()
	start := func(name string, cr credentials, args ...string) *proctest.Process {
		c := shoal(name, append(args, cr.args...)...)
		c.Env = cr.env
		return proctest.Start(t, dir, c)
	}
	coord := start("coordinator", a.coordinator, "coordinator", "--nats", url, "--data-dir", filepath.Join(dir, "coordinator"),
		"--allow-read", workDir, "--allow-write", dir, "--log-level", "debug", "--log-format", "json")
	if err := coord.WaitLog(readyWait, "shoal coordinator ready"); err != nil {
		t.Fatal(err)
	}
	good := start("worker", a.worker, "worker", "--nats", url, "-c", "1", "--name", "good", "--log-level", "debug", "--log-format", "json")
	if err := good.WaitLog(readyWait, `"worker ready"`); err != nil {
		t.Fatal(err)
	}
	bad := map[string]*proctest.Process{}
	for name, r := range rejected {
		bad[name] = start("rejected-"+name, r.credentials, "worker", "--nats", url, "-c", "1", "--name", name, "--log-level", "debug", "--log-format", "json")
	}

	model, labels := filepath.Join(dir, "model.json"), filepath.Join(dir, "labels.csv")
	sub := start("submit", a.client, append([]string{"submit", "--nats", url, "--wait", "-q", "--model", model, "--out", labels}, job...)...)
	code, err := sub.Wait(jobWait)
	if err != nil {
		t.Fatal(err)
	}
	if code != 0 {
		t.Fatalf("submit exited %d:\n%s", code, sub.Stderr())
	}
	sameModel(t, "with authentication", reference(t, job), readModel(t, model))
	checkLabelsCSV(t, labels, 200000, 10)
	if n := tasksDone(good); n == 0 {
		t.Errorf("the authenticated worker did no task")
	}
	for name, p := range bad {
		if n := tasksDone(p); n > 0 || len(logRecords(p.Stderr(), "task failed")) > 0 {
			t.Errorf("rejected worker %s ran %d tasks", name, n)
		}
		if !rejected[name].exits {
			if p.Exited() {
				t.Errorf("worker %s without worker permissions exited; it should keep waiting for them", name)
			}
			continue
		}
		code, err := p.Wait(quickWait)
		if err != nil {
			t.Fatal(err)
		}
		if code == 0 {
			t.Errorf("rejected worker %s exited 0", name)
		}
		if !strings.Contains(p.Stderr(), "Authorization Violation") {
			t.Errorf("rejected worker %s did not say why it stopped:\n%s", name, p.Stderr())
		}
	}
	return dir
}

// TestLeastPrivilege runs a job on a nats-server configured with the
// users and permissions of docs/nats-permissions.md, read from that file:
// the coordinator, the worker and the client each restricted to exactly
// the documented subjects. The job must complete with no permission
// violation logged by the server for them; workers with no credentials or
// a wrong password must stop with an authorization error, and one that
// logs in as the client user must get no task; no password may appear in
// any log or output. Then each role is held to its limits: what it must
// not do is refused, what it may do is not.
func TestLeastPrivilege(t *testing.T) {
	dir := t.TempDir()
	pw := map[string]string{"coordinator": secret(t, "coordinator"), "worker": secret(t, "worker"), "client": secret(t, "client")}
	conf := proctest.WriteFile(t, dir, "permissions.conf", documentedConfig(t))
	a := &authSetup{
		srv: proctest.StartNATS(t, bins.NATSServer, dir, proctest.NATSOptions{Config: conf, Env: []string{
			"SHOAL_COORDINATOR_PASSWORD=" + pw["coordinator"],
			"SHOAL_WORKER_PASSWORD=" + pw["worker"],
			"SHOAL_CLIENT_PASSWORD=" + pw["client"],
		}}),
		// The coordinator and the client take the password from the
		// environment; the worker on the command line: neither may leak.
		coordinator: credentials{args: append([]string{"--nats-user", "coordinator"}, inbox("coordinator")...), env: []string{"SHOAL_NATS_PASSWORD=" + pw["coordinator"]}},
		worker:      credentials{args: append([]string{"--nats-user", "worker", "--nats-password", pw["worker"]}, inbox("worker")...)},
		client:      credentials{args: append([]string{"--nats-user", "client"}, inbox("client")...), env: []string{"SHOAL_NATS_PASSWORD=" + pw["client"]}},
		secrets:     []string{pw["coordinator"], pw["worker"], pw["client"]},
	}
	out := runAuthJob(t, a, map[string]rejectedWorker{
		"anonymous":      {exits: true},
		"wrong-password": {credentials{args: []string{"--nats-user", "worker", "--nats-password", secret(t, "wrong")}}, true},
		"as-client":      {credentials{args: append([]string{"--nats-user", "client"}, inbox("client")...), env: []string{"SHOAL_NATS_PASSWORD=" + pw["client"]}}, false},
	})

	serverLog := a.srv.Process().Stderr()
	for _, line := range proctest.Grep(serverLog, "Violation") {
		// The client user posing as a worker is refused on purpose; any
		// other violation means the documented set is too tight.
		if !strings.Contains(line, `shoal-worker-0" - "$G/user:client"`) {
			t.Errorf("permission violation during the job: %s", line)
		}
	}
	if len(proctest.Grep(serverLog, `"$G/user:client" - Publish Violation - Subject "$JS.API.CONSUMER.INFO.SHOAL_TASKS_V1.shoal-workers"`)) == 0 {
		t.Errorf("the server did not refuse the client user posing as a worker:\n%s", strings.Join(proctest.Grep(serverLog, "ERR"), "\n"))
	}
	noLeaks(t, a.secrets, out, dir)

	// Each role's limits, probed on a connection of its own: a refused
	// operation comes back as a permissions violation before the flush
	// that follows it returns.
	for _, c := range []struct {
		user    string
		op      string // "pub" or "sub"
		subject string
		allowed bool
	}{
		{"worker", "pub", "shoal.v1.api.submit", false},
		{"worker", "pub", "shoal.v1.task.injected", false},
		{"worker", "pub", "$JS.API.STREAM.DELETE.SHOAL_TASKS_V1", false},
		{"worker", "pub", "$JS.API.STREAM.PURGE.SHOAL_RESULTS_V1", false},
		{"worker", "pub", "$JS.API.CONSUMER.DELETE.SHOAL_TASKS_V1.shoal-workers", false},
		{"worker", "sub", "shoal.v1.result.>", false},
		{"worker", "sub", "shoal.v1.api.>", false},
		{"worker", "sub", "shoal.v1.task.>", false},
		{"worker", "pub", "$JS.API.CONSUMER.INFO.SHOAL_TASKS_V1.shoal-workers", true},
		{"worker", "pub", "shoal.v1.progress.probe", true},
		{"worker", "sub", "shoal.v1.progress.>", false},
		{"client", "pub", "shoal.v1.progress.forged", false},
		{"coordinator", "sub", "shoal.v1.progress.>", true},
		{"coordinator", "pub", "shoal.v1.progress.forged", false},
		{"worker", "sub", "_INBOX_worker.probe", true},
		{"worker", "sub", "_INBOX.>", false},
		{"worker", "sub", "_INBOX_client.>", false},
		{"worker", "sub", "_INBOX_coordinator.>", false},
		{"client", "sub", "_INBOX_coordinator.>", false},
		{"client", "sub", "_INBOX_client.probe", true},
		{"coordinator", "sub", "_INBOX_client.>", false},
		{"client", "pub", "shoal.v1.result.forged", false},
		{"client", "pub", "$JS.API.CONSUMER.MSG.NEXT.SHOAL_TASKS_V1.shoal-workers", false},
		{"client", "pub", "$JS.API.STREAM.INFO.SHOAL_TASKS_V1", false},
		{"client", "sub", "shoal.v1.task.>", false},
		{"client", "sub", "shoal.v1.api.>", false},
		{"client", "pub", "shoal.v1.api.list", true},
		{"coordinator", "pub", "$JS.API.STREAM.DELETE.SHOAL_TASKS_V1", false},
		{"coordinator", "pub", "$JS.API.CONSUMER.DELETE.SHOAL_TASKS_V1.shoal-workers", false},
		{"coordinator", "pub", "shoal.v1.result.forged", false},
		{"coordinator", "sub", "shoal.v1.task.>", false},
		{"coordinator", "sub", "shoal.v1.api.>", true},
	} {
		name := fmt.Sprintf("%s %s %s", c.user, c.op, c.subject)
		nc, err := nats.Connect(a.srv.URL(), nats.UserInfo(c.user, pw[c.user]), nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if c.op == "pub" {
			err = nc.Publish(c.subject, []byte("probe"))
		} else {
			_, err = nc.SubscribeSync(c.subject)
		}
		if err == nil {
			err = nc.FlushTimeout(quickWait)
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		last := nc.LastError()
		nc.Close()
		refused := last != nil && strings.Contains(last.Error(), "Permissions Violation")
		if refused == c.allowed {
			t.Errorf("%s: allowed %v, want %v (last error: %v)", name, !refused, c.allowed, last)
		} else {
			t.Logf("%s: allowed %v, as documented", name, c.allowed)
		}
	}
}

// TestAuthToken runs the job on a server that wants one shared token:
// the token comes from SHOAL_NATS_TOKEN, a worker with a wrong token stops
// with an authorization error, and the token appears in no log.
func TestAuthToken(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the token variant is skipped")
	}
	dir := t.TempDir()
	token := secret(t, "token")
	conf := proctest.WriteFile(t, dir, "token.conf", "authorization { token: $SHOAL_TEST_TOKEN }\n")
	cr := credentials{env: []string{"SHOAL_NATS_TOKEN=" + token}}
	a := &authSetup{
		srv:         proctest.StartNATS(t, bins.NATSServer, dir, proctest.NATSOptions{Config: conf, Env: []string{"SHOAL_TEST_TOKEN=" + token}}),
		coordinator: cr, worker: cr, client: cr,
		secrets: []string{token},
	}
	out := runAuthJob(t, a, map[string]rejectedWorker{
		"wrong-token": {credentials{args: []string{"--nats-token", secret(t, "wrong")}}, true},
		"anonymous":   {exits: true},
	})
	noLeaks(t, a.secrets, out, dir)
}

// inbox is the --nats-inbox-prefix flag of a role in the documented
// configuration, which lets each role subscribe to its own replies only.
func inbox(role string) []string { return []string{"--nats-inbox-prefix", "_INBOX_" + role} }

// userLine matches a user and password pair of the documented
// configuration.
var userLine = regexp.MustCompile(`user: (\w+)\n(\s*)password: \$\w+`)

// TestAuthNKey runs the job with nkey users that carry the documented
// permissions unchanged (the document says they apply to nkey users): the
// documented configuration with each user and password replaced by a
// fresh nkey. A worker with an nkey the server does not know is refused,
// and no seed appears in any log.
func TestAuthNKey(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the nkey variant is skipped")
	}
	dir := t.TempDir()
	roles := map[string]credentials{}
	var secrets []string
	newUser := func(name string) (public string, cr credentials) {
		kp, err := nkeys.CreateUser()
		if err != nil {
			t.Fatal(err)
		}
		seed, err := kp.Seed()
		if err != nil {
			t.Fatal(err)
		}
		public, err = kp.PublicKey()
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, string(seed))
		return public, credentials{args: append([]string{"--nats-nkey", proctest.WriteFile(t, dir, name+".nk", string(seed)+"\n")}, inbox(name)...)}
	}
	conf := userLine.ReplaceAllStringFunc(documentedConfig(t), func(m string) string {
		sub := userLine.FindStringSubmatch(m)
		public, cr := newUser(sub[1])
		roles[sub[1]] = cr
		return "nkey: " + public
	})
	if len(roles) != 3 {
		t.Fatalf("found users %v in %s, want coordinator, worker and client", roles, permissionsDoc)
	}
	_, stranger := newUser("stranger")
	a := &authSetup{
		srv:         proctest.StartNATS(t, bins.NATSServer, dir, proctest.NATSOptions{Config: proctest.WriteFile(t, dir, "nkeys.conf", conf)}),
		coordinator: roles["coordinator"], worker: roles["worker"], client: roles["client"],
		secrets: secrets,
	}
	out := runAuthJob(t, a, map[string]rejectedWorker{"unknown-nkey": {stranger, true}})
	for _, line := range proctest.Grep(a.srv.Process().Stderr(), "Violation") {
		t.Errorf("permission violation during the job: %s", line)
	}
	noLeaks(t, a.secrets, out, dir)
}

// TestRefusedPublish takes one publish permission away from the
// documented set and requires the job to fail with a message that names
// the refusal, rather than hang: NATS refuses a publish without a reply,
// so a process that only waited for the stream's ack would wait forever
// (the coordinator) or retry for minutes (the workers).
func TestRefusedPublish(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: refused publishes are skipped")
	}
	job := faultJobs(fuzzy.get(t), false)[2].withSeed(1) // FastCLARA
	for _, c := range []struct {
		name, line      string   // the entry taken away
		coordinatorArgs []string //
		reason          []string // what the submit's error must say
		log             string   // "worker" when the worker's log must name the refusal
	}{
		{"coordinator-tasks", `"shoal.v1.task.>"`, nil,
			[]string{"permissions violation", `shoal.v1.task.`, "coordinator's user"}, ""},
		{"worker-results", `"shoal.v1.result.>"`, []string{"--max-deliver", "2"},
			[]string{"delivered 2 times without a result"}, "worker"},
	} {
		t.Run(c.name, func(t *testing.T) {
			conf := documentedConfig(t)
			var kept []string
			for _, l := range strings.Split(conf, "\n") {
				if strings.TrimSpace(l) != c.line {
					kept = append(kept, l)
				}
			}
			if len(kept) != strings.Count(conf, "\n") {
				t.Fatalf("%s appears %d times in the documented configuration, want once", c.line, strings.Count(conf, "\n")+1-len(kept))
			}
			s := newService(t, 1, serviceOptions{users: strings.Join(kept, "\n"), coordinatorArgs: c.coordinatorArgs})
			sub := s.submit("submit", filepath.Join(t.TempDir(), "model.json"), job)
			code, err := sub.Wait(jobWait)
			if err != nil {
				t.Fatal(err)
			}
			if code == 0 {
				t.Fatal("the job succeeded without the permission")
			}
			for _, want := range c.reason {
				if !strings.Contains(sub.Stderr(), want) {
					t.Errorf("submit's error does not say %q:\n%s", want, sub.Stderr())
				}
			}
			if c.log == "worker" {
				// The worker gives up on the result at once, saying why,
				// instead of sending it again for a minute.
				named := false
				for _, rec := range logRecords(s.workers[0].Stderr(), "publishing a result") {
					named = named || strings.Contains(fmt.Sprint(rec["err"]), "permissions of the worker's user")
				}
				if !named {
					t.Errorf("the worker's log does not name the refusal:\n%s", s.workers[0].Stderr())
				}
			}
			t.Logf("failed as it should: %s", strings.TrimSpace(sub.Stderr()))
		})
	}
}
