//go:build amd64 && !purego

#include "textflag.h"

// DIST64X4_ARGS loads the arguments shared by kmDist64x4AVX2 and
// kmDist64x4C64AVX2 (rows R8–R11, centres R12–R15, d4 CX, out DI) and
// clears the four rows' lane sums (Y0–Y3) and the byte offset (AX).
#define DIST64X4_ARGS \
	MOVQ   x0+0(FP), R8; \
	MOVQ   x1+8(FP), R9; \
	MOVQ   x2+16(FP), R10; \
	MOVQ   x3+24(FP), R11; \
	MOVQ   c0+32(FP), R12; \
	MOVQ   c1+40(FP), R13; \
	MOVQ   c2+48(FP), R14; \
	MOVQ   c3+56(FP), R15; \
	MOVQ   d4+64(FP), CX; \
	MOVQ   out+72(FP), DI; \
	VXORPD Y0, Y0, Y0; \
	VXORPD Y1, Y1, Y1; \
	VXORPD Y2, Y2, Y2; \
	VXORPD Y3, Y3, Y3; \
	XORQ   AX, AX

// Lane numbers 0..7, the first column indices of kmTop2AVX2.
DATA kmLanes<>+0(SB)/4, $0
DATA kmLanes<>+4(SB)/4, $1
DATA kmLanes<>+8(SB)/4, $2
DATA kmLanes<>+12(SB)/4, $3
DATA kmLanes<>+16(SB)/4, $4
DATA kmLanes<>+20(SB)/4, $5
DATA kmLanes<>+24(SB)/4, $6
DATA kmLanes<>+28(SB)/4, $7
GLOBL kmLanes<>(SB), RODATA|NOPTR, $32

// func kmTileAVX2(x *float32, d int, c *float32, panels int, cn *float32, out *float32, stride int)
//
// One tile of 6 rows against panels ≥ 1 16-centre panels. x holds the
// rows row-major (row r at x + 4dr), c the panels one after the other
// (dimension t of centre l of panel p at 16dp+16t+l), cn the centre norms.
// Writes out[r·stride + 16p + l] = cn[16p+l] − 2·x_r·c_pl.
// The 6×16 block of products lives in Y0..Y11 for the whole sweep over d:
// two loads of the panel and six broadcasts feed twelve FMAs per step.
TEXT ·kmTileAVX2(SB), NOSPLIT, $0-56
	MOVQ x+0(FP), SI
	MOVQ d+8(FP), CX
	MOVQ c+16(FP), DI
	MOVQ panels+24(FP), DX
	MOVQ cn+32(FP), BX
	MOVQ out+40(FP), AX

	// Input row strides: one (R10), three (CX) and five (R14) rows of d
	// floats; R9 ends the sweep over row 0.
	MOVQ CX, R10
	SHLQ $2, R10
	LEAQ (R10)(R10*2), CX
	LEAQ (R10)(R10*4), R14
	LEAQ (SI)(R10*1), R9

	// Output row strides: one, three and five rows of stride floats.
	MOVQ stride+48(FP), R11
	SHLQ $2, R11
	LEAQ (R11)(R11*2), R12
	LEAQ (R11)(R11*4), R13

panel:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	MOVQ SI, R8

dim:
	VMOVUPS (DI), Y12
	VMOVUPS 32(DI), Y13
	VBROADCASTSS (R8), Y14
	VFMADD231PS Y12, Y14, Y0
	VFMADD231PS Y13, Y14, Y1
	VBROADCASTSS (R8)(R10*1), Y15
	VFMADD231PS Y12, Y15, Y2
	VFMADD231PS Y13, Y15, Y3
	VBROADCASTSS (R8)(R10*2), Y14
	VFMADD231PS Y12, Y14, Y4
	VFMADD231PS Y13, Y14, Y5
	VBROADCASTSS (R8)(CX*1), Y15
	VFMADD231PS Y12, Y15, Y6
	VFMADD231PS Y13, Y15, Y7
	VBROADCASTSS (R8)(R10*4), Y14
	VFMADD231PS Y12, Y14, Y8
	VFMADD231PS Y13, Y14, Y9
	VBROADCASTSS (R8)(R14*1), Y15
	VFMADD231PS Y12, Y15, Y10
	VFMADD231PS Y13, Y15, Y11
	ADDQ $4, R8
	ADDQ $64, DI
	CMPQ R8, R9
	JNE  dim

	// out = cn − 2·products: doubling is exact, so one rounding.
	VMOVUPS (BX), Y12
	VMOVUPS 32(BX), Y13
	VADDPS  Y0, Y0, Y0
	VSUBPS  Y0, Y12, Y0
	VADDPS  Y1, Y1, Y1
	VSUBPS  Y1, Y13, Y1
	VADDPS  Y2, Y2, Y2
	VSUBPS  Y2, Y12, Y2
	VADDPS  Y3, Y3, Y3
	VSUBPS  Y3, Y13, Y3
	VADDPS  Y4, Y4, Y4
	VSUBPS  Y4, Y12, Y4
	VADDPS  Y5, Y5, Y5
	VSUBPS  Y5, Y13, Y5
	VADDPS  Y6, Y6, Y6
	VSUBPS  Y6, Y12, Y6
	VADDPS  Y7, Y7, Y7
	VSUBPS  Y7, Y13, Y7
	VADDPS  Y8, Y8, Y8
	VSUBPS  Y8, Y12, Y8
	VADDPS  Y9, Y9, Y9
	VSUBPS  Y9, Y13, Y9
	VADDPS  Y10, Y10, Y10
	VSUBPS  Y10, Y12, Y10
	VADDPS  Y11, Y11, Y11
	VSUBPS  Y11, Y13, Y11
	VMOVUPS Y0, (AX)
	VMOVUPS Y1, 32(AX)
	VMOVUPS Y2, (AX)(R11*1)
	VMOVUPS Y3, 32(AX)(R11*1)
	VMOVUPS Y4, (AX)(R11*2)
	VMOVUPS Y5, 32(AX)(R11*2)
	VMOVUPS Y6, (AX)(R12*1)
	VMOVUPS Y7, 32(AX)(R12*1)
	VMOVUPS Y8, (AX)(R11*4)
	VMOVUPS Y9, 32(AX)(R11*4)
	VMOVUPS Y10, (AX)(R13*1)
	VMOVUPS Y11, 32(AX)(R13*1)

	ADDQ $64, BX
	ADDQ $64, AX
	DECQ DX
	JNZ  panel

	VZEROUPPER
	RET

// func kmTile2AVX512(x *float32, d int, c *float32, pairs int, cn *float32, out *float32, stride int)
//
// kmTileAVX2 two panels at a time in ZMM registers: 6 rows against
// pairs ≥ 1 pairs of 16-centre panels, the same layout of c, cn and out.
// Each output lane is the same chain of FMAs over the dimensions in the
// same order as in kmTileAVX2, so the two give the same bits. Per
// dimension: two loads of the panels and six broadcasts feed twelve
// 16-lane FMAs into Z0..Z11.
TEXT ·kmTile2AVX512(SB), NOSPLIT, $0-56
	MOVQ x+0(FP), SI
	MOVQ d+8(FP), CX
	MOVQ c+16(FP), DI
	MOVQ pairs+24(FP), DX
	MOVQ cn+32(FP), BX
	MOVQ out+40(FP), AX

	// Input row strides: one (R10), three (CX) and five (R14) rows of d
	// floats; R9 ends the sweep over row 0. R15 is one panel of centres
	// (16d floats), from the first panel of a pair to the second.
	MOVQ CX, R10
	SHLQ $2, R10
	LEAQ (R10)(R10*2), CX
	LEAQ (R10)(R10*4), R14
	LEAQ (SI)(R10*1), R9
	MOVQ R10, R15
	SHLQ $4, R15

	// Output row strides: one, three and five rows of stride floats.
	MOVQ stride+48(FP), R11
	SHLQ $2, R11
	LEAQ (R11)(R11*2), R12
	LEAQ (R11)(R11*4), R13

