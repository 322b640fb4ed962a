# The qmoe user C module for MicroPython's CMake-based ports (ESP32: docs/micropython.md); the
# same sources and flags as micropython.mk. Variables (-D on the idf.py command line):
#   QMOE_FIRMWARE        qmoe's firmware/ folder (default: the checkout's, beside micropython/)
#   QMOE_MODEL_DIR       folder of the generated qmoe_model_data.c/.h to compile in (default: none)
#   QMOE_KERNEL_VARIANT  a variant of firmware/kernels/variants.toml (default: reference)
#   QMOE_KERNELS         its sources relative to firmware/kernels, ;-separated (default: reference)
#   QMOE_COUNTER         counter/counter_<name>.c (default: ticks_cpu, CCOUNT on the ESP32s)
set(QMOE_MOD_DIR ${CMAKE_CURRENT_LIST_DIR})
if(NOT QMOE_FIRMWARE)
    get_filename_component(QMOE_FIRMWARE ${QMOE_MOD_DIR}/../../../firmware ABSOLUTE)
endif()
if(NOT QMOE_COUNTER)
    set(QMOE_COUNTER ticks_cpu)
endif()
if(NOT QMOE_KERNEL_VARIANT)
    set(QMOE_KERNEL_VARIANT reference)
endif()
if(NOT QMOE_KERNELS)
    set(QMOE_KERNELS qmoe_fc.c)
    foreach(k w1a8 w2a8 w4a8 w8a8 w16a8 wt2a8 wt5a8)
        list(APPEND QMOE_KERNELS reference/qmoe_fc_${k}.c)
    endforeach()
endif()

add_library(usermod_qmoe INTERFACE)
set(QMOE_SOURCES
    ${QMOE_MOD_DIR}/modqmoe.c
    ${QMOE_MOD_DIR}/qmoe_mp_stream.c
    ${QMOE_MOD_DIR}/counter/counter_${QMOE_COUNTER}.c
)
foreach(f runtime/qmoe_model.c runtime/qmoe_router.c blob/qmoe_blob.c protocol/qmoe_crc.c
          frontend/qmoe_frontend.c frontend/frontend_frame.c)
    list(APPEND QMOE_SOURCES ${QMOE_FIRMWARE}/${f})
endforeach()
foreach(k ${QMOE_KERNELS})
    list(APPEND QMOE_SOURCES ${QMOE_FIRMWARE}/kernels/${k})
endforeach()
# Only qmoe's public headers are on the include path; internal ones are included by relative path.
set(QMOE_INCLUDES ${QMOE_FIRMWARE}/include)
set(QMOE_DEFINES QMOE_MP_COUNTER_NAME="${QMOE_COUNTER}" QMOE_MP_KERNELS="${QMOE_KERNEL_VARIANT}")
if(QMOE_MODEL_DIR)
    list(APPEND QMOE_SOURCES ${QMOE_MODEL_DIR}/qmoe_model_data.c)
    list(APPEND QMOE_INCLUDES ${QMOE_MODEL_DIR})
    list(APPEND QMOE_DEFINES QMOE_MP_BUILTIN_MODEL)
endif()
target_sources(usermod_qmoe INTERFACE ${QMOE_SOURCES})
target_include_directories(usermod_qmoe INTERFACE ${QMOE_INCLUDES})
target_compile_definitions(usermod_qmoe INTERFACE ${QMOE_DEFINES})
target_link_libraries(usermod INTERFACE usermod_qmoe)
