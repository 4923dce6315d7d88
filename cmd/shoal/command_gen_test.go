package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestGenRefusesSizes checks that shoal gen blobs refuses what it cannot
// generate or hold with exit 2 and one line, and writes nothing.
func TestGenRefusesSizes(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"zero rows", []string{"--n", "0"}, "--n, --d and --k"},
		{"negative d", []string{"--d", "-3"}, "--n, --d and --k"},
		{"zero std", []string{"--std", "0"}, "--std"},
		{"NaN std", []string{"--std", "NaN"}, "--std"},
		{"infinite box", []string{"--box", "Inf"}, "--box"},
		{"zero batch", []string{"--batch-rows", "0"}, "--batch-rows"},
		{"n×d overflows", []string{"--n", "9223372036854775807", "--d", "9223372036854775807"}, "features"},
		{"values past any disk", []string{"--n", "4611686018427387904", "--d", "8"}, "more than any disk holds"},
		{"centres past memory", []string{"--d", "65536", "--k", "1000000"}, "GiB of memory"},
		{"batch past memory", []string{"--d", "60000", "--batch-rows", "10000000"}, "GiB of memory"},
		{"more than the disk", []string{"--n", "1000000000000", "--d", "1000"}, "free"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			out := dir + "/blobs.parquet"
			var stdout, stderr bytes.Buffer
			code := execute(append([]string{"gen", "blobs", "--out", out}, c.args...), &stdout, &stderr)
			msg := strings.TrimRight(stderr.String(), "\n")
			if code != exitUsage || strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "shoal: ") || !strings.Contains(msg, c.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and one line mentioning %q", code, msg, exitUsage, c.want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("a refused gen left %d files", len(entries))
			}
		})
	}
}
