package proctest_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoal-io/shoal/internal/proctest"
)

func sh(name, script string) proctest.Cmd {
	return proctest.Cmd{Name: name, Path: "/bin/sh", Args: []string{"-c", script}}
}

func TestProcessExitAndLogs(t *testing.T) {
	dir := t.TempDir()
	p := proctest.Start(t, dir, sh("echo", `echo out; echo "err $SHOAL_PROCTEST_X" >&2; exit 3`))
	code, err := p.Wait(quickWait)
	if err != nil {
		t.Fatal(err)
	}
	if code != 3 {
		t.Errorf("exit code %d, want 3", code)
	}
	if p.Stdout() != "out\n" {
		t.Errorf("stdout %q, want %q", p.Stdout(), "out\n")
	}
	if p.Stderr() != "err \n" {
		t.Errorf("stderr %q, want %q", p.Stderr(), "err \n")
	}

	c := sh("env", `echo "err $SHOAL_PROCTEST_X" >&2`)
	c.Env = []string{"SHOAL_PROCTEST_X=first", "SHOAL_PROCTEST_X=second"}
	r := proctest.MustRun(t, dir, quickWait, c)
	if r.Stderr != "err second\n" {
		t.Errorf("stderr %q: want the later of two settings of a variable", r.Stderr)
	}
}

func TestProcessLogFilesPerStart(t *testing.T) {
	dir := t.TempDir()
	a := proctest.Run(t, dir, quickWait, sh("same", "echo first"))
	b := proctest.Run(t, dir, quickWait, sh("same", "echo second"))
	if a.Stdout != "first\n" || b.Stdout != "second\n" {
		t.Fatalf("two processes of one name share a log: %q, %q", a.Stdout, b.Stdout)
	}
	logs, err := filepath.Glob(filepath.Join(dir, "same*.stdout.log"))
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) != 2 {
		t.Errorf("log files %v, want two", logs)
	}
}

func TestProcessKill(t *testing.T) {
	p := proctest.Start(t, t.TempDir(), sh("sleeper", "echo started; exec sleep 60"))
	if err := p.WaitLog(quickWait, "started"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Wait(50 * time.Millisecond); !errors.Is(err, proctest.ErrTimeout) {
		t.Fatalf("Wait on a sleeping process: %v, want ErrTimeout", err)
	}
	if p.Exited() {
		t.Fatal("a sleeping process says it exited")
	}
	p.Kill()
	code, err := p.Wait(quickWait)
	if err != nil {
		t.Fatal(err)
	}
	if code != -1 {
		t.Errorf("exit code after SIGKILL %d, want -1 (a signal)", code)
	}
	p.Kill() // a second kill is harmless
}

func TestProcessWaitLogExited(t *testing.T) {
	p := proctest.Start(t, t.TempDir(), sh("short", "echo something else"))
	err := p.WaitLog(quickWait, "never written")
	if !errors.Is(err, proctest.ErrExited) {
		t.Fatalf("WaitLog for a line a finished process never wrote: %v, want ErrExited", err)
	}
	// A line written just before the exit is still found.
	if err := p.WaitLog(quickWait, "something"); err != nil {
		t.Fatal(err)
	}
}

func TestGrep(t *testing.T) {
	for _, c := range []struct {
		text, substr string
		want         []string
	}{
		{"a1\nb\na2\n", "a", []string{"a1", "a2"}},
		{"a1\nb", "b", []string{"b"}},
		{"", "a", nil},
		{"x\ny", "z", nil},
	} {
		got := proctest.Grep(c.text, c.substr)
		if strings.Join(got, "|") != strings.Join(c.want, "|") || len(got) != len(c.want) {
			t.Errorf("Grep(%q, %q) = %q, want %q", c.text, c.substr, got, c.want)
		}
	}
}
