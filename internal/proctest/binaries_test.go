package proctest_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/shoal-io/shoal/internal/proctest"
)

func TestModuleRoot(t *testing.T) {
	root, err := proctest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "module github.com/shoal-io/shoal\n") {
		t.Errorf("%s/go.mod is not shoal's", root)
	}
}

// TestBuiltBinaries checks the programs TestMain built: the shoal CLI,
// and the nats-server of the version go.mod pins.
func TestBuiltBinaries(t *testing.T) {
	dir := t.TempDir()
	r := proctest.MustRun(t, dir, quickWait, shoal("help", "--help"))
	if !strings.Contains(r.Stdout, "coordinator") || !strings.Contains(r.Stdout, "worker") {
		t.Errorf("shoal --help lists no coordinator or worker command:\n%s", r.Stdout)
	}
	root, err := proctest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*github\.com/nats-io/nats-server/v2 (v\S+)`).FindSubmatch(gomod)
	if m == nil {
		t.Fatal("go.mod does not require nats-server")
	}
	r = proctest.MustRun(t, dir, quickWait, proctest.Cmd{Name: "nats-server", Path: bins.NATSServer, Args: []string{"--version"}})
	if !strings.Contains(r.Stdout+r.Stderr, string(m[1])) {
		t.Errorf("nats-server --version says %q, go.mod pins %s", strings.TrimSpace(r.Stdout+r.Stderr), m[1])
	}
}
