# The user C modules of qmoe for MicroPython's CMake-based ports (esp32, rp2):
#   idf.py -D USER_C_MODULES=/path/to/qmoe/micropython/usermod/micropython.cmake ... build
# (docs/micropython.md has the whole ESP32-S3 command; `qmoe-host build --board mpy-esp32s3`
# prints it with the paths filled in.)
include(${CMAKE_CURRENT_LIST_DIR}/qmoe/micropython.cmake)
