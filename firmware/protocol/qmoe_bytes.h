/* qmoe_bytes.h: byte helpers of the protocol sources (internal header): little-endian loads and
 * stores, and a copy loop, since the bare-metal boards build freestanding without <string.h>. */
#ifndef QMOE_BYTES_H
#define QMOE_BYTES_H

#include <stddef.h>
#include <stdint.h>

/* Copy n bytes forward: dst must not overlap src, or lie before it. */
static inline void qmoe_copy_bytes(uint8_t *dst, const uint8_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        dst[i] = src[i];
    }
}

static inline uint16_t qmoe_le16_get(const uint8_t *b)
{
    return (uint16_t)(b[0] | (b[1] << 8));
}

static inline uint32_t qmoe_le32_get(const uint8_t *b)
{
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}

static inline void qmoe_le16_put(uint8_t *b, uint16_t v)
{
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
}

static inline void qmoe_le32_put(uint8_t *b, uint32_t v)
{
    qmoe_le16_put(b, (uint16_t)v);
    qmoe_le16_put(b + 2, (uint16_t)(v >> 16));
}

#endif /* QMOE_BYTES_H */
