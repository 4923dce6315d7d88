//go:build !amd64 || purego

package partition

// haveMaxAbs is false off amd64 and under the purego tag.
const haveMaxAbs = false

func maxAbsBitsAVX2(v []float32) uint32 {
	panic("partition: AVX2 maximum called without AVX2")
}
