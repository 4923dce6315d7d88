// Package algo holds shoal's clustering algorithms and quality metrics as
// pure functions over in-memory data: no I/O, no NATS, no logging and no
// goroutines of its own unless the caller asks for them with a parallelism
// argument.
//
// k-medoids follows Schubert & Rousseeuw, "Fast and Eager k-Medoids
// Clustering: O(k) Runtime Improvement of the PAM, CLARA, and CLARANS
// Algorithms", Information Systems 101 (2021), doi:10.1016/j.is.2021.101804,
// and its SISAP 2019 predecessor (doi:10.1007/978-3-030-32047-8_16).
// k-medoids code works on any Dissimilarity; the concrete types
// (LowerTriangle, DenseMatrix, Vectors) are type-switched in hot loops so
// no interface call is paid per element. Mixed data is a Metric too:
// Gower (with Vectors.Ranges, per-column ranges, over numeric values and
// nominal codes, as R's daisy) and Jaccard (binary columns, as R's
// dist(method = "binary")).
//
// k-means follows Lloyd (1982), Sculley, "Web-Scale K-Means Clustering"
// (WWW 2010) for mini-batches, Arthur & Vassilvitskii (2007) for k-means++
// and Bahmani et al., "Scalable K-Means++" (VLDB 2012) for k-means||.
// Partial results that workers compute on shards (CentreSums, CostSums)
// have a Merge method; merged in a fixed order they give bit-identical
// results whatever the number of workers.
//
// Randomness comes from NewRand(seed, stream...) and Hash: it is a function
// of the job seed and the purpose, never of the global source.
//
// # Caveats
//
// Data is row-major []float32 and is not copied: callers must not modify a
// slice while an algorithm reads it. Results own their slices. Scratch
// types such as Assigner are not safe for concurrent use; give each
// goroutine its own.
//
// Parallelism is always the caller's choice: BuildLowerTriangle,
// InitialMedoidsParallel (BUILD) and FasterPAMParallel take a number of
// goroutines, start them per block of work and leave none behind, and
// return the same result bit for bit whatever the number.
//
// The k-medoids algorithms, their initialisations, silhouettes and the
// matrix build have Context variants (FasterPAMContext, ...) that poll the
// context every block of candidates or few neighbours, never per element,
// and return ErrCancelled once it ends; the plain functions never stop
// early. The same context can carry a progress function (WithProgress),
// called synchronously once per block of matrix rows, initial medoid or
// SWAP pass: it must hand the Step on and return.
package algo
