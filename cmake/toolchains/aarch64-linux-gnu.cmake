# Cross-compiling for 64-bit ARM Linux: Raspberry Pi 3/4/5 with Raspberry Pi OS
# (64-bit), which is Debian 12 for arm64. Uses Debian's cross compiler
# (crossbuild-essential-arm64) and the target's libraries from EDGEBRIDGE_SYSROOT
# (see debian-multiarch.cmake). scripts/cross-test arm64 sets both up.
#
#   cmake -S . -B build/arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake \
#     -DEDGEBRIDGE_SYSROOT=$PWD/build/sysroot-arm64
set(EDGEBRIDGE_CROSS_TRIPLET aarch64-linux-gnu)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(EDGEBRIDGE_DEB_ARCH arm64)
# Every Pi OS 64-bit board (Pi 3, 4, 5) is at least a Cortex-A53 (ARMv8-A):
# the compiler's default, generic armv8-a, runs on all of them.
include(${CMAKE_CURRENT_LIST_DIR}/debian-multiarch.cmake)
