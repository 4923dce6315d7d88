//go:build amd64 && !purego

package partition

import "golang.org/x/sys/cpu"

// haveTranspose8 reports whether transpose8AVX2 can run here.
var haveTranspose8 = cpu.X86.HasAVX2

// transpose8AVX2 writes rows of eight float32 columns into a row-major
// block, eight rows at a time: row i of column k (cols[k][i]) goes to
// out[i·stride/4 + k]. It stops before the first group of eight rows that
// holds a NaN or ±Inf, and at the last whole group of n, and returns how
// many rows it wrote (a multiple of 8).
//
//go:noescape
func transpose8AVX2(out *float32, stride int, cols *[8]*float32, n int) int
