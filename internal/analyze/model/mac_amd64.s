#include "textflag.h"

// func mac20SSE2(rows unsafe.Pointer, idx *uint32, val *float32, n int, a *[20]float32)
//
// For each of the n features: x = val[i] * float32(1/127), then for lanes
// j = 0..19: a[j] += x * float32(int8 code j of row idx[i]), a row being
// 20 bytes. A signed byte b becomes the int32 b by
// repeating it into all four bytes of a 32-bit lane (PUNPCKLBW, then
// PUNPCKLWL) and shifting right arithmetically by 24.
TEXT ·mac20SSE2(SB), NOSPLIT, $0-40
	MOVQ rows+0(FP), SI
	MOVQ idx+8(FP), DI
	MOVQ val+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ a+32(FP), BX
	MOVUPS 0(BX), X0  // lanes 0–3
	MOVUPS 16(BX), X1 // lanes 4–7
	MOVUPS 32(BX), X2 // lanes 8–11
	MOVUPS 48(BX), X3 // lanes 12–15
	MOVUPS 64(BX), X4 // lanes 16–19
	MOVL $0x3c010204, AX // float32(1.0/127), the constant Go rounds 1.0/127 to
	MOVQ AX, X7

	// Prefetch the first 16 rows; the loop prefetches the row 16
	// features ahead of the one it adds, so the misses overlap the
	// arithmetic (PREFETCHT0 retires at once, where a load that misses
	// holds up everything behind it). A prefetch never faults, and only
	// rows of idx are prefetched.
	XORQ R10, R10
prologue:
	CMPQ R10, CX
	JGE loop
	CMPQ R10, $16
	JGE loop
	MOVL (DI)(R10*4), R11
	LEAQ (R11)(R11*4), R11
	SHLQ $2, R11
	PREFETCHT0 (SI)(R11*1)
	PREFETCHT0 19(SI)(R11*1)
	INCQ R10
	JMP prologue

loop:
	CMPQ CX, $17
	JLT noprefetch
	MOVL 64(DI), R11 // idx[i+16]
	LEAQ (R11)(R11*4), R11
	SHLQ $2, R11
	PREFETCHT0 (SI)(R11*1)
	PREFETCHT0 19(SI)(R11*1) // a row may straddle two cache lines
noprefetch:
	MOVL (DI), AX
	LEAQ (AX)(AX*4), AX
	SHLQ $2, AX // × 20
	MOVSS (DX), X5
	MULSS X7, X5
	SHUFPS $0, X5, X5 // x in all four floats

	MOVOU (SI)(AX*1), X6 // codes 0–15
	MOVL 16(SI)(AX*1), R8 // codes 16–19

	MOVO X6, X8
	PUNPCKLBW X8, X8 // codes 0–7, each twice
	MOVO X8, X9
	PUNPCKLWL X8, X8 // codes 0–3, each four times
	PUNPCKHWL X9, X9 // codes 4–7, each four times
	PSRAL $24, X8
	PSRAL $24, X9
	CVTPL2PS X8, X8
	CVTPL2PS X9, X9
	MULPS X5, X8
	MULPS X5, X9
	ADDPS X8, X0
	ADDPS X9, X1

	PUNPCKHBW X6, X6 // codes 8–15, each twice
	MOVO X6, X10
	PUNPCKLWL X6, X6 // codes 8–11
	PUNPCKHWL X10, X10 // codes 12–15
	PSRAL $24, X6
	PSRAL $24, X10
	CVTPL2PS X6, X6
	CVTPL2PS X10, X10
	MULPS X5, X6
	MULPS X5, X10
	ADDPS X6, X2
	ADDPS X10, X3

	MOVQ R8, X11
	PUNPCKLBW X11, X11
	PUNPCKLWL X11, X11 // codes 16–19
	PSRAL $24, X11
	CVTPL2PS X11, X11
	MULPS X5, X11
	ADDPS X11, X4

	ADDQ $4, DI
	ADDQ $4, DX
	DECQ CX
	JNZ loop

	MOVUPS X0, 0(BX)
	MOVUPS X1, 16(BX)
	MOVUPS X2, 32(BX)
	MOVUPS X3, 48(BX)
	MOVUPS X4, 64(BX)
	RET

// func macLevelsSSE2(rows unsafe.Pointer, stride int, idx *uint32, val *float32, n int, a *[32]float32)
//
// For each of the n features, lanes j = 0..31: a[j] += val[i] *
// (float32(int8 code j of row idx[i]) / 127), a row starting every
// stride bytes. That is Accumulate's plain loop (x * Levels[q], Levels
// being float32(q)/127 correctly rounded while Companding is 1) four
// lanes per instruction; lanes past the model's width read the next
// row's codes and are thrown away by the caller, which also makes sure
// 32 bytes can be read from every row.
TEXT ·macLevelsSSE2(SB), NOSPLIT, $0-48
	MOVQ rows+0(FP), SI
	MOVQ stride+8(FP), R9
	MOVQ idx+16(FP), DI
	MOVQ val+24(FP), DX
	MOVQ n+32(FP), CX
	MOVQ a+40(FP), BX
	MOVUPS 0(BX), X0
	MOVUPS 16(BX), X1
	MOVUPS 32(BX), X2
	MOVUPS 48(BX), X3
	MOVUPS 64(BX), X4
	MOVUPS 80(BX), X5
	MOVUPS 96(BX), X6
	MOVUPS 112(BX), X7
	MOVL $0x42fe0000, AX // 127.0
	MOVQ AX, X9
	SHUFPS $0, X9, X9

	// Prefetch the first 16 rows, then the row 16 features ahead (as
	// mac20SSE2 does: the misses overlap the arithmetic).
	XORQ R10, R10
