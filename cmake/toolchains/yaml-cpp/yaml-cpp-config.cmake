# yaml-cpp for a cross build, without the target's libyaml-cpp-dev.
#
# Debian 12's libyaml-cpp-dev is not "Multi-Arch: same": installing
# libyaml-cpp-dev:arm64 would remove this machine's own libyaml-cpp-dev (and
# break every native build here). Its headers do not depend on the architecture,
# so the host's serve (/usr/include/yaml-cpp); the library is the target's
# runtime package, libyaml-cpp0.7:<arch>, which installs beside the host's.
# The cross toolchain files use this only when the target's own config is absent.
if(NOT TARGET yaml-cpp)
  file(GLOB _eb_yaml_libs "/usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/libyaml-cpp.so.*.*.*")
  if(NOT _eb_yaml_libs OR NOT EXISTS /usr/include/yaml-cpp/yaml.h)
    set(yaml-cpp_FOUND FALSE)
    set(yaml-cpp_NOT_FOUND_MESSAGE
      "needs libyaml-cpp-dev (headers) and libyaml-cpp0.7:<arch> (scripts/cross-test installs both)")
    return()
  endif()
  list(GET _eb_yaml_libs 0 _eb_yaml_lib)
  string(REGEX REPLACE "^(.*/libyaml-cpp\\.so\\.[0-9]+\\.[0-9]+)\\..*$" "\\1" _eb_yaml_soname_path "${_eb_yaml_lib}")
  get_filename_component(_eb_yaml_soname "${_eb_yaml_soname_path}" NAME)
  add_library(yaml-cpp SHARED IMPORTED)
  set_target_properties(yaml-cpp PROPERTIES
    IMPORTED_LOCATION "${_eb_yaml_lib}"
    IMPORTED_SONAME "${_eb_yaml_soname}"
    INTERFACE_INCLUDE_DIRECTORIES /usr/include)
endif()
set(YAML_CPP_INCLUDE_DIR "")
set(YAML_CPP_LIBRARIES yaml-cpp)