pair512:
	VPXORD  Z0, Z0, Z0
	VPXORD  Z1, Z1, Z1
	VPXORD  Z2, Z2, Z2
	VPXORD  Z3, Z3, Z3
	VPXORD  Z4, Z4, Z4
	VPXORD  Z5, Z5, Z5
	VPXORD  Z6, Z6, Z6
	VPXORD  Z7, Z7, Z7
	VPXORD  Z8, Z8, Z8
	VPXORD  Z9, Z9, Z9
	VPXORD  Z10, Z10, Z10
	VPXORD  Z11, Z11, Z11
	MOVQ    SI, R8

dim512:
	VMOVUPS      (DI), Z12
	VMOVUPS      (DI)(R15*1), Z13
	VBROADCASTSS (R8), Z14
	VFMADD231PS  Z12, Z14, Z0
	VFMADD231PS  Z13, Z14, Z1
	VBROADCASTSS (R8)(R10*1), Z15
	VFMADD231PS  Z12, Z15, Z2
	VFMADD231PS  Z13, Z15, Z3
	VBROADCASTSS (R8)(R10*2), Z14
	VFMADD231PS  Z12, Z14, Z4
	VFMADD231PS  Z13, Z14, Z5
	VBROADCASTSS (R8)(CX*1), Z15
	VFMADD231PS  Z12, Z15, Z6
	VFMADD231PS  Z13, Z15, Z7
	VBROADCASTSS (R8)(R10*4), Z14
	VFMADD231PS  Z12, Z14, Z8
	VFMADD231PS  Z13, Z14, Z9
	VBROADCASTSS (R8)(R14*1), Z15
	VFMADD231PS  Z12, Z15, Z10
	VFMADD231PS  Z13, Z15, Z11
	ADDQ         $4, R8
	ADDQ         $64, DI
	CMPQ         R8, R9
	JNE          dim512

	// DI is at the pair's second panel: step over it to the next pair.
	ADDQ R15, DI

	// out = cn − 2·products, as in kmTileAVX2.
	VMOVUPS (BX), Z12
	VMOVUPS 64(BX), Z13
	VADDPS  Z0, Z0, Z0
	VSUBPS  Z0, Z12, Z0
	VADDPS  Z1, Z1, Z1
	VSUBPS  Z1, Z13, Z1
	VADDPS  Z2, Z2, Z2
	VSUBPS  Z2, Z12, Z2
	VADDPS  Z3, Z3, Z3
	VSUBPS  Z3, Z13, Z3
	VADDPS  Z4, Z4, Z4
	VSUBPS  Z4, Z12, Z4
	VADDPS  Z5, Z5, Z5
	VSUBPS  Z5, Z13, Z5
	VADDPS  Z6, Z6, Z6
	VSUBPS  Z6, Z12, Z6
	VADDPS  Z7, Z7, Z7
	VSUBPS  Z7, Z13, Z7
	VADDPS  Z8, Z8, Z8
	VSUBPS  Z8, Z12, Z8
	VADDPS  Z9, Z9, Z9
	VSUBPS  Z9, Z13, Z9
	VADDPS  Z10, Z10, Z10
	VSUBPS  Z10, Z12, Z10
	VADDPS  Z11, Z11, Z11
	VSUBPS  Z11, Z13, Z11
	VMOVUPS Z0, (AX)
	VMOVUPS Z1, 64(AX)
	VMOVUPS Z2, (AX)(R11*1)
	VMOVUPS Z3, 64(AX)(R11*1)
	VMOVUPS Z4, (AX)(R11*2)
	VMOVUPS Z5, 64(AX)(R11*2)
	VMOVUPS Z6, (AX)(R12*1)
	VMOVUPS Z7, 64(AX)(R12*1)
	VMOVUPS Z8, (AX)(R11*4)
	VMOVUPS Z9, 64(AX)(R11*4)
	VMOVUPS Z10, (AX)(R13*1)
	VMOVUPS Z11, 64(AX)(R13*1)

	ADDQ $128, BX
	ADDQ $128, AX
	DECQ DX
	JNZ  pair512

	VZEROUPPER
	RET

// func kmTile8AVX2(x *float32, d int, c *float32, cn *float32, out *float32, stride int)
//
// kmTileAVX2 for one panel of 8 centres (dimension t of centre l at
// 8t+l), the last panel when k rounded up to 8 is not a multiple of 16:
// out[r·stride + l] = cn[l] − 2·x_r·c_l. With one register of centres a
// step, six accumulators would leave the FMAs waiting on their own
// latency, so even and odd dimensions go to two sets (Y0..Y5, Y6..Y11),
// added at the end.
TEXT ·kmTile8AVX2(SB), NOSPLIT, $0-48
	MOVQ x+0(FP), SI
	MOVQ d+8(FP), CX
	MOVQ c+16(FP), DI
	MOVQ cn+24(FP), BX
	MOVQ out+32(FP), AX

	// Input row strides: one (R10), three (R9) and five (R14) rows.
	MOVQ CX, R10
	SHLQ $2, R10
	LEAQ (R10)(R10*2), R9
	LEAQ (R10)(R10*4), R14

	// Output row strides: one (R11), three (R12) and five (R13) rows.
	MOVQ stride+40(FP), R11
	SHLQ $2, R11
	LEAQ (R11)(R11*2), R12
	LEAQ (R11)(R11*4), R13

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	MOVQ   SI, R8
	MOVQ   CX, DX
	SHRQ   $1, DX
	JZ     odd8

pair8:
	VMOVUPS      (DI), Y12
	VMOVUPS      32(DI), Y13
	VBROADCASTSS (R8), Y14
	VFMADD231PS  Y12, Y14, Y0
	VBROADCASTSS 4(R8), Y15
	VFMADD231PS  Y13, Y15, Y6
	VBROADCASTSS (R8)(R10*1), Y14
	VFMADD231PS  Y12, Y14, Y1
	VBROADCASTSS 4(R8)(R10*1), Y15
	VFMADD231PS  Y13, Y15, Y7
	VBROADCASTSS (R8)(R10*2), Y14
	VFMADD231PS  Y12, Y14, Y2
	VBROADCASTSS 4(R8)(R10*2), Y15
	VFMADD231PS  Y13, Y15, Y8
	VBROADCASTSS (R8)(R9*1), Y14
	VFMADD231PS  Y12, Y14, Y3
	VBROADCASTSS 4(R8)(R9*1), Y15
	VFMADD231PS  Y13, Y15, Y9
	VBROADCASTSS (R8)(R10*4), Y14
	VFMADD231PS  Y12, Y14, Y4
	VBROADCASTSS 4(R8)(R10*4), Y15
	VFMADD231PS  Y13, Y15, Y10
	VBROADCASTSS (R8)(R14*1), Y14
	VFMADD231PS  Y12, Y14, Y5
	VBROADCASTSS 4(R8)(R14*1), Y15
	VFMADD231PS  Y13, Y15, Y11
	ADDQ         $8, R8
	ADDQ         $64, DI
	DECQ         DX
	JNZ          pair8

odd8:
	TESTQ        $1, CX
	JZ           sum8
	VMOVUPS      (DI), Y12
	VBROADCASTSS (R8), Y14
	VFMADD231PS  Y12, Y14, Y0
	VBROADCASTSS (R8)(R10*1), Y14
	VFMADD231PS  Y12, Y14, Y1
	VBROADCASTSS (R8)(R10*2), Y14
	VFMADD231PS  Y12, Y14, Y2
	VBROADCASTSS (R8)(R9*1), Y14
	VFMADD231PS  Y12, Y14, Y3
	VBROADCASTSS (R8)(R10*4), Y14
	VFMADD231PS  Y12, Y14, Y4
	VBROADCASTSS (R8)(R14*1), Y14
	VFMADD231PS  Y12, Y14, Y5