lprologue:
	CMPQ R10, CX
	JGE lloop
	CMPQ R10, $16
	JGE lloop
	MOVL (DI)(R10*4), R11
	IMULQ R9, R11
	PREFETCHT0 (SI)(R11*1)
	PREFETCHT0 31(SI)(R11*1)
	INCQ R10
	JMP lprologue

lloop:
	CMPQ CX, $17
	JLT lnoprefetch
	MOVL 64(DI), R11 // idx[i+16]
	IMULQ R9, R11
	PREFETCHT0 (SI)(R11*1)
	PREFETCHT0 31(SI)(R11*1)
lnoprefetch:
	MOVL (DI), AX
	IMULQ R9, AX
	MOVSS (DX), X8
	SHUFPS $0, X8, X8 // x in all four floats

	MOVOU (SI)(AX*1), X10   // codes 0–15
	MOVOU 16(SI)(AX*1), X11 // codes 16–31

	MOVO X10, X12
	PUNPCKLBW X12, X12 // codes 0–7, each twice
	MOVO X12, X13
	PUNPCKLWL X12, X12 // codes 0–3, each four times
	PUNPCKHWL X13, X13 // codes 4–7
	PSRAL $24, X12
	PSRAL $24, X13
	CVTPL2PS X12, X12
	CVTPL2PS X13, X13
	DIVPS X9, X12
	DIVPS X9, X13
	MULPS X8, X12
	MULPS X8, X13
	ADDPS X12, X0
	ADDPS X13, X1

	PUNPCKHBW X10, X10 // codes 8–15, each twice
	MOVO X10, X14
	PUNPCKLWL X10, X10 // codes 8–11
	PUNPCKHWL X14, X14 // codes 12–15
	PSRAL $24, X10
	PSRAL $24, X14
	CVTPL2PS X10, X10
	CVTPL2PS X14, X14
	DIVPS X9, X10
	DIVPS X9, X14
	MULPS X8, X10
	MULPS X8, X14
	ADDPS X10, X2
	ADDPS X14, X3

	MOVO X11, X12
	PUNPCKLBW X12, X12 // codes 16–23, each twice
	MOVO X12, X13
	PUNPCKLWL X12, X12 // codes 16–19
	PUNPCKHWL X13, X13 // codes 20–23
	PSRAL $24, X12
	PSRAL $24, X13
	CVTPL2PS X12, X12
	CVTPL2PS X13, X13
	DIVPS X9, X12
	DIVPS X9, X13
	MULPS X8, X12
	MULPS X8, X13
	ADDPS X12, X4
	ADDPS X13, X5

	PUNPCKHBW X11, X11 // codes 24–31, each twice
	MOVO X11, X15
	PUNPCKLWL X11, X11 // codes 24–27
	PUNPCKHWL X15, X15 // codes 28–31
	PSRAL $24, X11
	PSRAL $24, X15
	CVTPL2PS X11, X11
	CVTPL2PS X15, X15
	DIVPS X9, X11
	DIVPS X9, X15
	MULPS X8, X11
	MULPS X8, X15
	ADDPS X11, X6
	ADDPS X15, X7

	ADDQ $4, DI
	ADDQ $4, DX
	DECQ CX
	JNZ lloop

	MOVUPS X0, 0(BX)
	MOVUPS X1, 16(BX)
	MOVUPS X2, 32(BX)
	MOVUPS X3, 48(BX)
	MOVUPS X4, 64(BX)
	MOVUPS X5, 80(BX)
	MOVUPS X6, 96(BX)
	MOVUPS X7, 112(BX)
	RET

// func prefetchIDF(idf unsafe.Pointer, feats *uint32, n int, mask uint32)
//
// PREFETCHT0 of idf[feats[i] & mask] for every feature: the idf bytes are
// read at random later, one after another; prefetched, their misses
// overlap each other and the slot-table pass between.
TEXT ·prefetchIDF(SB), NOSPLIT, $0-28
	MOVQ idf+0(FP), SI
	MOVQ feats+8(FP), DI
	MOVQ n+16(FP), CX
	MOVL mask+24(FP), DX
	TESTQ CX, CX
	JLE pdone
ploop:
	MOVL (DI), AX
	ANDL DX, AX
	PREFETCHT0 (SI)(AX*1)
	ADDQ $4, DI
	DECQ CX
	JNZ ploop
pdone:
	RET
