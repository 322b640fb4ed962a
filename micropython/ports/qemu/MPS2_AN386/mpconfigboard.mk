# MicroPython's QEMU port on `qemu-system-arm -M mps2-an386` (Arm MPS2 + AN386: Cortex-M4F), the
# machine of qmoe's qemu-m4 boards, so that the M4 kernels (SMLAD) run and the bare runtime and
# MicroPython can be compared on one machine. make -C ports/qemu BOARD_DIR=<this folder>. The
# memory map, UART and start-up are the port's MPS2 ones (mcu/arm/mps2.ld: 4 MB at 0).
QEMU_ARCH = arm
QEMU_MACHINE = mps2-an386

CFLAGS += -mthumb -mcpu=cortex-m4 -mfloat-abi=hard -mfpu=fpv4-sp-d16
CFLAGS += -DQEMU_SOC_MPS2
CFLAGS += -DMICROPY_HW_MCU_NAME='"Cortex-M4F"'

LDSCRIPT = mcu/arm/mps2.ld

SRC_BOARD_O = shared/runtime/gchelper_native.o shared/runtime/gchelper_thumb2.o

MPY_CROSS_FLAGS += -march=armv7emsp

MICROPY_FLOAT_IMPL = float
SUPPORTS_HARDWARE_FP_SINGLE = 1