sum8:
	VADDPS  Y6, Y0, Y0
	VADDPS  Y7, Y1, Y1
	VADDPS  Y8, Y2, Y2
	VADDPS  Y9, Y3, Y3
	VADDPS  Y10, Y4, Y4
	VADDPS  Y11, Y5, Y5
	VMOVUPS (BX), Y12
	VADDPS  Y0, Y0, Y0
	VSUBPS  Y0, Y12, Y0
	VADDPS  Y1, Y1, Y1
	VSUBPS  Y1, Y12, Y1
	VADDPS  Y2, Y2, Y2
	VSUBPS  Y2, Y12, Y2
	VADDPS  Y3, Y3, Y3
	VSUBPS  Y3, Y12, Y3
	VADDPS  Y4, Y4, Y4
	VSUBPS  Y4, Y12, Y4
	VADDPS  Y5, Y5, Y5
	VSUBPS  Y5, Y12, Y5
	VMOVUPS Y0, (AX)
	VMOVUPS Y1, (AX)(R11*1)
	VMOVUPS Y2, (AX)(R11*2)
	VMOVUPS Y3, (AX)(R12*1)
	VMOVUPS Y4, (AX)(R11*4)
	VMOVUPS Y5, (AX)(R13*1)
	VZEROUPPER
	RET

// func kmTop2RowsAVX2(v *float32, n, rows int, b1, b2 *float32, j1 *int32)
//
// For each of rows ≥ 1 rows of n values (n a positive multiple of 8, row
// r at v + 4nr): the smallest value b1[r], the index j1[r] of its first
// occurrence, and the second smallest b2[r] (equal to b1 on a tie). Each
// lane keeps its own best, second best and index; the lanes are merged
// at the end, the lowest index winning among equal values. NaN never
// replaces a value: VMINPS and VMAXPS return their second operand when
// either is NaN, and the operands are ordered for that. A row of NaN or
// +Inf gives b1 = b2 = +Inf and j1 = 0.
//
// Rows go two at a time through one loop: each row's scan is a chain of
// dependent minima, and two chains keep the core busier than one. The
// constants are loaded with VEX moves: a legacy SSE write to an XMM
// register here cost several times the whole scan on an EPYC (Zen 3).

// TOP2_STEP folds the eight values at (ptr) into the lane state m1, m2,
// idx of one row, the lanes' column indices being in Y3: t = max(m1, v)
// (NaN v gives NaN) is what competes for m2, the larger of the old best
// and v; v < m1 takes m1 and its column index.
#define TOP2_STEP(ptr, v, t, mask, m1, m2, idx) \
	VMOVUPS   ptr, v; \
	VMAXPS    v, m1, t; \
	VMINPS    m2, t, m2; \
	VCMPPS    $1, m1, v, mask; \
	VMINPS    m1, v, m1; \
	VBLENDVPS mask, Y3, idx, idx

// TOP2_MERGE merges the lanes of the row state in Y0 (m1), Y1 (m2) and
// Y2 (idx), writes b1, b2 and j1 through R8, R9 and R10 and advances
// them. It uses Y5..Y14.
#define TOP2_MERGE \
	VEXTRACTF128 $1, Y0, X5; \
	VMINPS       X5, X0, X5; \
	VPERMILPS    $0x4e, X5, X6; \
	VMINPS       X6, X5, X5; \
	VPERMILPS    $0xb1, X5, X6; \
	VMINPS       X6, X5, X5; \
	VINSERTF128  $1, X5, Y5, Y5; \
	VCMPPS       $0, Y5, Y0, Y7; \
	VPCMPEQD     Y8, Y8, Y8; \
	VPSRLD       $1, Y8, Y8; \
	VBLENDVPS    Y7, Y2, Y8, Y9; \
	VEXTRACTI128 $1, Y9, X10; \
	VPMINSD      X10, X9, X10; \
	VPSHUFD      $0x4e, X10, X11; \
	VPMINSD      X11, X10, X10; \
	VPSHUFD      $0xb1, X10, X11; \
	VPMINSD      X11, X10, X10; \
	VINSERTI128  $1, X10, Y10, Y10; \
	VPCMPEQD     Y10, Y9, Y11; \
	VBLENDVPS    Y11, Y1, Y0, Y12; \
	VEXTRACTF128 $1, Y12, X13; \
	VMINPS       X13, X12, X13; \
	VPERMILPS    $0x4e, X13, X14; \
	VMINPS       X14, X13, X13; \
	VPERMILPS    $0xb1, X13, X14; \
	VMINPS       X14, X13, X13; \
	VMOVSS       X5, (R8); \
	VMOVSS       X13, (R9); \
	VMOVSS       X10, (R10); \
	ADDQ         $4, R8; \
	ADDQ         $4, R9; \
	ADDQ         $4, R10

// TOP2_INIT sets a row state to m1 = m2 = +Inf (from Y15), idx = 0.
#define TOP2_INIT(m1, m2, idx) \
	VMOVAPS Y15, m1; \
	VMOVAPS Y15, m2; \
	VPXOR   idx, idx, idx

TEXT ·kmTop2RowsAVX2(SB), NOSPLIT, $0-48
	MOVQ v+0(FP), SI
	MOVQ n+8(FP), DX
	MOVQ rows+16(FP), BX
	MOVQ b1+24(FP), R8
	MOVQ b2+32(FP), R9
	MOVQ j1+40(FP), R10
	SHLQ $2, DX // bytes a row

pairs:
	CMPQ BX, $2
	JB   single
	MOVL         $0x7f800000, AX
	VMOVQ        AX, X15
	VPBROADCASTD X15, Y15 // +Inf
	TOP2_INIT(Y0, Y1, Y2)
	TOP2_INIT(Y5, Y6, Y7)
	VMOVDQU      kmLanes<>(SB), Y3
	MOVL         $8, AX
	VMOVQ        AX, X4
	VPBROADCASTD X4, Y4 // step 8
	LEAQ         (SI)(DX*1), DI
	MOVQ         DX, CX
	SHRQ         $5, CX

pairloop:
	TOP2_STEP((SI), Y8, Y9, Y10, Y0, Y1, Y2)
	TOP2_STEP((DI), Y11, Y12, Y13, Y5, Y6, Y7)
	VPADDD Y4, Y3, Y3
	ADDQ   $32, SI
	ADDQ   $32, DI
	DECQ   CX
	JNZ    pairloop

	// The second row's state waits in registers TOP2_MERGE leaves alone.
	VMOVAPS Y5, Y3
	VMOVAPS Y6, Y4
	VMOVAPS Y7, Y15
	TOP2_MERGE
	VMOVAPS Y3, Y0
	VMOVAPS Y4, Y1
	VMOVAPS Y15, Y2
	TOP2_MERGE
	MOVQ DI, SI // the next row follows the second
	SUBQ $2, BX
	JMP  pairs

single:
	TESTQ BX, BX
	JZ    done
	MOVL         $0x7f800000, AX
	VMOVQ        AX, X15
	VPBROADCASTD X15, Y15
	TOP2_INIT(Y0, Y1, Y2)
	VMOVDQU      kmLanes<>(SB), Y3
	MOVL         $8, AX
	VMOVQ        AX, X4
	VPBROADCASTD X4, Y4
	MOVQ         DX, CX
	SHRQ         $5, CX

singleloop:
	TOP2_STEP((SI), Y8, Y9, Y10, Y0, Y1, Y2)
	VPADDD Y4, Y3, Y3
	ADDQ   $32, SI
	DECQ   CX
	JNZ    singleloop
	TOP2_MERGE

