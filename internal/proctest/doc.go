// Package proctest runs shoal as its users do: real processes for the NATS
// server, the coordinator and each worker, so that the tests of this
// package can kill any of them with SIGKILL, restart them, put them in
// other network namespaces, and hold them to authentication and
// permissions. The in-process tests of the coordinator and worker packages
// cannot do that: a goroutine cannot be killed -9.
//
// Core types and functions:
//
//   - Build compiles the shoal binary and the pinned nats-server once, into
//     a directory the test binary owns (call it from TestMain).
//   - Start runs a Cmd as a Process whose stdout and stderr go to files;
//     Process.Kill sends SIGKILL, Process.Wait and Process.WaitLog wait
//     with a deadline. Run starts a command and waits for it.
//   - StartNATS runs a nats-server with JetStream on a free port, waits
//     for its health endpoint, and can be killed and restarted on the same
//     port and store (NATSServer.Restart).
//   - NewNetns creates network namespaces joined to the host by a bridge
//     on a private /24 (root only; it skips the test otherwise).
//
// The tests themselves live in this package's _test files:
// cluster_test.go (issue 4: three worker processes, worker-count
// invariance, network namespaces), fault_test.go (issue 6: worker kills,
// coordinator kills, NATS restarts), auth_test.go (passwords, token,
// nkeys, and the least-privilege permissions of docs/nats-permissions.md,
// read from that file), creds_test.go (.creds files on a server in
// operator mode) and spread_test.go (issue 14: four worker processes each
// working in every phase, the model that of one). Longer runs:
//
//	go test ./internal/proctest -run TestWorkerKill -proctest.trials=200 -timeout 30m
//	go test ./internal/proctest -run TestWorkerKill -proctest.soak=20m -timeout 30m
//	go test ./internal/proctest -run TestWorkerKill -proctest.seed=N   # replay a run
//
// -short keeps the acceptance runs and skips the variants (1 and 2 worker
// processes, embedded runs, namespaces, token and nkey, the slower kills).
//
// # Caveats
//
// Every process started here is killed in a t.Cleanup and, should the test
// binary die first, by the kernel (Pdeathsig), so none outlives the test.
// Logs are kept in t.TempDir() and printed when the test fails.
//
// A Process must not be waited on by anything but its own methods: one
// goroutine reaps it and publishes the exit status to every waiter.
//
// The heavy tests build on the order of a minute of processes; they run
// one at a time (no t.Parallel) because they kill processes at chosen
// moments and two cores give little room for more.
package proctest
