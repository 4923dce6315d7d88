// Package worker executes shoal tasks: it pulls them from the JetStream
// work queue, reads the shards they name itself, runs an algo kernel and
// publishes the result on the job's result subject before acking, so a
// task is acked only once its result is safely stored.
//
// Core types: Worker (one loop with explicit states, see Run) and
// BlockCache (decoded shards kept in memory between rounds, shared by the
// workers of one process).
//
// # Caveats
//
// Blocks handed out by a BlockCache are shared and read-only: kernels must
// never write into Block.Data. A Worker runs one task at a time; run
// several Workers for more concurrency. The per-row arrays of a label
// task's result are the executor's scratch, valid until its next task:
// the result is published (or its part written) before that. Tasks are idempotent, so a task
// redelivered after a crash is simply run again.
//
// A label task of a labels dataset makes the worker write a file: only
// part-NNNNN.parquet in <out>/_temporary/<the task's job>, a directory
// the coordinator created; any other part directory is refused.
//
// Stopping: cancelling Run's context abandons the task at hand (it goes
// back to the queue); Drain lets it finish and be reported first. A task
// whose job the coordinator announces as ended (wire.CancelSubject) is
// abandoned and dropped at once; only k-medoids tasks can run long
// enough for this to matter, and their kernels poll the context.
package worker
