package proctest_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoal-io/shoal/internal/proctest"
)

// TestCSVByteRanges runs `shoal run` on a CSV file whose records straddle
// the byte ranges its workers count. The coordinator plans it from its
// head alone, unless the job is staged (--stage), when it counts the file
// itself as it always did: both give the same model and the same labels.
// A file with a quoted newline past the sampled head is refused with one
// line naming it, as are byte ranges that would miscount it.
func TestCSVByteRanges(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(9, 9))
	var b strings.Builder
	b.WriteString("id,x,y,z,note\r\n")
	for i := range 5000 {
		c := float32(i % 4 * 8)
		fmt.Fprintf(&b, "%d,%g,%g,%g,", i, c+float32(rng.NormFloat64()), float32(rng.NormFloat64()), c-float32(rng.NormFloat64()))
		if i%9 == 0 {
			fmt.Fprintf(&b, "\"n, %d\"\r\n", i)
		} else {
			b.WriteString("-\r\n")
		}
	}
	in := t.TempDir() // the user's files; the processes log into dir
	data := proctest.WriteFile(t, in, "data.csv", strings.TrimSuffix(b.String(), "\r\n"))
	snap := takeSnapshot(t, in)
	job := []string{"--input", data, "--exclude", "id", "--k", "4", "--algo", "minibatch", "--seed", "5", "--shard-rows", "300"}
	run := func(name string, extra ...string) (model, []byte) {
		t.Helper()
		out := t.TempDir()
		m, labels := filepath.Join(out, "model.json"), filepath.Join(out, "labels.csv")
		args := append([]string{"run", "--workers", "2", "-q", "--data-dir", filepath.Join(out, "data"), "--model", m, "--out", labels}, job...)
		proctest.MustRun(t, dir, jobWait, shoal(name, append(args, extra...)...))
		checkLabelsCSV(t, labels, 5000, 4)
		l, err := os.ReadFile(labels)
		if err != nil {
			t.Fatal(err)
		}
		return readModel(t, m), l
	}
	ranged, ranges := run("ranges")
	counted, count := run("counted", "--stage")
	sameModel(t, "byte ranges", counted, ranged)
	if !bytes.Equal(ranges, count) {
		t.Error("labels from byte ranges differ from those of the counted plan")
	}
	snap.unchanged(t, in)

	var m strings.Builder
	m.WriteString("x,note\n")
	for i := range 400 {
		if i == 250 {
			m.WriteString("250,\"two\nlines\"\n")
			continue
		}
		fmt.Fprintf(&m, "%d,-\n", i)
	}
	multi := proctest.WriteFile(t, dir, "multi.csv", m.String())
	refused(t, dir, 1, []string{"run", "--workers", "1", "-q", "--data-dir", filepath.Join(t.TempDir(), "data"), "--input", multi, "--columns", "x", "--k", "2"},
		"multi.csv", "quoted CSV field spans lines")
}
