/* fuzz_app.c: libFuzzer harness for the benchmark app's whole receive path (docs/protocol.md).
 *
 * The input's first byte picks how the port cuts the rest into reads (fuzz_port.h); the rest is
 * the byte stream a host would send. The app's own loop (qmoe_app_main) parses frames, decodes
 * messages and runs the handlers (PING, INFO, LOAD_INPUT, INFER, RUN_WINDOW) on the built-in
 * model, exactly as on a board; the port checks that each reply is one valid frame. Built with
 * AddressSanitizer and UndefinedBehaviorSanitizer, any overrun or undefined behaviour aborts.
 */
#include <setjmp.h>
#include <string.h>

#include "../../firmware/app/bench_app.h"
#include "fuzz_port.h"
#include "qmoe_port.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jmp_buf escape;

    if (size < 1u) {
        return 0;
    }
    /* Each run starts from a device that has just booted: no input held. */
    memset(&app_input, 0, sizeof app_input);
    fuzz_port_begin(data + 1, size - 1u, data[0], &escape);
    if (setjmp(escape) == 0) {
        (void)qmoe_app_main();
    }
    return 0;
}
