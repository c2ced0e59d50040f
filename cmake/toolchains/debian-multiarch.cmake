# Shared part of the Debian multiarch cross toolchains. The including file sets
# EDGEBRIDGE_CROSS_TRIPLET (e.g. aarch64-linux-gnu), CMAKE_SYSTEM_PROCESSOR and
# EDGEBRIDGE_DEB_ARCH (the dpkg architecture, for the .deb).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${EDGEBRIDGE_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${EDGEBRIDGE_CROSS_TRIPLET}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${EDGEBRIDGE_CROSS_TRIPLET})
set(EDGEBRIDGE_DEB_ARCH ${EDGEBRIDGE_DEB_ARCH} CACHE STRING "dpkg architecture of the package")

# The target's libraries live beside the host's in /usr (multiarch), so the
# "sysroot" is /. Programs (cmake, pkg-config) are the host's; libraries and
# packages must be the target's: CMake looks only under lib/<triplet> and the
# architecture-independent share/ and lib/cmake folders, never lib/x86_64-linux-gnu.
set(CMAKE_FIND_ROOT_PATH /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# yaml-cpp: Debian 12 cannot install libyaml-cpp-dev for two architectures at
# once; without the target's, use the host's headers and the target's library.
if(NOT EXISTS /usr/lib/${EDGEBRIDGE_CROSS_TRIPLET}/cmake/yaml-cpp/yaml-cpp-config.cmake)
  set(yaml-cpp_DIR ${CMAKE_CURRENT_LIST_DIR}/yaml-cpp)
endif()

# pkg-config (libmodbus, libsystemd) reads the target's .pc files only.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${EDGEBRIDGE_CROSS_TRIPLET}/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")

# Run target programs (ctest, try_run) under qemu-user (qemu-user-static) with
# the target's dynamic loader and libraries from / (multiarch).
if(CMAKE_SYSTEM_PROCESSOR STREQUAL "aarch64")
  set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64-static -L /)
else()
  set(CMAKE_CROSSCOMPILING_EMULATOR qemu-arm-static -L /)
endif()
