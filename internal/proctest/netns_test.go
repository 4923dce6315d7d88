package proctest_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/shoal-io/shoal/internal/proctest"
)

// TestNetnsCleanup checks that the namespaces and the bridge exist while
// the test that made them runs, have the addresses they claim, and are
// gone after it.
func TestNetnsCleanup(t *testing.T) {
	var ns *proctest.Netns
	t.Run("make", func(t *testing.T) {
		ns = proctest.NewNetns(t, 2)
		list, err := exec.Command("ip", "netns", "list").Output()
		if err != nil {
			t.Fatal(err)
		}
		for i, name := range ns.Names {
			if !strings.Contains(string(list), name) {
				t.Errorf("namespace %s not in ip netns list:\n%s", name, list)
			}
			out, err := exec.Command("ip", "-n", name, "-4", "addr").Output()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(out), ns.Addrs[i]+"/24") {
				t.Errorf("namespace %s lacks address %s:\n%s", name, ns.Addrs[i], out)
			}
		}
		out, err := exec.Command("ip", "-4", "addr", "show", "dev", ns.Bridge).Output()
		if err != nil || !strings.Contains(string(out), ns.HostAddr+"/24") {
			t.Errorf("bridge %s lacks address %s: %v\n%s", ns.Bridge, ns.HostAddr, err, out)
		}
	})
	if ns == nil {
		return // skipped: not root, or no ip netns
	}
	list, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range ns.Names {
		if strings.Contains(string(list), name) {
			t.Errorf("namespace %s left behind", name)
		}
	}
	if err := exec.Command("ip", "link", "show", "dev", ns.Bridge).Run(); err == nil {
		t.Errorf("bridge %s left behind", ns.Bridge)
	}
}