done:
	VZEROUPPER
	RET

// GUESS_STEP folds the eight values at off(SI), their low bits replaced
// (Y14 keeps the high ones) by their columns at off(DI), into the lane
// minima acc. VMINPS returns its second source when either is NaN, and
// that source is acc: a NaN value never enters it.
#define GUESS_STEP(off, v, acc) \
	VANDPS off(SI), Y14, v; \
	VORPS  off(DI), v, v; \
	VMINPS acc, v, acc

// func kmGuessRowsAVX2(v *float32, n, rows int, cols *int32, keep int32, j1 *int32)
//
// For each of rows ≥ 1 rows of n values (n a positive multiple of 8, row
// r at v + 4nr), j1[r] = the column of a smallest value, to within the
// bits that keep clears: each value's low bits are replaced by its
// column from cols (0, 1, 2, ...), so one min per value finds the value
// and its column together, in four chains a row. A NaN never wins (the
// accumulator is the operand VMINPS keeps); j1 is below the smallest
// power of two above ~keep, not always below n.
TEXT ·kmGuessRowsAVX2(SB), NOSPLIT, $0-48
	MOVQ         v+0(FP), SI
	MOVQ         n+8(FP), DX
	MOVQ         rows+16(FP), BX
	MOVL         keep+32(FP), AX
	MOVQ         j1+40(FP), R10
	VMOVD        AX, X14
	VPBROADCASTD X14, Y14 // keep: the value's high bits
	NOTL         AX
	MOVL         AX, R9   // the column's bits
	MOVL         $0x7f800000, AX
	VMOVD        AX, X15
	VPBROADCASTD X15, Y15 // +Inf
	MOVQ         DX, R12
	SHRQ         $5, R12  // chunks of 32 values a row
	MOVQ         DX, R13
	ANDQ         $31, R13
	SHRQ         $3, R13  // then vectors of 8

guessrow:
	MOVQ    cols+24(FP), DI
	VMOVAPS Y15, Y0
	VMOVAPS Y15, Y1
	VMOVAPS Y15, Y2
	VMOVAPS Y15, Y3
	MOVQ    R12, CX
	TESTQ   CX, CX
	JZ      guessrest

guesschunk:
	GUESS_STEP(0, Y4, Y0)
	GUESS_STEP(32, Y5, Y1)
	GUESS_STEP(64, Y6, Y2)
	GUESS_STEP(96, Y7, Y3)
	ADDQ   $128, SI
	ADDQ   $128, DI
	DECQ   CX
	JNZ    guesschunk

guessrest:
	MOVQ  R13, CX
	TESTQ CX, CX
	JZ    guessmerge

guessvec:
	GUESS_STEP(0, Y4, Y0)
	ADDQ   $32, SI
	ADDQ   $32, DI
	DECQ   CX
	JNZ    guessvec

guessmerge:
	// The accumulators hold no NaN: the operand order no longer matters.
	VMINPS       Y1, Y0, Y0
	VMINPS       Y3, Y2, Y2
	VMINPS       Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VMINPS       X1, X0, X0
	VPERMILPS    $0x4e, X0, X1
	VMINPS       X1, X0, X0
	VPERMILPS    $0xb1, X0, X1
	VMINPS       X1, X0, X0
	VMOVD        X0, AX
	ANDL         R9, AX
	MOVL         AX, (R10)
	ADDQ         $4, R10
	DECQ         BX
	JNZ          guessrow
	VZEROUPPER
	RET

// func kmCentreAVX2(dst, src, mu *float32, d int, next *float32) (norm float32)
//
// dst = src − mu over d values, and the sum of squares of dst (eight
// lanes, then the remainder one by one). The d values at next, a row
// wanted soon, are prefetched: mini-batch rows are scattered over the
// shard, and their cache misses cost more than the arithmetic.
TEXT ·kmCentreAVX2(SB), NOSPLIT, $0-44
	MOVQ   dst+0(FP), DI
	MOVQ   src+8(FP), SI
	MOVQ   mu+16(FP), BX
	MOVQ   d+24(FP), CX
	MOVQ   next+32(FP), AX
	LEAQ   (AX)(CX*4), DX

prefetch:
	PREFETCHT0 (AX)
	ADDQ       $64, AX
	CMPQ       AX, DX
	JB         prefetch

	VXORPS Y0, Y0, Y0
	CMPQ   CX, $8
	JB     tail

vec:
	VMOVUPS     (SI), Y1
	VSUBPS      (BX), Y1, Y1
	VMOVUPS     Y1, (DI)
	VFMADD231PS Y1, Y1, Y0
	ADDQ        $32, SI
	ADDQ        $32, BX
	ADDQ        $32, DI
	SUBQ        $8, CX
	CMPQ        CX, $8
	JAE         vec

tail:
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VHADDPS      X0, X0, X0
	VHADDPS      X0, X0, X0
	TESTQ        CX, CX
	JZ           done

scalar:
	VMOVSS      (SI), X1
	VSUBSS      (BX), X1, X1
	VMOVSS      X1, (DI)
	VFMADD231SS X1, X1, X0
	ADDQ        $4, SI
	ADDQ        $4, BX
	ADDQ        $4, DI
	DECQ        CX
	JNZ         scalar

done:
	VMOVSS     X0, norm+40(FP)
	VZEROUPPER
	RET

// func kmDistRowsAVX2(x *float32, n, d int, c *float32, out *float32)
//
// out[i] = Σ_t (x[i·d+t] − c[t])² in float32 for the n ≥ 1 row-major rows
// of x: two eight-lane accumulators, then the remainder one by one.
TEXT ·kmDistRowsAVX2(SB), NOSPLIT, $0-40
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), DX
	MOVQ d+16(FP), CX
	MOVQ c+24(FP), BX
	MOVQ out+32(FP), DI

row:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	MOVQ   BX, R8
	MOVQ   CX, R9
	CMPQ   R9, $16
	JB     one8

two8:
	VMOVUPS     (SI), Y2
	VSUBPS      (R8), Y2, Y2
	VFMADD231PS Y2, Y2, Y0
	VMOVUPS     32(SI), Y3
	VSUBPS      32(R8), Y3, Y3
	VFMADD231PS Y3, Y3, Y1
	ADDQ        $64, SI
	ADDQ        $64, R8
	SUBQ        $16, R9
	CMPQ        R9, $16
	JAE         two8

one8:
	CMPQ        R9, $8
	JB          reduce
	VMOVUPS     (SI), Y2
	VSUBPS      (R8), Y2, Y2
	VFMADD231PS Y2, Y2, Y0
	ADDQ        $32, SI
	ADDQ        $32, R8
	SUBQ        $8, R9

reduce:
	VADDPS       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VHADDPS      X0, X0, X0
	VHADDPS      X0, X0, X0
	TESTQ        R9, R9
	JZ           store

scalar:
	VMOVSS      (SI), X1
	VSUBSS      (R8), X1, X1
	VFMADD231SS X1, X1, X0
	ADDQ        $4, SI
	ADDQ        $4, R8
	DECQ        R9
	JNZ         scalar

store:
	VMOVSS X0, (DI)
	ADDQ   $4, DI
	DECQ   DX
	JNZ    row
	VZEROUPPER
	RET

