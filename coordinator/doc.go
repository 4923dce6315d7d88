// Package coordinator plans and drives shoal jobs: it scans the dataset's
// metadata into shards, publishes tasks to the JetStream work queue, merges
// the workers' partial results in a fixed order, applies the algorithm's
// update between rounds, and finally streams labels into the output file,
// or, for a labels dataset (--out DIR/), has each worker write the part of
// its shards into a staging directory and commits the parts together
// (dataset.go). A job with --scale first has the workers summarise every
// column (scale.go), and the whole fit runs on the scaled features.
//
// Core types: Coordinator (New, then Run for each job), Options and
// Progress. The coordinator never reads the data itself except through
// results: workers read their shards.
//
// Determinism: every task gets its randomness from (job seed, purpose,
// round, shard id), and results are merged in task order whatever order
// they arrive in, so the model does not depend on the number of workers,
// their speed or redeliveries.
//
// # Caveats
//
// A Coordinator may run several jobs at once; each job owns its result
// consumer. Progress callbacks run on the job's goroutine and must not
// block for long.
package coordinator
