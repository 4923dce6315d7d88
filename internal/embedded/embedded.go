// Package embedded starts an in-process NATS server with JetStream, for
// `shoal run` and for tests, so the single-process default talks to workers
// over a real NATS server and not a shortcut.
//
// # Caveats
//
// Each server needs its own StoreDir: an empty one falls back to a
// directory shared by every server on the machine.
package embedded

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ErrNotReady is returned when the server does not accept connections in
// time.
var ErrNotReady = errors.New("embedded: nats server not ready")

// Options configures an embedded server.
type Options struct {
	// StoreDir is the JetStream directory; required.
	StoreDir string
	// Port to listen on; 0 means a random free port, -2 means no listener
	// at all (in-process connections only).
	Port int
	// MaxPayload in bytes; 0 means 8 MiB, enough for a shard's labels.
	MaxPayload int32
	// Auth, when non-empty, requires this token from every client.
	Token string
}

// Server is a running embedded NATS server.
type Server struct {
	*server.Server
}

// Start starts a server and waits until it accepts connections.
func Start(opts Options) (*Server, error) {
	if opts.StoreDir == "" {
		return nil, errors.New("embedded: StoreDir is required")
	}
	so := &server.Options{
		ServerName:    "shoal-embedded",
		JetStream:     true,
		StoreDir:      opts.StoreDir,
		Host:          "127.0.0.1",
		Port:          opts.Port,
		NoLog:         true,
		NoSigs:        true,
		MaxPayload:    opts.MaxPayload,
		Authorization: opts.Token,
	}
	if so.Port == 0 {
		so.Port = -1
	}
	if so.Port == -2 {
		so.DontListen = true
		so.Port = 0
	}
	if so.MaxPayload == 0 {
		so.MaxPayload = 8 << 20
	}
	s, err := server.NewServer(so)
	if err != nil {
		return nil, fmt.Errorf("embedded: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		return nil, ErrNotReady
	}
	return &Server{s}, nil
}

// Connect opens a client connection to the server, in-process when the
// server does not listen.
func (s *Server) Connect(name string, extra ...nats.Option) (*nats.Conn, error) {
	opts := append([]nats.Option{nats.Name(name), nats.InProcessServer(s.Server), nats.Timeout(connectTimeout)}, extra...)
	nc, err := nats.Connect("", opts...)
	if err != nil {
		return nil, fmt.Errorf("embedded: connecting %s: %w", name, err)
	}
	return nc, nil
}

// Stop shuts the server down and waits for it.
func (s *Server) Stop() {
	s.Shutdown()
	s.WaitForShutdown()
}

// Discard stops a server whose store is about to be deleted. It deletes
// every consumer first: a server that still holds a pull request at
// shutdown sleeps 50 ms so that its "409 Server Shutdown" can reach the
// puller, and no client of a discarded server awaits one. The consumers'
// state goes with them, so a server whose store outlives it must Stop.
func (s *Server) Discard() {
	if nc, err := s.Connect("shoal-discard"); err == nil {
		deleteConsumers(nc)
		nc.Close()
	}
	s.Stop()
}

// deleteConsumers deletes every consumer of every stream, giving up
// after discardTimeout: a failure only costs the shutdown its wait.
func deleteConsumers(nc *nats.Conn) {
	js, err := jetstream.New(nc)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), discardTimeout)
	defer cancel()
	streams := js.StreamNames(ctx)
	for name := range streams.Name() {
		st, err := js.Stream(ctx, name)
		if err != nil {
			continue
		}
		consumers := st.ConsumerNames(ctx)
		for c := range consumers.Name() {
			_ = st.DeleteConsumer(ctx, c)
		}
	}
}

// connectTimeout bounds a connection's handshake with the server. An
// in-process connection loses nothing on the way, so only a server too
// busy to answer can make it wait: nats.go's default of 2 s failed
// "shoal run" under the race detector on a loaded 2-core machine.
const connectTimeout = 20 * time.Second

// discardTimeout bounds the deletions of Discard.
const discardTimeout = 2 * time.Second
