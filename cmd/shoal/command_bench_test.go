package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestBenchKMedoids(t *testing.T) {
	data := filepath.Join(t.TempDir(), "b.csv")
	if code, _, e := shoal(t, "gen", "blobs", "--n", "300", "--d", "3", "--k", "4", "--out", data); code != 0 {
		t.Fatal(e)
	}
	code, out, e := shoal(t, "bench", "kmedoids", "--input", data, "--exclude", "label", "--k", "4", "--algo", "pam,fastpam1,fasterpam")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, e)
	}
	loss := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^(\w+)\s+[0-9.]+s\s+loss ([0-9.]+)`).FindAllStringSubmatch(out, -1) {
		loss[m[1]] = m[2]
	}
	// FastPAM1 makes PAM's swaps from the same start, so the losses agree
	// to the last printed digit.
	if loss["pam"] == "" || loss["pam"] != loss["fastpam1"] || loss["fasterpam"] == "" {
		t.Errorf("losses %v in:\n%s", loss, out)
	}
	// The whole job's split, and FasterPAM on one goroutine and on three
	// makes the same swaps: the same loss to the last digit.
	split := regexp.MustCompile(`(?m)^total\s+[0-9.]+s\s+= matrix [0-9.]+ \+ build [0-9.]+ \+ fasterpam [0-9.]+\s+loss ([0-9.]+)$`)
	for _, p := range []string{"1", "3"} {
		code, out, e := shoal(t, "bench", "kmedoids", "--input", data, "--exclude", "label", "--k", "4", "--parallelism", p)
		m := split.FindStringSubmatch(out)
		if code != 0 || m == nil || m[1] != loss["fasterpam"] {
			t.Errorf("--parallelism %s: exit %d, split %q, want loss %s:\n%s%s", p, code, m, loss["fasterpam"], out, e)
		}
	}
}

func TestBenchAssign(t *testing.T) {
	code, out, e := shoal(t, "bench", "assign", "--n", "2000", "--d", "4", "--k", "3", "--repeat", "1")
	if code != 0 || !strings.Contains(out, "GFLOP/s") {
		t.Fatalf("exit %d: %s %s", code, out, e)
	}
}
