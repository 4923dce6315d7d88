// Package validity scores a clustering without ground truth: the
// internal cluster-validity indices that help choose k and tell a user
// whether to trust a result.
//
//   - Silhouette and SilhouetteSamples (Rousseeuw 1987): exact on the
//     points they are given, O(n²·d); callers pass a seeded sample
//     (SampleRows) for large data, as scikit-learn's silhouette_score
//     does with sample_size.
//   - MedoidSilhouette (Lenssen & Schubert 2022): O(n·k·d), for
//     k-medoids, from the medoid vectors alone.
//   - CalinskiHarabasz and DaviesBouldin: O(n·d) from two passes whose
//     partial results (Sums, then Spread against the means of Sums) merge
//     associatively, so workers can compute them shard by shard.
//   - Score, Selection and Choose: the per-k table of a k sweep, its JSON
//     form (the selection report) and the rule that picks k.
//
// Points are row-major []float32 and every sum is accumulated in float64.
// Labels are cluster numbers in [0, k); empty clusters are allowed and
// ignored, as scikit-learn ignores labels that do not occur.
//
// # Caveats
//
// Nothing here copies the points: the caller must not change them while a
// function reads them. Sums and Spread are not safe for concurrent use;
// give each goroutine its own and Merge them. The workers argument of the
// silhouette functions is the number of goroutines they start (the caller
// decides parallelism); each row's sums stay within one goroutine and are
// added in a fixed order, so the result is bit-identical for any workers.
package validity
