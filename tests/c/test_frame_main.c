/* test_frame_main.c: host harness for firmware/protocol, driven by tests/test_protocol.py.
 *
 * `test_frame_main raw [MAX_PAYLOAD]` feeds stdin's bytes to a parser (in 7-byte reads), resets
 * it at end of input and prints one line per event:
 *   F <type> <seq> <payload hex or ->                 a frame passed every check
 *   E <code> <header_ok> <type> <seq> <length>         a candidate was rejected
 *
 * `test_frame_main` without arguments reads commands, one per line, and answers each with its
 * lines and a line ".". Byte strings are hex, "-" for empty; numbers are decimal.
 *   d MAX TOKEN...   new parser for MAX-byte payloads; each hex TOKEN is one feed() call, R resets
 *   e TYPE SEQ HEX   encode a frame                       -> X <hex> | X ERR
 *   c HEX            CRCs                                 -> C <crc16> <crc32>
 *   u load HEX       unpack LOAD_INPUT                    -> U <err> <kind> <total> <offset> <hex>
 *   u window HEX     unpack RUN_WINDOW                    -> U <err> <n>
 *   p info PV KINDS MAXP CLOCK PER_TICK FLASH RAM HASH BOARD CORE COUNTER UNIT VERSION
 *   p ack RECEIVED TOTAL
 *   p infer STATUS EXPERT ROUTER CLASS UNCERTAINTY FE RT EX TOTAL LOGITS(comma list or -)
 *   p window N MIN MAX ENERGY_UJ SAMPLES TOTAL
 *   p error CODE TYPE DETAIL                              p ...: pack a reply -> X <hex> | X ERR
 * (strings of `p info` and `p error` are hex too).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qmoe_frame.h"
#include "qmoe_msg.h"

#define LINE_MAX_BYTES (1u << 20)
#define MAX_TOKENS 65536
#define OUT_MAX 70000u

static char line[LINE_MAX_BYTES];
static char *tok[MAX_TOKENS];
static uint8_t out[OUT_MAX];

static void die(const char *what)
{
    fprintf(stderr, "test_frame_main: %s\n", what);
    exit(2);
}

/* Decode hex ("-" is empty) into a fresh exact-size allocation, so ASan sees any overread. */
static uint8_t *unhex(const char *s, size_t *n)
{
    size_t len = strcmp(s, "-") == 0 ? 0 : strlen(s);
    uint8_t *b = malloc(len / 2 + 1);
    if (len % 2 != 0 || b == NULL) {
        die("bad hex token");
    }
    for (size_t i = 0; i < len / 2; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1) {
            die("bad hex digit");
        }
        b[i] = (uint8_t)v;
    }
    *n = len / 2;
    return b;
}

/* Decode a hex string into a NUL-terminated C string. */
static char *unhex_str(const char *s)
{
    size_t n;
    uint8_t *b = unhex(s, &n);
    b[n] = 0;
    return (char *)b;
}

static void print_hex(const uint8_t *b, size_t n)
{
    if (n == 0) {
        fputs("-", stdout);
    }
    for (size_t i = 0; i < n; i++) {
        printf("%02x", b[i]);
    }
}

static unsigned long num(const char *s)
{
    return strtoul(s, NULL, 10);
}

static void print_event(const qmoe_frame_result_t *r)
{
    if (r->event == QMOE_FRAME_READY) {
        printf("F %u %u ", r->type, r->seq);
        print_hex(r->payload, r->length);
        printf("\n");
    } else {
        printf("E %d %d %u %u %u\n", (int)r->error, r->header_ok ? 1 : 0, r->type, r->seq,
               r->length);
    }
}

/* Feed everything, printing events, exactly as an app's receive loop would. */
static void drain(qmoe_frame_parser_t *p, const uint8_t *data, size_t n)
{
    qmoe_frame_result_t r;
    for (;;) {
        size_t used = qmoe_frame_feed(p, data, n, &r);
        data += used;
        n -= used;
        if (r.event == QMOE_FRAME_NONE) {
            if (n != 0) {
                die("feed returned NONE with bytes left");
            }
            return;
        }
        print_event(&r);
    }
}

