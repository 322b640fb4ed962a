/* frontend_internal.h: the per-frame steps and integer helpers shared by the front end's files.
 * Not a public header: applications use qmoe_frontend.h. docs/frontend.md is the contract.
 */
#ifndef QMOE_FRONTEND_INTERNAL_H
#define QMOE_FRONTEND_INTERNAL_H

#include <stdint.h>

#include "qmoe_frontend.h"

/* The window and FFT steps shift negative values right and rely on it being arithmetic (floor);
 * C99 leaves it implementation-defined. Refuse to compile where it is not. */
typedef char qmoe_frontend_needs_arithmetic_shift[((-1 >> 1) == -1) ? 1 : -1];
typedef char qmoe_frontend_needs_arithmetic_shift64[((INT64_C(-1) >> 1) == INT64_C(-1)) ? 1 : -1];

/* Steps 1-2: window the N samples ring[oldest], ring[oldest + 1], ... (indices mod N) and run the
 * in-place FFT; leaves the N complex bins in re, im. */
void qmoe_frontend_spectrum(const qmoe_frontend_t *fe, const int16_t *ring, uint32_t oldest,
                            int32_t *re, int32_t *im);

/* Steps 3-5 for band m: L[m] = ilog2_q8(sum w * ((re^2 + im^2) >> 8) + 1), in 0..16128. */
int32_t qmoe_frontend_band_logmel(const qmoe_frontend_t *fe, const int32_t *re, const int32_t *im,
                                  uint16_t m);

/* round(256 log2 v) within 0.52 for v >= 1 (table: QMOE_FRONTEND_LOG2_TABLE_LEN, Q15). */
int32_t qmoe_frontend_ilog2_q8(uint64_t v, const uint16_t *log2_table);

/* floor(sqrt(v)) for any uint64 v. */
uint32_t qmoe_frontend_isqrt_u64(uint64_t v);

#endif /* QMOE_FRONTEND_INTERNAL_H */
