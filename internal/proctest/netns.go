package proctest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Netns is a set of network namespaces, each joined by a veth pair to a
// bridge on the host. The host side of the bridge has HostAddr; the
// namespaces have Addrs, all in one private /24 and with no route beyond
// it, so a process inside can reach only the host's bridge address.
type Netns struct {
	// Names are the namespaces, for Cmd.Netns.
	Names []string
	// HostAddr is the host's address on the bridge: bind servers here.
	HostAddr string
	// Addrs are the namespaces' addresses, Addrs[i] in Names[i].
	Addrs []string
	// Bridge is the host bridge interface.
	Bridge string
}

// NewNetns creates n network namespaces behind a bridge on a free
// 10.213.X.0/24, and removes them all when the test ends, whether it
// passes or not. It skips the test, saying why, unless it runs as root
// with a working `ip netns`.
func NewNetns(t testing.TB, n int) *Netns {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root (run the tests as root to include this part)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skipf("network namespaces need the ip command (iproute2): %v", err)
	}
	pid := os.Getpid()
	octet, err := freeSubnet(pid)
	if err != nil {
		t.Skip(err)
	}
	prefix := fmt.Sprintf("10.213.%d.", octet)
	ns := &Netns{Bridge: fmt.Sprintf("shpt%dbr", pid), HostAddr: prefix + "1"}
	// Probe first: a container may deny namespaces even to root.
	probe := fmt.Sprintf("shoal-proctest-%d-probe", pid)
	if out, err := exec.Command("ip", "netns", "add", probe).CombinedOutput(); err != nil {
		t.Skipf("ip netns does not work here: %v: %s", err, strings.TrimSpace(string(out)))
	}
	_ = exec.Command("ip", "netns", "del", probe).Run()

	// Registered before anything is created, so a failure half way still
	// removes what exists. Deleting a namespace destroys the veth end in
	// it and with it the host end.
	t.Cleanup(func() {
		for _, name := range ns.Names {
			if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
				t.Errorf("removing namespace %s: %v: %s", name, err, out)
			}
		}
		_ = exec.Command("ip", "link", "del", ns.Bridge).Run()
	})
	ip := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
		}
	}
	ip("link", "add", ns.Bridge, "type", "bridge")
	ip("addr", "add", ns.HostAddr+"/24", "dev", ns.Bridge)
	ip("link", "set", ns.Bridge, "up")
	for i := range n {
		name := fmt.Sprintf("shoal-proctest-%d-%d", pid, i)
		host, peer := fmt.Sprintf("shpt%dh%d", pid, i), fmt.Sprintf("shpt%dn%d", pid, i)
		addr := fmt.Sprintf("%s%d", prefix, 10+i)
		ip("netns", "add", name)
		ns.Names = append(ns.Names, name)
		ip("link", "add", host, "type", "veth", "peer", "name", peer)
		ip("link", "set", peer, "netns", name)
		ip("link", "set", host, "master", ns.Bridge)
		ip("link", "set", host, "up")
		ip("-n", name, "addr", "add", addr+"/24", "dev", peer)
		ip("-n", name, "link", "set", peer, "up")
		ip("-n", name, "link", "set", "lo", "up")
		ns.Addrs = append(ns.Addrs, addr)
	}
	return ns
}

// freeSubnet picks X for 10.213.X.0/24 from the pid, so that two test
// binaries at once get different subnets, skipping any X that an
// interface already has an address in.
func freeSubnet(pid int) (int, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return 0, fmt.Errorf("listing interface addresses: %w", err)
	}
	for i := range 250 {
		octet := 1 + (pid+i)%250
		_, subnet, _ := net.ParseCIDR(fmt.Sprintf("10.213.%d.0/24", octet))
		used := false
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && (subnet.Contains(ipn.IP) || ipn.Contains(subnet.IP)) {
				used = true
				break
			}
		}
		if !used {
			return octet, nil
		}
	}
	return 0, fmt.Errorf("no free /24 in 10.213.0.0/16 for the namespaces")
}