static void cmd_decode(int ntok)
{
    qmoe_frame_parser_t p;
    size_t size = QMOE_FRAME_BUFFER_SIZE(num(tok[1]));
    uint8_t *buf = malloc(size);
    if (buf == NULL || qmoe_frame_parser_init(&p, buf, size) != QMOE_OK) {
        die("parser init failed");
    }
    for (int i = 2; i < ntok; i++) {
        if (strcmp(tok[i], "R") == 0) {
            qmoe_frame_reset(&p);
            drain(&p, NULL, 0);
            if (qmoe_frame_pending(&p)) {
                die("parser still pending after reset");
            }
        } else {
            size_t n;
            uint8_t *data = unhex(tok[i], &n);
            drain(&p, data, n);
            free(data);
        }
    }
    free(buf);
}

/* n is read through a pointer: the pack call that sets it is the other argument. */
static void print_packed(qmoe_status_t st, const size_t *n)
{
    if (st != QMOE_OK) {
        printf("X ERR\n");
        return;
    }
    printf("X ");
    print_hex(out, *n);
    printf("\n");
}

static void cmd_pack_info(void)
{
    qmoe_msg_info_t m;
    size_t n = 0;
    uint8_t *hash = unhex(tok[9], &n);
    if (n != QMOE_MSG_HASH_SIZE) {
        die("hash must be 32 bytes");
    }
    m.protocol_version = (uint8_t)num(tok[2]);
    m.input_kinds = (uint8_t)num(tok[3]);
    m.max_payload = (uint16_t)num(tok[4]);
    m.clock_hz = (uint32_t)num(tok[5]);
    m.counter_per_tick = (uint32_t)num(tok[6]);
    m.model_flash_bytes = (uint32_t)num(tok[7]);
    m.model_ram_bytes = (uint32_t)num(tok[8]);
    memcpy(m.model_hash, hash, QMOE_MSG_HASH_SIZE);
    m.board = unhex_str(tok[10]);
    m.core = unhex_str(tok[11]);
    m.counter = unhex_str(tok[12]);
    m.counter_unit = unhex_str(tok[13]);
    m.runtime_version = unhex_str(tok[14]);
    print_packed(qmoe_msg_info_pack(&m, out, OUT_MAX, &n), &n);
    free(hash);
    free((void *)m.board);
    free((void *)m.core);
    free((void *)m.counter);
    free((void *)m.counter_unit);
    free((void *)m.runtime_version);
}

static void cmd_pack_infer(void)
{
    static int16_t logits[OUT_MAX / 2];
    qmoe_msg_infer_reply_t m;
    size_t n = 0;
    m.status = (uint8_t)num(tok[2]);
    m.expert = (uint8_t)num(tok[3]);
    m.router_choice = (uint8_t)num(tok[4]);
    m.class_index = (uint16_t)num(tok[5]);
    m.uncertainty = (uint32_t)num(tok[6]);
    m.counter_frontend = (uint32_t)num(tok[7]);
    m.counter_router = (uint32_t)num(tok[8]);
    m.counter_expert = (uint32_t)num(tok[9]);
    m.counter_total = (uint32_t)num(tok[10]);
    if (strcmp(tok[11], "-") != 0) {
        for (char *s = strtok(tok[11], ","); s != NULL; s = strtok(NULL, ",")) {
            logits[n++] = (int16_t)strtol(s, NULL, 10);
        }
    }
    m.n_logits = (uint16_t)n;
    m.logits = logits;
    print_packed(qmoe_msg_infer_reply_pack(&m, out, OUT_MAX, &n), &n);
}

static void cmd_pack(int ntok)
{
    size_t n = 0;
    const char *what = tok[1];
    if (strcmp(what, "info") == 0 && ntok == 15) {
        cmd_pack_info();
    } else if (strcmp(what, "ack") == 0 && ntok == 4) {
        qmoe_msg_load_ack_t m = {(uint32_t)num(tok[2]), (uint32_t)num(tok[3])};
        print_packed(qmoe_msg_load_ack_pack(&m, out, OUT_MAX, &n), &n);
    } else if (strcmp(what, "infer") == 0 && ntok == 12) {
        cmd_pack_infer();
    } else if (strcmp(what, "window") == 0 && ntok == 8) {
        qmoe_msg_run_window_reply_t m = {(uint32_t)num(tok[2]), (uint32_t)num(tok[3]),
                                         (uint32_t)num(tok[4]), (uint32_t)num(tok[5]),
                                         (uint32_t)num(tok[6]), strtoull(tok[7], NULL, 10)};
        print_packed(qmoe_msg_run_window_reply_pack(&m, out, OUT_MAX, &n), &n);
    } else if (strcmp(what, "error") == 0 && ntok == 5) {
        char *detail = unhex_str(tok[4]);
        qmoe_msg_error_t m = {(uint8_t)num(tok[2]), (uint8_t)num(tok[3]), detail};
        print_packed(qmoe_msg_error_pack(&m, out, OUT_MAX, &n), &n);
        free(detail);
    } else {
        die("bad p command");
    }
}

