//go:build !amd64 || purego

package algo

// kmHaveAVX2 is false off amd64 and under the purego tag: the Assigner
// uses gonum's Gemm there.
const kmHaveAVX2 = false

// kmHaveAVX512 is false off amd64 and under the purego tag.
const kmHaveAVX512 = false

func kmTileAVX2(x *float32, d int, c *float32, panels int, cn *float32, out *float32, stride int) {
	panic("algo: AVX2 kernel called without AVX2")
}

func kmTile2AVX512(x *float32, d int, c *float32, pairs int, cn *float32, out *float32, stride int) {
	panic("algo: AVX-512 kernel called without AVX-512")
}

func kmTile8AVX2(x *float32, d int, c *float32, cn *float32, out *float32, stride int) {
	panic("algo: AVX2 kernel called without AVX2")
}

func kmTop2RowsAVX2(v *float32, n, rows int, b1, b2 *float32, j1 *int32) {
	panic("algo: AVX2 kernel called without AVX2")
}

func kmGuessRowsAVX2(v *float32, n, rows int, cols *int32, keep int32, j1 *int32) {
	panic("algo: AVX2 kernel called without AVX2")
}

func kmCentreAVX2(dst, src, mu *float32, d int, next *float32) (norm float32) {
	panic("algo: AVX2 kernel called without AVX2")
}

func kmDistRowsAVX2(x *float32, n, d int, c *float32, out *float32) {
	panic("algo: AVX2 kernel called without AVX2")
}

func kmDistRows4AVX2(x *float32, n, d int, c *float32, out *float32) {
	panic("algo: AVX2 kernel called without AVX2")
}

func kmDist64x4AVX2(x0, x1, x2, x3, c0, c1, c2, c3 *float32, d4 int, out *[16]float64) {
	panic("algo: AVX2 kernel called without AVX2")
}

func kmDist64x4C64AVX2(x0, x1, x2, x3 *float32, c0, c1, c2, c3 *float64, d4 int, out *[4]float64) {
	panic("algo: AVX2 kernel called without AVX2")
}

func kmTrialPotentialAVX2(pot *float64, dist *float32, w *float64, trial *float64, n4 int, lanes *[4]float64) {
	panic("algo: AVX2 kernel called without AVX2")
}

func kmCandDistAVX512(xt *float32, stride, blocks, d int, c *float32, pairs int, out *float32) {
	panic("algo: AVX-512 kernel called without AVX-512")
}

func kmCandDistAVX2(xt *float32, stride, blocks, d int, c *float32, pairs int, out *float32) {
	panic("algo: AVX2 kernel called without AVX2")
}

func kmAddRowAVX2(sum *float64, x *float32, d4 int, w float64) {
	panic("algo: AVX2 kernel called without AVX2")
}

func kmPrefetchGather(x *float32, rows *int32, n, d int) {
	panic("algo: AVX2 kernel called without AVX2")
}

func kmTriRowL2AVX2(a *float64, b *float64, d4 int, m4 int, root bool, out *float32) {
	panic("algo: AVX2 kernel called without AVX2")
}

func kmBuildGain2AVX2(r0, r1, nd *float32, part *float64, m4 int, nd0, nd1 float32, gains *[2]float64) {
	panic("algo: AVX2 kernel called without AVX2")
}

func kmPrefetchSeg(p *float32) {
	panic("algo: AVX2 kernel called without AVX2")
}

func kmSwapGainAVX2(row, sd *float32, near *kmedNear, n8 int, ploss *float64) (acc float64) {
	panic("algo: AVX2 kernel called without AVX2")
}

func kmTriRowL2AVX512(a *float64, b *float64, d4 int, m8 int, root bool, out *float32) {
	panic("algo: AVX-512 kernel called without AVX-512")
}
