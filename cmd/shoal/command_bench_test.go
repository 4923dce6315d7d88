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
}

func TestBenchAssign(t *testing.T) {
	code, out, e := shoal(t, "bench", "assign", "--n", "2000", "--d", "4", "--k", "3", "--repeat", "1")
	if code != 0 || !strings.Contains(out, "GFLOP/s") {
		t.Fatalf("exit %d: %s %s", code, out, e)
	}
}
