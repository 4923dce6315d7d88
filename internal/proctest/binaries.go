package proctest

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// Binaries are the programs a test runs, built by Build.
type Binaries struct {
	// Shoal is the shoal binary (./cmd/shoal).
	Shoal string
	// NATSServer is the nats-server pinned as a tool in go.mod, so the
	// server under test is the version the embedded one is.
	NATSServer string
	// VersityGW is the S3 server pinned as a tool in go.mod (versitygw,
	// with its POSIX backend: a directory per bucket, a file per object).
	VersityGW string
}

// Build compiles shoal, nats-server and versitygw into dir with the go command on
// PATH, from the module root of the working directory. A cold build of
// nats-server or versitygw takes about 90 s; the build cache makes later ones take
// seconds, so call it once per test binary (TestMain), not per test.
func Build(dir string) (Binaries, error) {
	root, err := ModuleRoot()
	if err != nil {
		return Binaries{}, err
	}
	b := Binaries{Shoal: filepath.Join(dir, "shoal"), NATSServer: filepath.Join(dir, "nats-server"), VersityGW: filepath.Join(dir, "versitygw")}
	for _, target := range []struct{ out, pkg string }{
		{b.Shoal, "./cmd/shoal"},
		{b.NATSServer, "github.com/nats-io/nats-server/v2"},
		{b.VersityGW, "github.com/versity/versitygw/cmd/versitygw"},
	} {
		cmd := exec.Command("go", "build", "-o", target.out, target.pkg)
		cmd.Dir = root
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return Binaries{}, fmt.Errorf("%w: go build %s: %v\n%s", ErrBuild, target.pkg, err, out.String())
		}
	}
	return b, nil
}

// ModuleRoot returns the directory of the main module's go.mod.
func ModuleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("%w: go env GOMOD: %v", ErrBuild, err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == "/dev/null" {
		return "", fmt.Errorf("%w: not inside a module", ErrBuild)
	}
	return filepath.Dir(gomod), nil
}