// func kmDistRows4AVX2(x *float32, n, d int, c *float32, out *float32)
//
// kmDistRowsAVX2 for n a positive multiple of 4 and d a positive multiple
// of 8, four rows at a time: each chunk of c is loaded once for the four
// rows, and one horizontal reduction finishes all four. Every row's sums
// are added in kmDistRowsAVX2's order (even chunks, odd chunks, their
// sum, high half onto low, two pairwise adds), so the results are equal
// bit for bit. (c−x)² is used for (x−c)²: the same float32.
TEXT ·kmDistRows4AVX2(SB), NOSPLIT, $0-40
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), DX
	MOVQ d+16(FP), CX
	MOVQ c+24(FP), BX
	MOVQ out+32(FP), DI
	MOVQ CX, R10
	SHLQ $2, R10              // row stride in bytes
	LEAQ (R10)(R10*2), R11    // three strides

quad:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	XORQ   R9, R9             // byte offset in the rows
	MOVQ   CX, R8             // values left

pair4:
	CMPQ        R8, $16
	JB          single4
	VMOVUPS     (BX)(R9*1), Y8
	VMOVUPS     32(BX)(R9*1), Y13
	LEAQ        (SI)(R9*1), R12
	VSUBPS      (R12), Y8, Y9
	VFMADD231PS Y9, Y9, Y0
	VSUBPS      (R12)(R10*1), Y8, Y10
	VFMADD231PS Y10, Y10, Y1
	VSUBPS      (R12)(R10*2), Y8, Y11
	VFMADD231PS Y11, Y11, Y2
	VSUBPS      (R12)(R11*1), Y8, Y12
	VFMADD231PS Y12, Y12, Y3
	VSUBPS      32(R12), Y13, Y9
	VFMADD231PS Y9, Y9, Y4
	VSUBPS      32(R12)(R10*1), Y13, Y10
	VFMADD231PS Y10, Y10, Y5
	VSUBPS      32(R12)(R10*2), Y13, Y11
	VFMADD231PS Y11, Y11, Y6
	VSUBPS      32(R12)(R11*1), Y13, Y12
	VFMADD231PS Y12, Y12, Y7
	ADDQ        $64, R9
	SUBQ        $16, R8
	JMP         pair4

single4:
	CMPQ        R8, $8
	JB          reduce4
	VMOVUPS     (BX)(R9*1), Y8
	LEAQ        (SI)(R9*1), R12
	VSUBPS      (R12), Y8, Y9
	VFMADD231PS Y9, Y9, Y0
	VSUBPS      (R12)(R10*1), Y8, Y10
	VFMADD231PS Y10, Y10, Y1
	VSUBPS      (R12)(R10*2), Y8, Y11
	VFMADD231PS Y11, Y11, Y2
	VSUBPS      (R12)(R11*1), Y8, Y12
	VFMADD231PS Y12, Y12, Y3

reduce4:
	VADDPS       Y4, Y0, Y0
	VADDPS       Y5, Y1, Y1
	VADDPS       Y6, Y2, Y2
	VADDPS       Y7, Y3, Y3
	VEXTRACTF128 $1, Y0, X4
	VADDPS       X4, X0, X0
	VEXTRACTF128 $1, Y1, X5
	VADDPS       X5, X1, X1
	VEXTRACTF128 $1, Y2, X6
	VADDPS       X6, X2, X2
	VEXTRACTF128 $1, Y3, X7
	VADDPS       X7, X3, X3
	VHADDPS      X1, X0, X8
	VHADDPS      X3, X2, X9
	VHADDPS      X9, X8, X10
	VMOVUPS      X10, (DI)
	ADDQ         $16, DI
	LEAQ         (SI)(R10*4), SI
	SUBQ         $4, DX
	JNZ          quad
	VZEROUPPER
	RET

// func kmDist64x4AVX2(x0, x1, x2, x3, c0, c1, c2, c3 *float32, d4 int, out *[16]float64)
//
// The four lane sums of kmDist64 for the pairs (x_r, c_r) over their first
// d4 dimensions (d4 > 0, a multiple of 4): lane l of row r, written to
// out[4r+l], sums (x−c)² of dimensions t ≡ l (mod 4) in increasing t,
// as float64 with a separate multiply and add, as the Go code rounds.
TEXT ·kmDist64x4AVX2(SB), NOSPLIT, $0-80
	DIST64X4_ARGS

