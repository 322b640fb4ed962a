/* requant_main.c: fc_requantize_clamp() (firmware/kernels/qmoe_fc_internal.h) on the host, for
 * tests/test_kernels_c.py. Reads lines "acc mult shift lo hi" until EOF and prints one result per
 * line; the test compares them with qmoe_codegen's requantize + saturate. */
#include <stdio.h>

#include "../../firmware/kernels/qmoe_fc_internal.h"

int main(void)
{
    long acc, mult, lo, hi;
    int shift;
    while (scanf("%ld %ld %d %ld %ld", &acc, &mult, &shift, &lo, &hi) == 5) {
        printf("%ld\n", (long)fc_requantize_clamp((int32_t)acc, (int32_t)mult, shift, (int32_t)lo,
                                                  (int32_t)hi));
    }
    return 0;
}
