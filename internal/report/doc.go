// Package report draws what a user should look at before trusting a
// clustering: PNG plots made with gonum/plot (cluster sizes, a silhouette
// plot, a 2-D PCA projection of a sample, and loss and validity indices
// against k from a selection report) and an index.html that shows them
// beside the model's numbers.
//
// It renders and writes; it reads no data set. The caller (shoal report)
// reads the model, labels and input, draws the seeded sample and computes
// the indices with package validity, and hands them over in an Input.
//
// # Caveats
//
// Write commits all its files together (internal/atomicfile): a reader of
// the directory sees the previous report or the new one. It removes the
// plots a previous report wrote that this one does not, and touches no
// other file. Input slices are read, never kept or changed.
package report