quad64:
	VCVTPS2PD (R8)(AX*1), Y4
	VCVTPS2PD (R12)(AX*1), Y5
	VSUBPD    Y5, Y4, Y4
	VMULPD    Y4, Y4, Y4
	VADDPD    Y4, Y0, Y0
	VCVTPS2PD (R9)(AX*1), Y6
	VCVTPS2PD (R13)(AX*1), Y7
	VSUBPD    Y7, Y6, Y6
	VMULPD    Y6, Y6, Y6
	VADDPD    Y6, Y1, Y1
	VCVTPS2PD (R10)(AX*1), Y8
	VCVTPS2PD (R14)(AX*1), Y9
	VSUBPD    Y9, Y8, Y8
	VMULPD    Y8, Y8, Y8
	VADDPD    Y8, Y2, Y2
	VCVTPS2PD (R11)(AX*1), Y10
	VCVTPS2PD (R15)(AX*1), Y11
	VSUBPD    Y11, Y10, Y10
	VMULPD    Y10, Y10, Y10
	VADDPD    Y10, Y3, Y3
	ADDQ      $16, AX
	SUBQ      $4, CX
	JNZ       quad64

	VMOVUPD Y0, (DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD Y2, 64(DI)
	VMOVUPD Y3, 96(DI)
	VZEROUPPER
	RET

// DIST64C_TERM adds to acc, a row's four lane sums, the squared
// differences of its next four dimensions (x, float32) and its centre's
// (c, float64) at byte offset AX of x, with a separate multiply and add.
#define DIST64C_TERM(x, c, t, acc) \
	VCVTPS2PD (x)(AX*1), t; \
	VSUBPD    (c)(AX*2), t, t; \
	VMULPD    t, t, t; \
	VADDPD    t, acc, acc

// func kmDist64x4C64AVX2(x0, x1, x2, x3 *float32, c0, c1, c2, c3 *float64, d4 int, out *[4]float64)
//
// kmDist64 of the pairs (x_r, c_r) whole, for d4 > 0 a multiple of 4, with
// each centre given in float64 (its float32 values converted, which is
// exact): one conversion per term rather than two. Lane l of row r sums
// (x−c)² of dimensions t ≡ l (mod 4) in increasing t with a separate
// multiply and add, then out[r] = (lane0 + lane1) + (lane2 + lane3), as
// kmDist64 rounds.
TEXT ·kmDist64x4C64AVX2(SB), NOSPLIT, $0-80
	DIST64X4_ARGS

quad64c:
	DIST64C_TERM(R8, R12, Y4, Y0)
	DIST64C_TERM(R9, R13, Y5, Y1)
	DIST64C_TERM(R10, R14, Y6, Y2)
	DIST64C_TERM(R11, R15, Y7, Y3)
	ADDQ      $16, AX
	SUBQ      $4, CX
	JNZ       quad64c

	// Y0 = [a0 a1 a2 a3] (row 0's lanes), and so on. HADDPD pairs lanes
	// within each 128-bit half: Y4 = [a0+a1, b0+b1, a2+a3, b2+b3].
	VHADDPD    Y1, Y0, Y4
	VHADDPD    Y3, Y2, Y5
	VPERM2F128 $0x20, Y5, Y4, Y6 // [a0+a1, b0+b1, c0+c1, d0+d1]
	VPERM2F128 $0x31, Y5, Y4, Y7 // [a2+a3, b2+b3, c2+c3, d2+d3]
	VADDPD     Y7, Y6, Y6
	VMOVUPD    Y6, (DI)
	VZEROUPPER
	RET

// func kmTrialPotentialAVX2(pot *float64, dist *float32, w *float64, trial *float64, n4 int, lanes *[4]float64)
//
// kmTrialPotential's loop over the first n4 rows (n4 > 0, a multiple of
// 4): trial[i] = min(pot[i], w[i]·dist[i]) (w nil: weight 1), keeping
// pot[i] unless the product is smaller, and the four chains' sums by row
// mod 4 in lanes.
TEXT ·kmTrialPotentialAVX2(SB), NOSPLIT, $0-48
	MOVQ pot+0(FP), SI
	MOVQ dist+8(FP), DX
	MOVQ w+16(FP), R8
	MOVQ trial+24(FP), DI
	MOVQ n4+32(FP), CX
	MOVQ lanes+40(FP), R9
	VXORPD Y0, Y0, Y0
	TESTQ  R8, R8
	JZ     plain

weighted:
	VCVTPS2PD (DX), Y1
	VMULPD    (R8), Y1, Y1
	VMOVUPD   (SI), Y2
	VMINPD    Y2, Y1, Y3
	VMOVUPD   Y3, (DI)
	VADDPD    Y3, Y0, Y0
	ADDQ      $16, DX
	ADDQ      $32, R8
	ADDQ      $32, SI
	ADDQ      $32, DI
	SUBQ      $4, CX
	JNZ       weighted
	JMP       done

plain:
	VCVTPS2PD (DX), Y1
	VMOVUPD   (SI), Y2
	VMINPD    Y2, Y1, Y3
	VMOVUPD   Y3, (DI)
	VADDPD    Y3, Y0, Y0
	ADDQ      $16, DX
	ADDQ      $32, SI
	ADDQ      $32, DI
	SUBQ      $4, CX
	JNZ       plain

done:
	VMOVUPD Y0, (R9)
	VZEROUPPER
	RET

// func kmAddRowAVX2(sum *float64, x *float32, d4 int, w float64)
//
// sum[t] += w·x[t] for t < d4 (d4 > 0, a multiple of 4): the float32
// values widened to float64, multiplied and then added, two rounding
// steps as in the Go loop (no FMA). Eight values a step while there are
// eight, then four.
TEXT ·kmAddRowAVX2(SB), NOSPLIT, $0-32
	MOVQ         sum+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         d4+16(FP), CX
	VBROADCASTSD w+24(FP), Y0
	CMPQ         CX, $8
	JB           four

eight:
	VCVTPS2PD (SI), Y1
	VCVTPS2PD 16(SI), Y2
	VMULPD    Y0, Y1, Y1
	VMULPD    Y0, Y2, Y2
	VADDPD    (DI), Y1, Y1
	VADDPD    32(DI), Y2, Y2
	VMOVUPD   Y1, (DI)
	VMOVUPD   Y2, 32(DI)
	ADDQ      $32, SI
	ADDQ      $64, DI
	SUBQ      $8, CX
	CMPQ      CX, $8
	JAE       eight
	TESTQ     CX, CX
	JZ        added

four:
	VCVTPS2PD (SI), Y1
	VMULPD    Y0, Y1, Y1
	VADDPD    (DI), Y1, Y1
	VMOVUPD   Y1, (DI)

added:
	VZEROUPPER
	RET

// func kmPrefetchGather(x *float32, rows *int32, n, d int)
//
// PREFETCHT0 every cache line of the d-float32 rows x[rows[i]·d:] for
// i < n (n > 0). Prefetches never fault, but the rows are checked anyway.
TEXT ·kmPrefetchGather(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), SI
	MOVQ rows+8(FP), BX
	MOVQ n+16(FP), CX
	MOVQ d+24(FP), DX
	SHLQ $2, DX // bytes a row

row:
	MOVLQSX (BX), AX
	IMULQ   DX, AX
	LEAQ    (SI)(AX*1), DI
	LEAQ    (DI)(DX*1), R8 // end of the row
	ANDQ    $-64, DI       // from the first line it touches

line:
	PREFETCHT0 (DI)
	ADDQ       $64, DI
	CMPQ       DI, R8
	JB         line
	ADDQ       $4, BX
	DECQ       CX
	JNZ        row
	RET

// func kmTriRowL2AVX2(a *float64, b *float64, d4 int, m4 int, root bool, out *float32)
//
// Squared Euclidean (root: Euclidean) distances, as float32, of one point
// a against the m4 consecutive points at b (m4 > 0 and d4 > 0, both
// multiples of 4; all in float64, row-major, dimension d4), written to
// out[0:m4]. Four points at a time, each with four lanes: lane l sums
// (a−b)² over dimensions t ≡ l (mod 4) in increasing t, a separate
// multiply and add; then (s0+s1)+(s2+s3), the square root and the
// rounding to float32, exactly as vecFill's Go code computes them.
TEXT ·kmTriRowL2AVX2(SB), NOSPLIT, $0-48
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), DI
	MOVQ d4+16(FP), CX
	MOVQ m4+24(FP), DX
	MOVBQZX root+32(FP), R11
	MOVQ out+40(FP), AX
	SHLQ $3, CX                 // row length in bytes
	LEAQ (CX)(CX*2), R10        // three rows

group:
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	XORQ   BX, BX
	MOVQ   DI, R8

dim:
	VMOVUPD (SI)(BX*1), Y4
	VSUBPD  (R8), Y4, Y5
	VSUBPD  (R8)(CX*1), Y4, Y6
	VSUBPD  (R8)(CX*2), Y4, Y7
	VSUBPD  (R8)(R10*1), Y4, Y8
	VMULPD  Y5, Y5, Y5
	VMULPD  Y6, Y6, Y6
	VMULPD  Y7, Y7, Y7
	VMULPD  Y8, Y8, Y8
	VADDPD  Y5, Y0, Y0
	VADDPD  Y6, Y1, Y1
	VADDPD  Y7, Y2, Y2
	VADDPD  Y8, Y3, Y3
	ADDQ    $32, BX
	ADDQ    $32, R8
	CMPQ    BX, CX
	JNE     dim

	// Y4 = [p0(s0+s1), p1(s0+s1), p0(s2+s3), p1(s2+s3)], Y5 likewise for
	// points 2 and 3; then the halves are regrouped and added.
	VHADDPD    Y1, Y0, Y4
	VHADDPD    Y3, Y2, Y5
	VPERM2F128 $0x20, Y5, Y4, Y6
	VPERM2F128 $0x31, Y5, Y4, Y7
	VADDPD     Y7, Y6, Y6
	TESTQ      R11, R11
	JZ         noroot
	VSQRTPD    Y6, Y6

noroot:
	VCVTPD2PSY Y6, X6
	VMOVUPS    X6, (AX)
	ADDQ       $16, AX
	LEAQ       (DI)(CX*4), DI
	SUBQ       $4, DX
	JNZ        group

	VZEROUPPER
	RET

// func kmBuildGain2AVX2(r0, r1, nd *float32, part *float64, m4 int, nd0, nd1 float32, gains *[2]float64)
//
// BUILD's gains from two stored rows r0, r1 of a LowerTriangle over the
// columns j < m4 (m4 > 0, a multiple of 4), four at a time:
// part[j] = (part[j] + max(nd0−r0[j], 0)) + max(nd1−r1[j], 0) and
// gains[r] += max(nd[j]−r_r[j], 0) one term at a time in j order; every
// difference in float32, every sum in float64, as buildGainRows' loop.
// VMAXPS with +0 second returns +0 for −0, as Go's max does.
TEXT ·kmBuildGain2AVX2(SB), NOSPLIT, $0-56
	MOVQ         r0+0(FP), SI
	MOVQ         r1+8(FP), DI
	MOVQ         nd+16(FP), DX
	MOVQ         part+24(FP), BX
	MOVQ         m4+32(FP), CX
	VBROADCASTSS nd0+40(FP), X10
	VBROADCASTSS nd1+44(FP), X11
	MOVQ         gains+48(FP), R8
	VMOVQ        (R8), X12
	VMOVQ        8(R8), X13
	VXORPS       X15, X15, X15
	XORQ         AX, AX

