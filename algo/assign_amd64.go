//go:build amd64 && !purego

package algo

import "golang.org/x/sys/cpu"

// kmHaveAVX2 reports whether the AVX2 and FMA kernels in assign_amd64.s
// can run here (the CPU has them and the OS saves the YMM registers).
var kmHaveAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// kmHaveAVX512 reports whether the AVX-512 kernels can run here (the CPU
// has AVX-512 F and the OS saves the ZMM and mask registers).
var kmHaveAVX512 = kmHaveAVX2 && cpu.X86.HasAVX512F

// kmTileAVX2 writes cn[j] − 2·x_r·c_j for the 6 row-major rows at x
// against panels ≥ 1 16-centre panels of c, row r at out[r·stride].
//
//go:noescape
func kmTileAVX2(x *float32, d int, c *float32, panels int, cn *float32, out *float32, stride int)

// kmTile2AVX512 is kmTileAVX2, bit for bit, for 2·pairs panels, two at
// a time in 512-bit registers.
//
//go:noescape
func kmTile2AVX512(x *float32, d int, c *float32, pairs int, cn *float32, out *float32, stride int)

// kmTile8AVX2 is kmTileAVX2 for one panel of 8 centres.
//
//go:noescape
func kmTile8AVX2(x *float32, d int, c *float32, cn *float32, out *float32, stride int)

// kmTop2RowsAVX2 writes, for each of rows ≥ 1 rows of n values (n a
// positive multiple of 8, row r at v[r·n:]), the smallest value to b1[r],
// the index of its first occurrence to j1[r] and the second smallest to
// b2[r].
//
//go:noescape
func kmTop2RowsAVX2(v *float32, n, rows int, b1, b2 *float32, j1 *int32)

// kmGuessRowsAVX2 writes, for each of rows ≥ 1 rows of n values (n a
// positive multiple of 8, row r at v[r·n:]), the column of a smallest
// value to j1[r], comparing the values with their low bits (those keep
// clears) replaced by their column from cols. A NaN never wins; a row of
// NaN and +Inf gives some column below the next power of two of ^keep.
//
//go:noescape
func kmGuessRowsAVX2(v *float32, n, rows int, cols *int32, keep int32, j1 *int32)

// kmCentreAVX2 writes src − mu (d values) to dst and returns its squared
// norm, prefetching the d values at next.
//
//go:noescape
func kmCentreAVX2(dst, src, mu *float32, d int, next *float32) (norm float32)

// kmDistRowsAVX2 writes the float32 squared distance of each of the n ≥ 1
// row-major rows of x (dimension d) to c into out.
//
//go:noescape
func kmDistRowsAVX2(x *float32, n, d int, c *float32, out *float32)

// kmDist64x4AVX2 writes the lane sums of kmDist64 for four pairs of
// vectors over their first d4 dimensions (d4 > 0, a multiple of 4) to
// out, four per pair.
//
//go:noescape
func kmDist64x4AVX2(x0, x1, x2, x3, c0, c1, c2, c3 *float32, d4 int, out *[16]float64)

// kmDist64x4C64AVX2 writes kmDist64 of four pairs of vectors of d4
// dimensions (d4 > 0, a multiple of 4) to out, each centre given in
// float64: the same values as kmDist64 on its float32 values.
//
//go:noescape
func kmDist64x4C64AVX2(x0, x1, x2, x3 *float32, c0, c1, c2, c3 *float64, d4 int, out *[4]float64)

// kmTrialPotentialAVX2 is the loop of kmTrialPotential over the first n4
// rows (n4 > 0, a multiple of 4), w nil for weight 1, with the four
// chains' sums in lanes.
//
//go:noescape
func kmTrialPotentialAVX2(pot *float64, dist *float32, w *float64, trial *float64, n4 int, lanes *[4]float64)

// kmDistRows4AVX2 is kmDistRowsAVX2, bit for bit, for n a positive
// multiple of 4 and d a positive multiple of 8, four rows at a time.
//
//go:noescape
func kmDistRows4AVX2(x *float32, n, d int, c *float32, out *float32)

// kmCandDistAVX512 writes to out[j·64·blocks + i] the float32 squared
// distance of row i of the transposed sample xt (dimension t of row i at
// xt[t·stride + i]) to each of the 2·pairs ≥ 2 candidates in c
// (row-major, dimension d ≥ 1): per row one chain of FMAs over the
// dimensions in order, 64 rows and two candidates at a time.
//
//go:noescape
func kmCandDistAVX512(xt *float32, stride, blocks, d int, c *float32, pairs int, out *float32)

// kmCandDistAVX2 is kmCandDistAVX512, bit for bit, in 256-bit registers.
//
//go:noescape
func kmCandDistAVX2(xt *float32, stride, blocks, d int, c *float32, pairs int, out *float32)

// kmAddRowAVX2 adds w·x[t] to sum[t] for t < d4 (d4 > 0, a multiple of
// 4) in float64, the product rounded before the add.
//
//go:noescape
func kmAddRowAVX2(sum *float64, x *float32, d4 int, w float64)

// kmPrefetchGather prefetches into cache the d float32 values of each of
// the n > 0 rows x[rows[i]·d:].
//
//go:noescape
func kmPrefetchGather(x *float32, rows *int32, n, d int)

// kmTriRowL2AVX2 writes to out[0:m4] the squared Euclidean (root:
// Euclidean) distances, rounded to float32, of the point a to the m4
// consecutive points at b, all float64 of dimension d4 (m4, d4 > 0,
// multiples of 4), with metricSqL2's lanes and order of operations.
//
//go:noescape
func kmTriRowL2AVX2(a *float64, b *float64, d4 int, m4 int, root bool, out *float32)

// kmBuildGain2AVX2 is buildGainRows' loop over the columns j < m4 (m4 >
// 0, a multiple of 4) of two consecutive stored rows r0 and r1 of a
// LowerTriangle: gains[r] += max(nd[j]−r_r[j], 0) in j order, and part[j] +=
// max(nd0−r0[j], 0) then += max(nd1−r1[j], 0), each term a float32
// difference converted to float64.
//
//go:noescape
func kmBuildGain2AVX2(r0, r1, nd *float32, part *float64, m4 int, nd0, nd1 float32, gains *[2]float64)

// kmPrefetchSeg prefetches into cache the 32 float32 values at p, a
// segment of a stored LowerTriangle row that kmedBlockReader reads a few
// rows later. Prefetches never fault.
//
//go:noescape
func kmPrefetchSeg(p *float32)

// kmSwapGainAVX2 is the loop of bestSwapInto over the objects o < n8 (n8
// > 0, a multiple of 8), row[o] = d(x, o), sd[o] = near[o].sd: for each
// o with row[o] < sd[o] in order, it adds row[o] − nd (if below nd) to
// the returned sum, which starts at 0, and to ploss[near[o].ni] nd − sd
// or row[o] − sd, each difference of float32 values taken in float64.
//
//go:noescape
func kmSwapGainAVX2(row, sd *float32, near *kmedNear, n8 int, ploss *float64) (acc float64)

// kmTriRowL2AVX512 is kmTriRowL2AVX2, bit for bit, for m8 points (m8 >
// 0, a multiple of 8) stored in pairs at b (see kmPairPoints), eight at a
// time.
//
//go:noescape
func kmTriRowL2AVX512(a *float64, b *float64, d4 int, m8 int, root bool, out *float32)
