package main

import (
	"strings"
	"testing"
)

// --n-init takes auto or 1 to wire.MaxNInit runs, for k-means only: any
// other value, or a k-medoids algorithm, is one usage line before
// anything runs.
func TestNInitFlag(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--demo", "--n-init", "0"}, `invalid argument "0" for "--n-init" flag: want auto or a number of runs from 1 to 100`},
		{[]string{"run", "--demo", "--n-init", "-1"}, `invalid argument "-1" for "--n-init" flag`},
		{[]string{"run", "--demo", "--n-init", "1000000"}, `invalid argument "1000000" for "--n-init" flag`},
		{[]string{"run", "--demo", "--n-init", "three"}, `invalid argument "three" for "--n-init" flag`},
		{[]string{"run", "--demo", "--n-init", "3", "--algo", "fasterpam"}, "--n-init does not apply to --algo fasterpam"},
		{[]string{"run", "--demo", "--n-init", "2", "--algo", "fastclara"}, "--n-init does not apply to --algo fastclara"},
		{[]string{"submit", "--nats", "nats://127.0.0.1:1", "--input", "x.csv", "--k", "2", "--n-init", "0"}, `invalid argument "0" for "--n-init" flag`},
	} {
		code, _, stderr := shoal(t, c.args...)
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if code != 2 || !strings.Contains(stderr, c.want) || len(lines) != 1 {
			t.Errorf("shoal %v: exit %d, %q; want exit 2 and one line mentioning %q", c.args, code, stderr, c.want)
		}
	}
}