gain4:
	VMOVUPS (SI)(AX*4), X0
	VMOVUPS (DI)(AX*4), X1
	VMOVUPS (DX)(AX*4), X2

	// The rows' own terms: max(nd[j]−r[j], 0).
	VSUBPS    X0, X2, X3
	VMAXPS    X15, X3, X3
	VCVTPS2PD X3, Y3
	VSUBPS    X1, X2, X4
	VMAXPS    X15, X4, X4
	VCVTPS2PD X4, Y4

	// The columns' terms: max(nd_r−r[j], 0), row 0 first.
	VSUBPS    X0, X10, X5
	VMAXPS    X15, X5, X5
	VCVTPS2PD X5, Y5
	VSUBPS    X1, X11, X6
	VMAXPS    X15, X6, X6
	VCVTPS2PD X6, Y6
	VMOVUPD   (BX)(AX*8), Y7
	VADDPD    Y5, Y7, Y7
	VADDPD    Y6, Y7, Y7
	VMOVUPD   Y7, (BX)(AX*8)

	// The two running sums, one term at a time in j order.
	VADDSD       X3, X12, X12
	VADDSD       X4, X13, X13
	VPERMILPD    $1, X3, X8
	VPERMILPD    $1, X4, X9
	VADDSD       X8, X12, X12
	VADDSD       X9, X13, X13
	VEXTRACTF128 $1, Y3, X3
	VEXTRACTF128 $1, Y4, X4
	VADDSD       X3, X12, X12
	VADDSD       X4, X13, X13
	VPERMILPD    $1, X3, X3
	VPERMILPD    $1, X4, X4
	VADDSD       X3, X12, X12
	VADDSD       X4, X13, X13

	ADDQ $4, AX
	CMPQ AX, CX
	JNE  gain4

	VMOVQ  X12, (R8)
	VMOVQ  X13, 8(R8)
	VZEROUPPER
	RET

// func kmPrefetchSeg(p *float32)
//
// PREFETCHT0 the cache lines of the 128 bytes at p (at most three).
TEXT ·kmPrefetchSeg(SB), NOSPLIT, $0-8
	MOVQ       p+0(FP), SI
	PREFETCHT0 (SI)
	PREFETCHT0 64(SI)
	PREFETCHT0 124(SI)
	RET

// func kmSwapGainAVX2(row, sd *float32, near *kmedNear, n8 int, ploss *float64) (acc float64)
//
// bestSwapInto's loop over o < n8, eight objects at a time: a group
// where no row[o] < sd[o] adds nothing and is skipped; in the others the
// objects with row[o] < sd[o] are taken in increasing o, each as the Go
// loop does it. kmedNear is {ni int32, nd float32, si int32, sd float32}.
TEXT ·kmSwapGainAVX2(SB), NOSPLIT, $0-48
	MOVQ   row+0(FP), SI
	MOVQ   sd+8(FP), DI
	MOVQ   near+16(FP), R8
	MOVQ   n8+24(FP), CX
	MOVQ   ploss+32(FP), R9
	VXORPD X0, X0, X0
	VXORPD X15, X15, X15
	XORQ   AX, AX

group:
	VMOVUPS   (SI)(AX*4), Y1
	VCMPPS    $1, (DI)(AX*4), Y1, Y2 // row < sd
	VMOVMSKPS Y2, BX
	TESTL     BX, BX
	JNZ       hits

next:
	ADDQ $8, AX
	CMPQ AX, CX
	JNE  group
	VZEROUPPER
	MOVSD X0, acc+40(FP)
	RET

hits:
	BSFL      BX, DX
	LEAQ      (AX)(DX*1), R10
	VMOVSS    (SI)(R10*4), X3       // v
	SHLQ      $4, R10
	MOVLQSX   (R8)(R10*1), R12      // ni
	VMOVSS    4(R8)(R10*1), X4      // nd
	VMOVSS    12(R8)(R10*1), X5     // sd
	VCVTSS2SD X3, X3, X3
	VCVTSS2SD X4, X4, X4
	VCVTSS2SD X5, X5, X5
	// Without a branch on v < nd, which the data decide: the slot's
	// term is min(max(v, nd), sd) − sd, that is nd − sd or v − sd, and
	// the shared gain gets min(v − nd, 0), +0 (which changes no sum of
	// negative terms) unless v < nd.
	VMAXSD X4, X3, X6
	VMINSD X5, X6, X6
	VSUBSD X5, X6, X6
	VADDSD (R9)(R12*8), X6, X6
	VMOVSD X6, (R9)(R12*8)
	VSUBSD X4, X3, X7
	VMINSD X15, X7, X7
	VADDSD X7, X0, X0

bit:
	LEAL -1(BX), DX
	ANDL DX, BX
	JNZ  hits
	JMP  next

// func kmTriRowL2AVX512(a *float64, b *float64, d4 int, m8 int, root bool, out *float32)
//
// kmTriRowL2AVX2 with 512-bit registers, eight points at a time: b holds
// the points in pairs (rows 2m and 2m+1 as 2·d4 values: dimensions
// 4q..4q+3 of the first, then of the second, for q = 0, 1, …), so that
// one register holds the same four dimensions of two points and each
// 256-bit half sums its own point's lanes exactly as kmTriRowL2AVX2 does.
// m8 > 0 is a multiple of 8 and b starts on a pair.
TEXT ·kmTriRowL2AVX512(SB), NOSPLIT, $0-48
	MOVQ    a+0(FP), SI
	MOVQ    b+8(FP), DI
	MOVQ    d4+16(FP), CX
	MOVQ    m8+24(FP), DX
	MOVBQZX root+32(FP), R11
	MOVQ    out+40(FP), AX
	SHLQ    $4, CX              // bytes of a pair of points
	LEAQ    (CX)(CX*2), R10     // three pairs
	MOVQ    CX, R12
	SHRQ    $1, R12             // bytes of one point: a's end offset

group8:
	VXORPD Z0, Z0, Z0
	VXORPD Z1, Z1, Z1
	VXORPD Z2, Z2, Z2
	VXORPD Z3, Z3, Z3
	MOVQ   SI, R9
	LEAQ   (SI)(R12*1), R13
	MOVQ   DI, R8

dim8:
	VBROADCASTF64X4 (R9), Z4
	VSUBPD          (R8), Z4, Z5
	VSUBPD          (R8)(CX*1), Z4, Z6
	VSUBPD          (R8)(CX*2), Z4, Z7
	VSUBPD          (R8)(R10*1), Z4, Z8
	VMULPD          Z5, Z5, Z5
	VMULPD          Z6, Z6, Z6
	VMULPD          Z7, Z7, Z7
	VMULPD          Z8, Z8, Z8
	VADDPD          Z5, Z0, Z0
	VADDPD          Z6, Z1, Z1
	VADDPD          Z7, Z2, Z2
	VADDPD          Z8, Z3, Z3
	ADDQ            $32, R9
	ADDQ            $64, R8
	CMPQ            R9, R13
	JNE             dim8

	// Points 0..3: Y0 and Y8 (the upper half of Z0) are points 0 and 1,
	// Y1 and Y9 points 2 and 3; then as kmTriRowL2AVX2.
	VEXTRACTF64X4 $1, Z0, Y8
	VEXTRACTF64X4 $1, Z1, Y9
	VHADDPD       Y8, Y0, Y4
	VHADDPD       Y9, Y1, Y5
	VPERM2F128    $0x20, Y5, Y4, Y6
	VPERM2F128    $0x31, Y5, Y4, Y7
	VADDPD        Y7, Y6, Y6

	// Points 4..7 from Z2 and Z3.
	VEXTRACTF64X4 $1, Z2, Y10
	VEXTRACTF64X4 $1, Z3, Y11
	VHADDPD       Y10, Y2, Y4
	VHADDPD       Y11, Y3, Y5
	VPERM2F128    $0x20, Y5, Y4, Y12
	VPERM2F128    $0x31, Y5, Y4, Y7
	VADDPD        Y7, Y12, Y12
	TESTQ         R11, R11
	JZ            noroot8
	VSQRTPD       Y6, Y6
	VSQRTPD       Y12, Y12

