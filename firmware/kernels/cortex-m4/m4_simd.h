/* m4_simd.h: the Cortex-M4 DSP instructions the cortex-m4 kernel variant uses (not a public
 * header). Each helper is one instruction: ACLE intrinsics where arm_acle.h has them, inline
 * assembly for the rotated and packing forms it lacks. Needs ARMv7E-M (__ARM_FEATURE_SIMD32).
 *
 * Word loads go through __builtin_memcpy, which GCC turns into a single LDR: ARMv7-M allows
 * unaligned LDR (not LDRD or LDM), so rows and activations need no alignment.
 */
#ifndef QMOE_M4_SIMD_H
#define QMOE_M4_SIMD_H

#include <arm_acle.h>
#include <stdint.h>

#if !defined(__ARM_FEATURE_SIMD32)
#error "the cortex-m4 kernel variant needs the ARMv7E-M DSP extension (-mcpu=cortex-m4)"
#endif

/* The 32-bit little-endian word at p (any alignment). */
static inline uint32_t m4_load(const void *p)
{
    uint32_t v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

/* Bytes 0 and 2 of x, sign-extended into the low and high halfwords. */
static inline uint32_t m4_sxtb16(uint32_t x)
{
    return (uint32_t)__sxtb16((int8x4_t)x);
}

/* Bytes 1 and 3 of x, sign-extended into the low and high halfwords. */
static inline uint32_t m4_sxtb16_ror8(uint32_t x)
{
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}

/* acc + lo(a) * lo(b) + hi(a) * hi(b), halfwords signed; wraps modulo 2^32. */
static inline int32_t m4_smlad(uint32_t a, uint32_t b, int32_t acc)
{
    return __smlad((int16x2_t)a, (int16x2_t)b, acc);
}

/* Byte-wise a - b, wrapping (sets the GE flags, which nothing here reads). */
static inline uint32_t m4_usub8(uint32_t a, uint32_t b)
{
    return (uint32_t)__usub8((uint8x4_t)a, (uint8x4_t)b);
}

/* Byte-wise a + b, unsigned, saturating at 255. */
static inline uint32_t m4_uqadd8(uint32_t a, uint32_t b)
{
    return (uint32_t)__uqadd8((uint8x4_t)a, (uint8x4_t)b);
}

/* Halfword-wise a + b, wrapping. */
static inline uint32_t m4_sadd16(uint32_t a, uint32_t b)
{
    return (uint32_t)__sadd16((int16x2_t)a, (int16x2_t)b);
}

/* Low halfword of lo, high halfword from the low halfword of hi: [lo.lo, hi.lo]. */
static inline uint32_t m4_pkhbt(uint32_t lo, uint32_t hi)
{
    uint32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(lo), "r"(hi));
    return r;
}

/* Low halfword from the high halfword of lo, high halfword of hi: [lo.hi, hi.hi]. */
static inline uint32_t m4_pkhtb(uint32_t hi, uint32_t lo)
{
    uint32_t r;
    __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(hi), "r"(lo));
    return r;
}

#endif /* QMOE_M4_SIMD_H */
