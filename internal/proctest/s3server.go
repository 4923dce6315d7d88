package proctest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// S3Server is a versitygw process serving a directory over the S3 API
// with its POSIX backend: each directory under Root is a bucket, each
// file below it an object. Requests must be signed with its keys.
type S3Server struct {
	// Root is the directory served.
	Root string
	// Access and Secret are its one user's keys, random per server.
	Access, Secret string
	host           string
	port           int
	proc           *Process
}

// StartS3 starts bin (versitygw) on host (127.0.0.1 when "", a
// namespace's address when netns is set) with buckets in a new directory
// under dir, and waits until it answers HTTP.
func StartS3(t testing.TB, bin, dir, host, netns string, buckets ...string) *S3Server {
	t.Helper()
	if host == "" {
		host = "127.0.0.1"
	}
	root, err := os.MkdirTemp(dir, "s3-")
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range buckets {
		if err := os.Mkdir(filepath.Join(root, b), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	s := &S3Server{Root: root, Access: "shoal" + randomHex(t, 6), Secret: randomHex(t, 20), host: host}
	if netns == "" {
		if s.port, err = FreePort(host); err != nil {
			t.Fatal(err)
		}
	} else {
		s.port = 9000 // the namespace's address is the server's own
	}
	c := Cmd{Name: "versitygw", Path: bin, Netns: netns,
		Args: []string{"--access", s.Access, "--secret", s.Secret, "--port", net.JoinHostPort(host, strconv.Itoa(s.port)), "posix", root}}
	s.proc = Start(t, dir, c)
	if err := s.waitReady(readyTimeout); err != nil {
		t.Fatal(err)
	}
	return s
}

// URL is the endpoint, http://host:port.
func (s *S3Server) URL() string { return "http://" + net.JoinHostPort(s.host, strconv.Itoa(s.port)) }

// Env is the environment that lets a client sign for the server's user.
func (s *S3Server) Env() []string {
	return []string{"AWS_ACCESS_KEY_ID=" + s.Access, "AWS_SECRET_ACCESS_KEY=" + s.Secret, "AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null"}
}

// Process returns the server process.
func (s *S3Server) Process() *Process { return s.proc }

// waitReady polls until the server answers any HTTP status (an unsigned
// request gets 403).
func (s *S3Server) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: time.Second}
	var last string
	for time.Now().Before(deadline) {
		if s.proc.Exited() {
			return fmt.Errorf("%w: versitygw (%s) before it was ready", ErrExited, s.proc.exitString())
		}
		resp, err := client.Get(s.URL() + "/")
		if err == nil {
			_ = resp.Body.Close()
			return nil
		}
		last = err.Error()
		time.Sleep(pollEvery)
	}
	return fmt.Errorf("%w: versitygw at %s not answering after %v: %s", ErrTimeout, s.URL(), timeout, last)
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
