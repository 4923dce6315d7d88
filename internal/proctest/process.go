package proctest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// pollEvery is how often waits look at a log file or endpoint again.
const pollEvery = 25 * time.Millisecond

// logTail bounds what a failed test prints of each log.
const logTail = 24 << 10

// Cmd describes a process to start.
type Cmd struct {
	// Name labels the process in messages and names its log files; it
	// need not be unique (a restarted process gets a numbered suffix).
	Name string
	// Path is the program to run.
	Path string
	// Args are its arguments, without the program name.
	Args []string
	// Env is added to the test's environment; later entries win.
	Env []string
	// Dir is the working directory; "" means the test's.
	Dir string
	// Netns, when set, runs the program inside that network namespace
	// (`ip netns exec`, which execs the program: the pid is the
	// program's).
	Netns string
}

// Process is a started program whose output goes to files.
type Process struct {
	name       string
	cmd        *exec.Cmd
	stdoutPath string
	stderrPath string
	done       chan struct{} // closed when the process is reaped
	state      *os.ProcessState
	waitErr    error
}

// Start starts c with its stdout and stderr in files under dir. The
// process is killed when the test ends, and its logs are printed if the
// test failed. It fails the test if the program cannot start.
func Start(t testing.TB, dir string, c Cmd) *Process {
	t.Helper()
	p, err := start(dir, c)
	if err != nil {
		t.Fatalf("starting %s: %v", c.Name, err)
	}
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			t.Logf("%s (pid %d, %s):\n%s", p.name, p.Pid(), p.exitString(), p.logTail())
		}
	})
	return p
}

func start(dir string, c Cmd) (*Process, error) {
	stdout, stdoutPath, err := createLog(dir, c.Name, "stdout")
	if err != nil {
		return nil, err
	}
	defer stdout.Close()
	stderr, stderrPath, err := createLog(dir, c.Name, "stderr")
	if err != nil {
		return nil, err
	}
	defer stderr.Close()
	path, args := c.Path, c.Args
	if c.Netns != "" {
		path, args = "ip", append([]string{"netns", "exec", c.Netns, c.Path}, c.Args...)
	}
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), c.Env...)
	cmd.Dir = c.Dir
	cmd.Stdout, cmd.Stderr = stdout, stderr
	// The kernel kills the child if the test binary dies without running
	// its cleanups (a panic, a -timeout).
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Process{name: c.Name, cmd: cmd, stdoutPath: stdoutPath, stderrPath: stderrPath, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		p.state = cmd.ProcessState
		close(p.done)
	}()
	return p, nil
}

// createLog creates dir/name.stream.log, or name-2, name-3... when a
// process of that name ran before.
func createLog(dir, name, stream string) (*os.File, string, error) {
	for i := 1; ; i++ {
		base := name
		if i > 1 {
			base = fmt.Sprintf("%s-%d", name, i)
		}
		path := filepath.Join(dir, base+"."+stream+".log")
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		return f, path, err
	}
}

// Name returns the name the process was started with.
func (p *Process) Name() string { return p.name }

// Pid returns the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Kill sends SIGKILL, as a crash or the OOM killer would, and waits until
// the process is reaped. Killing an exited process does nothing.
func (p *Process) Kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// Signal sends sig to the process.
func (p *Process) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Wait waits up to timeout for the process to exit and returns its exit
// code, or -1 when a signal ended it. It returns ErrTimeout, leaving the
// process running, when it does not exit in time.
func (p *Process) Wait(timeout time.Duration) (int, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-p.done:
		return p.state.ExitCode(), nil
	case <-t.C:
		return 0, fmt.Errorf("%w: %s still running after %v", ErrTimeout, p.name, timeout)
	}
}

// Exited reports whether the process has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Stdout returns what the process wrote to stdout so far.
func (p *Process) Stdout() string { return readFile(p.stdoutPath) }

// Stderr returns what the process wrote to stderr so far: shoal's logs.
func (p *Process) Stderr() string { return readFile(p.stderrPath) }

// WaitLog waits up to timeout until stdout or stderr contains substr. It
// returns ErrExited if the process exits first without writing it.
func (p *Process) WaitLog(timeout time.Duration, substr string) error {
	deadline := time.Now().Add(timeout)
	for {
		exited := p.Exited() // before reading, so a last line is not missed
		if strings.Contains(p.Stderr(), substr) || strings.Contains(p.Stdout(), substr) {
			return nil
		}
		if exited {
			return fmt.Errorf("%w: %s (%s) without logging %q", ErrExited, p.name, p.exitString(), substr)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: %s did not log %q within %v", ErrTimeout, p.name, substr, timeout)
		}
		time.Sleep(pollEvery)
	}
}

func (p *Process) exitString() string {
	if !p.Exited() {
		return "running"
	}
	return p.state.String()
}

func (p *Process) logTail() string {
	var b strings.Builder
	for _, f := range []struct{ name, path string }{{"stdout", p.stdoutPath}, {"stderr", p.stderrPath}} {
		s := readFile(f.path)
		if len(s) > logTail {
			s = "…" + s[len(s)-logTail:]
		}
		fmt.Fprintf(&b, "--- %s (%s)\n%s", f.name, f.path, s)
		if s != "" && !strings.HasSuffix(s, "\n") {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func readFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(unreadable: %v)", err)
	}
	return string(b)
}

// Result is how a command that ran to its end went.
type Result struct {
	Code           int // exit code; -1 when a signal ended it
	Stdout, Stderr string
}

// Run starts c and waits up to timeout for it to exit; it fails the test
// (after killing the process) if it does not.
func Run(t testing.TB, dir string, timeout time.Duration, c Cmd) Result {
	t.Helper()
	p := Start(t, dir, c)
	code, err := p.Wait(timeout)
	if err != nil {
		p.Kill()
		t.Fatalf("%s %s: %v", c.Name, strings.Join(c.Args, " "), err)
	}
	return Result{Code: code, Stdout: p.Stdout(), Stderr: p.Stderr()}
}

// MustRun is Run that also fails the test on a non-zero exit, showing
// the command's stderr.
func MustRun(t testing.TB, dir string, timeout time.Duration, c Cmd) Result {
	t.Helper()
	r := Run(t, dir, timeout, c)
	if r.Code != 0 {
		t.Fatalf("%s %s: exit %d\n%s", c.Name, strings.Join(c.Args, " "), r.Code, tail(r.Stderr, 4096))
	}
	return r
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// Grep returns the lines of s that contain substr.
func Grep(s, substr string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, substr) {
			out = append(out, line)
		}
	}
	return out
}
