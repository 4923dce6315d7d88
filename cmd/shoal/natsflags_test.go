package main

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

func TestRedactURL(t *testing.T) {
	for _, tc := range []struct {
		url, want string
	}{
		{"nats://127.0.0.1:4222", "nats://127.0.0.1:4222"},
		{"nats://user:pass@127.0.0.1:4222", "nats://redacted@127.0.0.1:4222"},
		{"nats://token@host:1,nats://u:p@other:2", "nats://redacted@host:1,nats://redacted@other:2"},
		{"nats://user:sec ret@127.0.0.1:1", "nats://redacted@127.0.0.1:1"}, // does not parse
		{"nats://u:s%zzecret@127.0.0.1:1", "nats://redacted@127.0.0.1:1"},  // bad escape
		{"u:secret@127.0.0.1:1", "redacted@127.0.0.1:1"},                   // no scheme
		{"nats://a:b@c@127.0.0.1:1", "nats://redacted@127.0.0.1:1"},        // @ in the password
		{"nats://tok en@[::1", "nats://redacted@[::1"},
	} {
		if got := redactURL(tc.url); got != tc.want {
			t.Errorf("redactURL(%q) = %q, want %q", tc.url, got, tc.want)
		}
	}
}

// A URL that does not parse is a usage error whose message, including the
// parser's own, shows no secret.
func TestConnectErrorRedacted(t *testing.T) {
	for _, u := range []string{"nats://user:sec ret@127.0.0.1:1", "nats://u:s%zzecret@127.0.0.1:1", "nats://tok en@[::1"} {
		f := natsFlags{url: u, timeout: time.Second}
		_, err := f.connect("test")
		if err == nil {
			t.Fatalf("%s: connected", u)
		}
		for _, secret := range []string{"ret", "zzecret", "tok en"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("%q leaks %q", err, secret)
			}
		}
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("%q is not a usage error", err)
		}
	}
	f := natsFlags{url: "nats://user:secret@127.0.0.1:1", timeout: time.Second}
	_, err := f.connect("test")
	if err == nil || strings.Contains(err.Error(), "secret") || !errors.Is(err, nats.ErrNoServers) {
		t.Fatalf("connect: %v, want a redacted ErrNoServers", err)
	}
}

// A connect timeout that is not positive is refused before any dial.
func TestNATSTimeoutRefused(t *testing.T) {
	for _, v := range []string{"0s", "-1s"} {
		code, _, e := shoal(t, "worker", "--nats", "nats://127.0.0.1:1", "--nats-timeout", v)
		if code != 2 || !strings.Contains(e, "--nats-timeout") || strings.Count(strings.TrimSpace(e), "\n") != 0 {
			t.Errorf("--nats-timeout %s: exit %d: %q", v, code, e)
		}
	}
}

// A server that accepts the connection and never answers: the attempt
// ends after --nats-timeout, not nats.go's default, and the one line
// says which flag bounds it.
func TestNATSTimeoutApplied(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		var held []net.Conn // silent: no INFO, no TLS handshake
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return // the listener closed with the test
			}
			held = append(held, c)
		}
	}()
	for _, scheme := range []string{"nats", "tls"} {
		start := time.Now()
		code, _, e := shoal(t, "worker", "--nats", scheme+"://"+ln.Addr().String(), "--nats-timeout", "300ms")
		took := time.Since(start)
		if code == 0 || !strings.Contains(e, "--nats-timeout 300ms") || strings.Count(strings.TrimSpace(e), "\n") != 0 {
			t.Errorf("%s: exit %d: %q", scheme, code, e)
		}
		if took > 1900*time.Millisecond { // nats.go's own default is 2 s
			t.Errorf("%s: gave up after %v with --nats-timeout 300ms", scheme, took)
		}
	}
}
