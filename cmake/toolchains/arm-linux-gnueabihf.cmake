# Cross-compiling for 32-bit ARM Linux with hard float: Raspberry Pi OS
# (32-bit), Debian 12 for armhf. Uses crossbuild-essential-armhf and the
# target's libraries from EDGEBRIDGE_SYSROOT (see debian-multiarch.cmake).
# scripts/cross-test armhf sets both up.
#
# Debian's armhf is ARMv7-A with VFPv3-D16 and Thumb-2: it runs on the Pi 2, 3,
# 4 and 5 and the Zero 2 W, not on the ARMv6 Pi 1 and Zero (Raspberry Pi OS
# builds its own armhf for those).
set(EDGEBRIDGE_CROSS_TRIPLET arm-linux-gnueabihf)
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(EDGEBRIDGE_DEB_ARCH armhf)
include(${CMAKE_CURRENT_LIST_DIR}/debian-multiarch.cmake)
