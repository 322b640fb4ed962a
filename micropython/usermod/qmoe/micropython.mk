# The qmoe user C module for MicroPython's make-based ports (unix, qemu); docs/micropython.md.
# `qmoe-host build --board mpy-...` sets the variables below; by hand:
#   make -C ports/unix USER_C_MODULES=/path/to/qmoe/micropython/usermod \
#        QMOE_MODEL_DIR=/path/to/gen QMOE_KERNELS="reference/qmoe_fc_w8a8.c ..."
#   QMOE_FIRMWARE  qmoe's firmware/ folder (default: the checkout's, beside micropython/)
#   QMOE_MODEL_DIR folder of the generated qmoe_model_data.c/.h to compile in (empty: no model)
#   QMOE_KERNELS   the kernel variant's sources, relative to firmware/kernels (variants.toml),
#                  and QMOE_KERNEL_VARIANT its name
#   QMOE_COUNTER   counter/counter_<name>.c: monotonic, systick, mcycle, ticks_cpu, ticks_us
QMOE_MOD_DIR := $(USERMOD_DIR)
QMOE_FIRMWARE ?= $(abspath $(QMOE_MOD_DIR)/../../../firmware)
QMOE_COUNTER ?= ticks_us
QMOE_KERNEL_VARIANT ?= reference
QMOE_KERNELS ?= qmoe_fc.c $(addprefix reference/,qmoe_fc_w1a8.c qmoe_fc_w2a8.c qmoe_fc_w4a8.c \
	qmoe_fc_w8a8.c qmoe_fc_w16a8.c qmoe_fc_wt2a8.c qmoe_fc_wt5a8.c)

SRC_USERMOD_C += $(QMOE_MOD_DIR)/modqmoe.c $(QMOE_MOD_DIR)/qmoe_mp_stream.c
SRC_USERMOD_LIB_C += $(QMOE_MOD_DIR)/counter/counter_$(QMOE_COUNTER).c
SRC_USERMOD_LIB_C += $(addprefix $(QMOE_FIRMWARE)/,runtime/qmoe_model.c runtime/qmoe_router.c \
	blob/qmoe_blob.c protocol/qmoe_crc.c frontend/qmoe_frontend.c frontend/frontend_frame.c)
SRC_USERMOD_LIB_C += $(addprefix $(QMOE_FIRMWARE)/kernels/,$(QMOE_KERNELS))
# Only qmoe's public headers are on the include path; internal ones are included by relative path.
CFLAGS_USERMOD += -I$(QMOE_FIRMWARE)/include
CFLAGS_USERMOD += -DQMOE_MP_COUNTER_NAME='"$(QMOE_COUNTER)"' \
	-DQMOE_MP_KERNELS='"$(QMOE_KERNEL_VARIANT)"'
ifneq ($(QMOE_MODEL_DIR),)
SRC_USERMOD_LIB_C += $(QMOE_MODEL_DIR)/qmoe_model_data.c
CFLAGS_USERMOD += -I$(QMOE_MODEL_DIR) -DQMOE_MP_BUILTIN_MODEL
endif
