//go:build amd64 && !purego

package partition

import "golang.org/x/sys/cpu"

// haveMaxAbs reports whether maxAbsBitsAVX2 can run here.
var haveMaxAbs = cpu.X86.HasAVX2

// maxAbsBitsAVX2 returns the largest of math.Float32bits(x) &^ (1<<31)
// over v: the bits of the largest magnitude, NaN above +Inf; 0 for no
// values.
//
//go:noescape
func maxAbsBitsAVX2(v []float32) uint32
