# Shared part of the Debian cross toolchains. The including file sets
# EDGEBRIDGE_CROSS_TRIPLET (e.g. aarch64-linux-gnu), CMAKE_SYSTEM_PROCESSOR and
# EDGEBRIDGE_DEB_ARCH (the dpkg architecture, for the .deb).
#
# The compiler is Debian's cross compiler (crossbuild-essential-<arch>), with its
# own C library. The target's other libraries come from EDGEBRIDGE_SYSROOT: a
# folder holding the target's Debian packages unpacked (scripts/cross-test makes
# build/sysroot-<arch> without installing anything for that architecture), or
# "/" on a machine where the target's -dev packages are installed (multiarch).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${EDGEBRIDGE_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${EDGEBRIDGE_CROSS_TRIPLET}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${EDGEBRIDGE_CROSS_TRIPLET})
set(EDGEBRIDGE_DEB_ARCH ${EDGEBRIDGE_DEB_ARCH} CACHE STRING "dpkg architecture of the package")

set(EDGEBRIDGE_SYSROOT "/" CACHE PATH "Root holding the target's libraries (scripts/cross-test: build/sysroot-<arch>)")
# try_compile projects read this file again: hand them the value.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES EDGEBRIDGE_SYSROOT)
string(REGEX REPLACE "/+$" "" _eb_root "${EDGEBRIDGE_SYSROOT}")   # "" for "/"

# Programs (cmake, pkg-config) are the host's; libraries, headers and CMake
# package files only the target's: under the root, lib/<triplet> and the
# architecture-independent share/ and lib/cmake, never lib/x86_64-linux-gnu.
set(CMAKE_FIND_ROOT_PATH ${EDGEBRIDGE_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config (libmodbus, libsystemd) reads the target's .pc files only and
# prefixes their paths with the root.
set(ENV{PKG_CONFIG_LIBDIR} "${_eb_root}/usr/lib/${EDGEBRIDGE_CROSS_TRIPLET}/pkgconfig:${_eb_root}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
if(_eb_root)
  set(ENV{PKG_CONFIG_SYSROOT_DIR} "${_eb_root}")
  # Headers that include others from the root (openssl/configuration.h is per architecture).
  set(_eb_includes ${_eb_root}/usr/include/${EDGEBRIDGE_CROSS_TRIPLET} ${_eb_root}/usr/include)
  set(CMAKE_C_STANDARD_INCLUDE_DIRECTORIES ${_eb_includes})
  set(CMAKE_CXX_STANDARD_INCLUDE_DIRECTORIES ${_eb_includes})
  # The libraries' own dependencies (libmosquitto1 -> libssl3) are found there too.
  set(_eb_rpath_link "-Wl,-rpath-link,${_eb_root}/usr/lib/${EDGEBRIDGE_CROSS_TRIPLET}:${_eb_root}/lib/${EDGEBRIDGE_CROSS_TRIPLET}")
  set(CMAKE_EXE_LINKER_FLAGS_INIT "${_eb_rpath_link}")
  set(CMAKE_SHARED_LINKER_FLAGS_INIT "${_eb_rpath_link}")
endif()

# Run target programs (ctest, try_run) under qemu-user (qemu-user-static) with
# the target's dynamic loader and libraries from the root.
if(CMAKE_SYSTEM_PROCESSOR STREQUAL "aarch64")
  set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64-static -L ${EDGEBRIDGE_SYSROOT})
else()
  set(CMAKE_CROSSCOMPILING_EMULATOR qemu-arm-static -L ${EDGEBRIDGE_SYSROOT})
endif()
