//go:build !amd64 || purego

package partition

// haveTranspose8 is false off amd64 and under the purego tag: four
// columns at a time in Go serve there.
const haveTranspose8 = false

func transpose8AVX2(out *float32, stride int, cols *[8]*float32, n int) int {
	panic("partition: AVX2 transpose called without AVX2")
}
