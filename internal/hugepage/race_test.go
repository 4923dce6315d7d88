//go:build race

package hugepage

// raceDetector is true under the race detector, whose runtime writes
// shadow memory for every allocation: page fault counts then measure it.
const raceDetector = true
