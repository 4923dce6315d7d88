//go:build amd64 && !purego

#include "textflag.h"

// func maxAbsBitsAVX2(v []float32) uint32
//
// The largest of the values' bits with the sign cleared: for finite
// values and infinities, the bits of the largest magnitude (IEEE 754
// orders non-negative floats as their bits); a NaN gives more than +Inf.
// 32 values a step in four registers, then 8, then one at a time.
TEXT ·maxAbsBitsAVX2(SB), NOSPLIT, $0-28
	MOVQ v_base+0(FP), SI
	MOVQ v_len+8(FP), CX
	MOVL $0x7fffffff, AX
	MOVL AX, X1
	VPBROADCASTD X1, Y1 // sign mask
	VPXOR Y0, Y0, Y0
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	VPXOR Y4, Y4, Y4

loop32:
	CMPQ CX, $32
	JB   loop8
	VPAND   0(SI), Y1, Y5
	VPAND   32(SI), Y1, Y6
	VPAND   64(SI), Y1, Y7
	VPAND   96(SI), Y1, Y8
	VPMAXUD Y5, Y0, Y0
	VPMAXUD Y6, Y2, Y2
	VPMAXUD Y7, Y3, Y3
	VPMAXUD Y8, Y4, Y4
	ADDQ    $128, SI
	SUBQ    $32, CX
	JMP     loop32

loop8:
	CMPQ CX, $8
	JB   reduce
	VPAND   0(SI), Y1, Y5
	VPMAXUD Y5, Y0, Y0
	ADDQ    $32, SI
	SUBQ    $8, CX
	JMP     loop8

reduce:
	VPMAXUD      Y2, Y0, Y0
	VPMAXUD      Y4, Y3, Y3
	VPMAXUD      Y3, Y0, Y0
	VEXTRACTI128 $1, Y0, X2
	VPMAXUD      X2, X0, X0
	VPSHUFD      $0x4e, X0, X2
	VPMAXUD      X2, X0, X0
	VPSHUFD      $0xb1, X0, X2
	VPMAXUD      X2, X0, X0
	VMOVD        X0, AX
	VZEROUPPER

tail:
	TESTQ CX, CX
	JZ    done
	MOVL  0(SI), DX
	ANDL  $0x7fffffff, DX
	CMPL  DX, AX
	CMOVLHI DX, AX
	ADDQ  $4, SI
	DECQ  CX
	JMP   tail

done:
	MOVL AX, ret+24(FP)
	RET
