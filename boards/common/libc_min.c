/* libc_min.c: the four functions GCC may call even in freestanding code (for structure copies
 * and loops it recognises), for the bare-metal boards that link with -nostdlib.
 * Loop-pattern recognition is off here so that memset() does not compile into a call to itself.
 */
#include <stddef.h>
#include <stdint.h>

#define NO_PATTERNS __attribute__((optimize("no-tree-loop-distribute-patterns")))

NO_PATTERNS void *memcpy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;

    while (n--) {
        *d++ = *s++;
    }
    return dst;
}

NO_PATTERNS void *memmove(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;

    if (d < s) {
        while (n--) {
            *d++ = *s++;
        }
    } else {
        while (n--) {
            d[n] = s[n];
        }
    }
    return dst;
}

NO_PATTERNS void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;

    while (n--) {
        *d++ = (uint8_t)c;
    }
    return dst;
}

NO_PATTERNS int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *p = a;
    const uint8_t *q = b;

    for (; n > 0; --n, ++p, ++q) {
        if (*p != *q) {
            return (int)*p - (int)*q;
        }
    }
    return 0;
}
