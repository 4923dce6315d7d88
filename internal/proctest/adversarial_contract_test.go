package proctest_test

// Issue 12, item 7: one error contract. Every failure is one stderr line,
// exit 2 for a bad flag, argument or path, 1 for a failed job, and no
// secret of a NATS URL is ever printed, even from a URL that does not
// parse.

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoal-io/shoal/internal/proctest"
)

func TestAdversarialErrorContract(t *testing.T) {
	data := blobs.get(t)
	dir := t.TempDir()
	cases := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"unknown command", []string{"frobnicate"}, exitUsage, []string{"unknown command"}},
		{"stray argument", []string{"run", "extra", "--k", "2", "--input", data}, exitUsage, []string{"extra"}},
		{"missing argument", []string{"status", "--nats", "nats://127.0.0.1:1"}, exitUsage, []string{"arg"}},
		{"unknown flag", []string{"run", "--frobnicate"}, exitUsage, []string{"frobnicate"}},
		{"missing input", []string{"run", "-q", "--k", "2", "--input", filepath.Join(dir, "nope.parquet")}, exitUsage, []string{"nope.parquet"}},
		{"unknown column", []string{"run", "-q", "--k", "2", "--input", data, "--columns", "zz"}, exitUsage, []string{"zz"}},
		{"NaN parameter", []string{"run", "-q", "--k", "2", "--input", data, "--algo", "kmeans", "--tol", "NaN"}, exitUsage, []string{"tol"}},
		{"huge parameter", []string{"run", "-q", "--k", "2", "--input", data, "--max-iter", "1000000000"}, exitUsage, []string{"max_iter"}},
		{"huge k", []string{"run", "-q", "--k", "1000000000", "--input", data, "--exclude", "label"}, exitFailed, []string{"k=1000000000"}},
		{"password in a URL that does not parse", []string{"jobs", "--nats", "nats://admin:hunter 2@127.0.0.1:1"}, exitUsage, []string{"redacted"}},
		{"token in a URL that does not parse", []string{"jobs", "--nats", "nats://s3cr%zzet@127.0.0.1:1"}, exitUsage, []string{"redacted"}},
		{"password in a URL without a server", []string{"jobs", "--nats", "nats://admin:hunter2@127.0.0.1:1"}, exitFailed, []string{"redacted"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			line := refused(t, t.TempDir(), c.code, c.args, c.want...)
			for _, secret := range []string{"hunter", "s3cr", "zzet"} {
				if strings.Contains(line, secret) {
					t.Errorf("stderr shows a secret: %s", line)
				}
			}
		})
	}
	t.Run("version", func(t *testing.T) {
		r := proctest.MustRun(t, t.TempDir(), quickWait, shoal("version", "--version"))
		if !strings.HasPrefix(r.Stdout, "shoal ") || !strings.Contains(r.Stdout, "go1.") {
			t.Errorf("--version printed %q", r.Stdout)
		}
	})
}
