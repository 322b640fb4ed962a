/* qmoe_compiler.h: the few compiler-specific macros the runtime and generated code use.
 *
 * QMOE_ALIGN(n)  place a variable on an n-byte boundary (n a power of two). The code generator
 *                declares every weight array QMOE_ALIGN(4), so that rows packed with row_align 2
 *                or 4 (docs/packing.md) can be read as 16- or 32-bit words:
 *                    static const uint8_t expert0_fc1_w[1920] QMOE_ALIGN(4) = { ... };
 *                With GNU C (gcc, clang, arm-none-eabi-gcc, riscv64-unknown-elf-gcc, xtensa gcc)
 *                it is __attribute__((aligned(n))); other compilers get an empty macro, and the
 *                kernels must then not rely on more than byte alignment.
 */
#ifndef QMOE_COMPILER_H
#define QMOE_COMPILER_H

#if defined(__GNUC__)
#define QMOE_ALIGN(n) __attribute__((aligned(n)))
#else
#define QMOE_ALIGN(n)
#endif

#endif /* QMOE_COMPILER_H */
