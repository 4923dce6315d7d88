package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// writeCert issues a certificate signed by parent (self-signed when parent
// is nil) and writes it and its key as PEM files.
func writeCert(t *testing.T, dir, name string, tmpl *x509.Certificate, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey, string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	certPath := filepath.Join(dir, name+".pem")
	keyPath := filepath.Join(dir, name+".key")
	os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	kb, _ := x509.MarshalECPrivateKey(key)
	os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return cert, key, certPath, keyPath
}

// A NATS server that requires mutual TLS: workers and a coordinator with
// --tls-ca/--tls-cert/--tls-key run a job; a worker without a client
// certificate cannot connect.
func TestMutualTLS(t *testing.T) {
	dir := t.TempDir()
	notAfter := time.Now().Add(time.Hour)
	ca, caKey, caPath, _ := writeCert(t, dir, "ca", &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "shoal test CA"}, NotBefore: time.Now().Add(-time.Minute), NotAfter: notAfter,
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}, nil, nil)
	_, _, srvCert, srvKey := writeCert(t, dir, "server", &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"}, NotBefore: time.Now().Add(-time.Minute), NotAfter: notAfter,
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature,
	}, ca, caKey)
	_, _, cliCert, cliKey := writeCert(t, dir, "client", &x509.Certificate{
		SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "shoal worker"}, NotBefore: time.Now().Add(-time.Minute), NotAfter: notAfter,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
	}, ca, caKey)

	tc, err := server.GenTLSConfig(&server.TLSConfigOpts{CertFile: srvCert, KeyFile: srvKey, CaFile: caPath, Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	tc.MinVersion = tls.VersionTLS12
	s, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: filepath.Join(dir, "js"), NoLog: true, NoSigs: true,
		// Handshakes under the race detector, beside other packages' tests
		// on two cores, have taken over 2 s.
		TLS: true, TLSVerify: true, TLSConfig: tc, TLSTimeout: 10,
	})
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("server not ready")
	}
	defer s.Shutdown()
	url := "tls://" + s.Addr().String()
	tlsFlags := []string{"--tls-ca", caPath, "--tls-cert", cliCert, "--tls-key", cliKey}

	data := filepath.Join(dir, "blobs.csv")
	if code, _, e := shoal(t, "gen", "blobs", "--n", "5000", "--d", "2", "--k", "2", "--out", data); code != 0 {
		t.Fatal(e)
	}
	// Without a client certificate the server refuses the worker.
	if code, _, e := shoal(t, "worker", "--nats", url, "--tls-ca", caPath, "-c", "1"); code == 0 || !strings.Contains(e, "connecting to NATS") {
		t.Errorf("a worker without a client certificate: exit %d: %s", code, e)
	}
	// A worker that stops (its handshake refused) would leave the job
	// waiting for one for ever: the job is cancelled then, and the test
	// says what the worker said.
	ctx, cancel := context.WithCancel(context.Background())
	jobCtx, cancelJob := context.WithCancel(context.Background())
	defer cancelJob()
	var workerOut bytes.Buffer
	worker := newRootCommand(&workerOut, &workerOut)
	worker.SetArgs(append([]string{"worker", "--nats", url, "-c", "1"}, tlsFlags...))
	workerExit := make(chan error, 1)
	go func() {
		err := worker.ExecuteContext(ctx)
		cancelJob()
		workerExit <- err
	}()
	var out, errb bytes.Buffer
	job := newRootCommand(&out, &errb)
	job.SetArgs(append([]string{"run", "-q", "--nats", url, "--input", data, "--exclude", "label", "--k", "2", "--algo", "kmeans"}, tlsFlags...))
	jobErr := job.ExecuteContext(jobCtx)
	select {
	case err := <-workerExit:
		t.Fatalf("the worker stopped before the job ended: %v\n%s\njob: %v %s", err, workerOut.String(), jobErr, errb.String())
	default:
	}
	cancel()
	<-workerExit
	if jobErr != nil || !strings.Contains(out.String(), "cluster sizes") {
		t.Fatalf("a job over mutual TLS: %v: %s %s", jobErr, out.String(), errb.String())
	}
}
