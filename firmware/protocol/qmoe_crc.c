/* qmoe_crc.c: the protocol's two CRCs, a nibble (16-entry) table each: 96 bytes of tables
 * instead of 1.5 KB, two lookups per byte. Parameters in qmoe_frame.h and docs/protocol.md. */
#include "qmoe_frame.h"

/* CRC-32 (IEEE 802.3), reflected polynomial 0xEDB88320: entry i is nibble i shifted through
 * four rounds. */
static const uint32_t crc32_nibble[16] = {
    0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
    0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
    0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu,
};

/* CRC-16/CCITT, polynomial 0x1021, not reflected: entry i is (i << 12) shifted four rounds. */
static const uint16_t crc16_nibble[16] = {
    0x0000u, 0x1021u, 0x2042u, 0x3063u, 0x4084u, 0x50A5u, 0x60C6u, 0x70E7u,
    0x8108u, 0x9129u, 0xA14Au, 0xB16Bu, 0xC18Cu, 0xD1ADu, 0xE1CEu, 0xF1EFu,
};

uint32_t qmoe_crc32(uint32_t crc, const uint8_t *data, size_t n)
{
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc = (crc >> 4) ^ crc32_nibble[(crc ^ data[i]) & 0xFu];
        crc = (crc >> 4) ^ crc32_nibble[(crc ^ (uint32_t)(data[i] >> 4)) & 0xFu];
    }
    return ~crc;
}

uint16_t qmoe_crc16(uint16_t crc, const uint8_t *data, size_t n)
{
    uint32_t c = crc;
    for (size_t i = 0; i < n; i++) {
        c = ((c << 4) ^ crc16_nibble[((c >> 12) ^ (uint32_t)(data[i] >> 4)) & 0xFu]) & 0xFFFFu;
        c = ((c << 4) ^ crc16_nibble[((c >> 12) ^ data[i]) & 0xFu]) & 0xFFFFu;
    }
    return (uint16_t)c;
}
