//go:build !race

package hugepage

const raceDetector = false
