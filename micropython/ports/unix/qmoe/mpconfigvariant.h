/* MicroPython unix port, variant "qmoe": the standard variant's features (extra features level
 * plus the unix extras) without those that need git submodules absent from
 * third_party/micropython (see mpconfigvariant.mk). Used by `qmoe-host build --board mpy-unix`. */
#define MICROPY_CONFIG_ROM_LEVEL (MICROPY_CONFIG_ROM_LEVEL_EXTRA_FEATURES)

#include "variants/mpconfigvariant_common.h"
