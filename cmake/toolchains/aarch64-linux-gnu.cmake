# Cross-compiling for 64-bit ARM Linux: Raspberry Pi 3/4/5 with Raspberry Pi OS
# (64-bit), which is Debian 12 for arm64. Uses Debian's cross toolchain
# (crossbuild-essential-arm64) and the :arm64 -dev packages installed next to
# this machine's own (multiarch): headers in /usr/include, libraries in
# /usr/lib/aarch64-linux-gnu. scripts/cross-test arm64 installs them.
#
#   cmake -S . -B build/arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake
set(EDGEBRIDGE_CROSS_TRIPLET aarch64-linux-gnu)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(EDGEBRIDGE_DEB_ARCH arm64)
# Every Pi OS 64-bit board (Pi 3, 4, 5) is at least a Cortex-A53 (ARMv8-A):
# the compiler's default, generic armv8-a, runs on all of them.
include(${CMAKE_CURRENT_LIST_DIR}/debian-multiarch.cmake)