static void cmd_unpack(int ntok)
{
    size_t n;
    uint8_t *payload;
    if (ntok != 3) {
        die("bad u command");
    }
    payload = unhex(tok[2], &n);
    if (strcmp(tok[1], "load") == 0) {
        qmoe_msg_load_input_t m = {0};
        qmoe_proto_error_t err = qmoe_msg_load_input_unpack(payload, n, &m);
        printf("U %d %u %lu %lu ", (int)err, m.kind, (unsigned long)m.total_bytes,
               (unsigned long)m.offset);
        print_hex(err == QMOE_PROTO_OK ? m.data : NULL, err == QMOE_PROTO_OK ? m.data_len : 0);
        printf("\n");
    } else if (strcmp(tok[1], "window") == 0) {
        qmoe_msg_run_window_t m = {0};
        qmoe_proto_error_t err = qmoe_msg_run_window_unpack(payload, n, &m);
        printf("U %d %lu\n", (int)err, (unsigned long)m.n);
    } else {
        die("bad u command");
    }
    free(payload);
}

static void cmd_other(int ntok)
{
    size_t n;
    uint8_t *data;
    if (strcmp(tok[0], "e") == 0 && ntok == 4) {
        size_t len = 0;
        qmoe_status_t st;
        data = unhex(tok[3], &n);
        st = qmoe_frame_encode(out, OUT_MAX, (uint8_t)num(tok[1]), (uint8_t)num(tok[2]), data, n,
                               &len);
        print_packed(st, &len);
    } else if (strcmp(tok[0], "c") == 0 && ntok == 2) {
        data = unhex(tok[1], &n);
        printf("C %u %lu\n", qmoe_crc16(QMOE_CRC16_INIT, data, n),
               (unsigned long)qmoe_crc32(QMOE_CRC32_INIT, data, n));
    } else {
        die("unknown command");
    }
    free(data);
}

static void raw_mode(size_t max_payload)
{
    qmoe_frame_parser_t p;
    uint8_t chunk[7];
    size_t n;
    uint8_t *buf = malloc(QMOE_FRAME_BUFFER_SIZE(max_payload));
    if (buf == NULL ||
        qmoe_frame_parser_init(&p, buf, QMOE_FRAME_BUFFER_SIZE(max_payload)) != QMOE_OK) {
        die("parser init failed");
    }
    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
        drain(&p, chunk, n);
    }
    qmoe_frame_reset(&p);
    drain(&p, NULL, 0);
    free(buf);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "raw") == 0) {
        raw_mode(argc > 2 ? num(argv[2]) : QMOE_FRAME_MAX_PAYLOAD);
        return 0;
    }
    while (fgets(line, sizeof line, stdin) != NULL) {
        int ntok = 0;
        if (strchr(line, '\n') == NULL) {
            die("line too long");
        }
        for (char *s = strtok(line, " \n"); s != NULL; s = strtok(NULL, " \n")) {
            if (ntok == MAX_TOKENS) {
                die("too many tokens");
            }
            tok[ntok++] = s;
        }
        if (ntok == 0) {
            continue;
        }
        if (strcmp(tok[0], "d") == 0 && ntok >= 2) {
            cmd_decode(ntok);
        } else if (strcmp(tok[0], "p") == 0 && ntok >= 2) {
            cmd_pack(ntok);
        } else if (strcmp(tok[0], "u") == 0) {
            cmd_unpack(ntok);
        } else {
            cmd_other(ntok);
        }
        printf(".\n");
        fflush(stdout);
    }
    return 0;
}
