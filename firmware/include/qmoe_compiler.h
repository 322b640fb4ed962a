/* qmoe_compiler.h: the few compiler-specific macros the runtime and generated code use.
 *
 * QMOE_ALIGN(n)  place a variable on an n-byte boundary (n a power of two). The code generator
 *                declares every weight array QMOE_ALIGN(4), so that rows packed with row_align 2
 *                or 4 (docs/packing.md) can be read as 16- or 32-bit words:
 *                    static const uint8_t expert0_fc1_w[1920] QMOE_ALIGN(4) = { ... };
 *                With GNU C (gcc, clang, arm-none-eabi-gcc, riscv64-unknown-elf-gcc, xtensa gcc)
 *                it is __attribute__((aligned(n))); other compilers get an empty macro, and the
 *                kernels must then not rely on more than byte alignment.
 * QMOE_MAY_ALIAS a type attribute: an lvalue of the type may access an object of any type, as a
 *                character type may (GNU C may_alias). The runtime copies int8 vectors by 32-bit
 *                words through such a type; elsewhere it is empty (no compiler there may then
 *                assume the word and byte accesses are unrelated: the copy is its own call).
 */
#ifndef QMOE_COMPILER_H
#define QMOE_COMPILER_H

#if defined(__GNUC__)
#define QMOE_ALIGN(n) __attribute__((aligned(n)))
#define QMOE_MAY_ALIAS __attribute__((may_alias))
#else
#define QMOE_ALIGN(n)
#define QMOE_MAY_ALIAS
#endif

#endif /* QMOE_COMPILER_H */
