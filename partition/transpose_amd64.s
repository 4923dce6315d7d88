//go:build amd64 && !purego

#include "textflag.h"

// func transpose8AVX2(out *float32, stride int, cols *[8]*float32, n int) int
//
// Each step loads eight rows of each of the eight columns (one register a
// column), checks that every value is finite, transposes the 8×8 block in
// registers (unpack pairs, shuffle quads, swap 128-bit halves) and stores
// eight row segments of 32 bytes, stride bytes apart. x − x is +0 for a
// finite x and NaN for NaN and ±Inf, and a sum with a NaN stays NaN, so
// one VPTEST of the summed differences tells whether the group is clean.
TEXT ·transpose8AVX2(SB), NOSPLIT, $0-40
	MOVQ out+0(FP), DI
	MOVQ stride+8(FP), DX
	MOVQ cols+16(FP), SI
	MOVQ n+24(FP), CX
	MOVQ 0(SI), R8
	MOVQ 8(SI), R9
	MOVQ 16(SI), R10
	MOVQ 24(SI), R11
	MOVQ 32(SI), R12
	MOVQ 40(SI), R13
	MOVQ 48(SI), R14
	MOVQ 56(SI), R15
	XORQ AX, AX  // byte offset into the columns
	SHRQ $3, CX  // whole groups of eight rows
	JZ   done

group:
	VMOVUPS (R8)(AX*1), Y0
	VMOVUPS (R9)(AX*1), Y1
	VMOVUPS (R10)(AX*1), Y2
	VMOVUPS (R11)(AX*1), Y3
	VMOVUPS (R12)(AX*1), Y4
	VMOVUPS (R13)(AX*1), Y5
	VMOVUPS (R14)(AX*1), Y6
	VMOVUPS (R15)(AX*1), Y7

	VSUBPS Y0, Y0, Y8
	VSUBPS Y1, Y1, Y9
	VSUBPS Y2, Y2, Y10
	VSUBPS Y3, Y3, Y11
	VADDPS Y9, Y8, Y8
	VADDPS Y11, Y10, Y10
	VSUBPS Y4, Y4, Y9
	VSUBPS Y5, Y5, Y11
	VADDPS Y9, Y8, Y8
	VADDPS Y11, Y10, Y10
	VSUBPS Y6, Y6, Y9
	VSUBPS Y7, Y7, Y11
	VADDPS Y9, Y8, Y8
	VADDPS Y11, Y10, Y10
	VADDPS Y10, Y8, Y8
	VPTEST Y8, Y8
	JNZ    done

	// Pairs of columns: Y8 = c0r0 c1r0 c0r1 c1r1 | c0r4 c1r4 c0r5 c1r5, ...
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15

	// Quads: Y0 = c0..c3 of rows 0 | 4, Y1 rows 1 | 5, Y2 rows 2 | 6, ...
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7

	// Whole rows: low halves give rows 0..3, high halves rows 4..7.
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15

	VMOVUPS Y8, (DI)
	ADDQ    DX, DI
	VMOVUPS Y9, (DI)
	ADDQ    DX, DI
	VMOVUPS Y10, (DI)
	ADDQ    DX, DI
	VMOVUPS Y11, (DI)
	ADDQ    DX, DI
	VMOVUPS Y12, (DI)
	ADDQ    DX, DI
	VMOVUPS Y13, (DI)
	ADDQ    DX, DI
	VMOVUPS Y14, (DI)
	ADDQ    DX, DI
	VMOVUPS Y15, (DI)
	ADDQ    DX, DI
	ADDQ    $32, AX
	DECQ    CX
	JNZ     group

done:
	SHRQ $2, AX
	MOVQ AX, ret+32(FP)
	VZEROUPPER
	RET