noroot8:
	VCVTPD2PSY Y6, X6
	VCVTPD2PSY Y12, X12
	VMOVUPS    X6, (AX)
	VMOVUPS    X12, 16(AX)
	ADDQ       $32, AX
	LEAQ       (DI)(CX*4), DI
	SUBQ       $8, DX
	JNZ        group8

	VZEROUPPER
	RET

// func kmCandDistAVX512(xt *float32, stride, blocks, d int, c *float32, pairs int, out *float32)
//
// out[j·64·blocks + i] = Σ_t (xt[t·stride + i] − c[j·d + t])² for the
// 2·pairs ≥ 2 candidates j (row-major in c) against the 64·blocks rows of
// the transposed sample xt (d ≥ 1 dimensions, stride ≥ 64·blocks floats
// apart). Each lane is one row: one chain of FMAs over t = 0, 1, …, d−1
// from zero, the order of kmCandDistAVX2, so the two give the same bits.
// Block by block of 64 rows, whose values stay in L1 while every pair of
// candidates passes over them: per dimension, four loads and two
// broadcasts feed eight subtractions and eight FMAs into Z0..Z7.
TEXT ·kmCandDistAVX512(SB), NOSPLIT, $0-56
	MOVQ xt+0(FP), SI
	MOVQ stride+8(FP), R10
	MOVQ blocks+16(FP), DX
	MOVQ d+24(FP), CX
	MOVQ c+32(FP), DI
	MOVQ out+48(FP), AX
	SHLQ $2, R10 // bytes from one dimension of xt to the next
	MOVQ CX, R11
	SHLQ $2, R11 // bytes in a candidate
	MOVQ DX, R15
	SHLQ $8, R15 // bytes in a candidate's output: 64 rows a block

cblock512:
	MOVQ DI, R14 // the pair's first candidate
	MOVQ AX, BX  // its output at the block
	MOVQ pairs+40(FP), R12 // pairs left

cpair512:
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	MOVQ SI, R8  // dimension t of the block's rows
	MOVQ R14, R9 // dimension t of the pair's first candidate
	MOVQ CX, R13 // dimensions left

cdim512:
	VMOVUPS (R8), Z8
	VMOVUPS 64(R8), Z9
	VMOVUPS 128(R8), Z10
	VMOVUPS 192(R8), Z11
	VBROADCASTSS (R9), Z12
	VBROADCASTSS (R9)(R11*1), Z13
	VSUBPS Z12, Z8, Z14
	VFMADD231PS Z14, Z14, Z0
	VSUBPS Z12, Z9, Z15
	VFMADD231PS Z15, Z15, Z1
	VSUBPS Z12, Z10, Z16
	VFMADD231PS Z16, Z16, Z2
	VSUBPS Z12, Z11, Z17
	VFMADD231PS Z17, Z17, Z3
	VSUBPS Z13, Z8, Z18
	VFMADD231PS Z18, Z18, Z4
	VSUBPS Z13, Z9, Z19
	VFMADD231PS Z19, Z19, Z5
	VSUBPS Z13, Z10, Z20
	VFMADD231PS Z20, Z20, Z6
	VSUBPS Z13, Z11, Z21
	VFMADD231PS Z21, Z21, Z7
	ADDQ R10, R8
	ADDQ $4, R9
	DECQ R13
	JNZ  cdim512

	VMOVUPS Z0, (BX)
	VMOVUPS Z1, 64(BX)
	VMOVUPS Z2, 128(BX)
	VMOVUPS Z3, 192(BX)
	VMOVUPS Z4, (BX)(R15*1)
	VMOVUPS Z5, 64(BX)(R15*1)
	VMOVUPS Z6, 128(BX)(R15*1)
	VMOVUPS Z7, 192(BX)(R15*1)
	LEAQ (R14)(R11*2), R14
	LEAQ (BX)(R15*2), BX
	DECQ R12
	JNZ  cpair512

	ADDQ $256, SI
	ADDQ $256, AX
	DECQ DX
	JNZ  cblock512
	VZEROUPPER
	RET


// func kmCandDistAVX2(xt *float32, stride, blocks, d int, c *float32, pairs int, out *float32)
//
// kmCandDistAVX512 in 256-bit registers, bit for bit: each block of 64
// rows in two halves of 32, two candidates at a time in Y0..Y7.
TEXT ·kmCandDistAVX2(SB), NOSPLIT, $0-56
	MOVQ xt+0(FP), SI
	MOVQ stride+8(FP), R10
	MOVQ blocks+16(FP), DX
	MOVQ d+24(FP), CX
	MOVQ c+32(FP), DI
	MOVQ out+48(FP), AX
	SHLQ $2, R10 // bytes from one dimension of xt to the next
	MOVQ CX, R11
	SHLQ $2, R11 // bytes in a candidate
	MOVQ DX, R15
	SHLQ $8, R15 // bytes in a candidate's output: 64 rows a block

cblock256:
	MOVQ DI, R14 // the pair's first candidate
	MOVQ AX, BX  // its output at the block
	MOVQ pairs+40(FP), R12 // pairs left

cpair256:
	XORQ DX, DX // byte offset of the half block

chalf256:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	LEAQ (SI)(DX*1), R8 // dimension t of the half block's rows
	MOVQ R14, R9        // dimension t of the pair's first candidate
	MOVQ CX, R13        // dimensions left

cdim256:
	VMOVUPS (R8), Y8
	VMOVUPS 32(R8), Y9
	VMOVUPS 64(R8), Y10
	VMOVUPS 96(R8), Y11
	VBROADCASTSS (R9), Y12
	VBROADCASTSS (R9)(R11*1), Y13
	VSUBPS Y12, Y8, Y14
	VFMADD231PS Y14, Y14, Y0
	VSUBPS Y12, Y9, Y15
	VFMADD231PS Y15, Y15, Y1
	VSUBPS Y12, Y10, Y14
	VFMADD231PS Y14, Y14, Y2
	VSUBPS Y12, Y11, Y15
	VFMADD231PS Y15, Y15, Y3
	VSUBPS Y13, Y8, Y14
	VFMADD231PS Y14, Y14, Y4
	VSUBPS Y13, Y9, Y15
	VFMADD231PS Y15, Y15, Y5
	VSUBPS Y13, Y10, Y14
	VFMADD231PS Y14, Y14, Y6
	VSUBPS Y13, Y11, Y15
	VFMADD231PS Y15, Y15, Y7
	ADDQ R10, R8
	ADDQ $4, R9
	DECQ R13
	JNZ  cdim256

	LEAQ (BX)(DX*1), R8
	VMOVUPS Y0, (R8)
	VMOVUPS Y1, 32(R8)
	VMOVUPS Y2, 64(R8)
	VMOVUPS Y3, 96(R8)
	VMOVUPS Y4, (R8)(R15*1)
	VMOVUPS Y5, 32(R8)(R15*1)
	VMOVUPS Y6, 64(R8)(R15*1)
	VMOVUPS Y7, 96(R8)(R15*1)
	ADDQ $128, DX
	CMPQ DX, $256
	JB   chalf256
	LEAQ (R14)(R11*2), R14
	LEAQ (BX)(R15*2), BX
	DECQ R12
	JNZ  cpair256

	ADDQ $256, SI
	ADDQ $256, AX
	DECQ blocks+16(FP)
	JNZ  cblock256
	VZEROUPPER
	RET
