# Third-party libraries, all from Debian 12 (bookworm) packages.
# Their headers are SYSTEM includes so their warnings never stop our build.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)
# ICU: the rules' regular expressions (java.util.regex's dialect) and
# parse_time()/time_to_epoch() (Java-style date patterns, time zones).
find_package(ICU REQUIRED COMPONENTS uc i18n)
pkg_check_modules(LIBMODBUS REQUIRED IMPORTED_TARGET libmodbus)
pkg_check_modules(LIBSYSTEMD REQUIRED IMPORTED_TARGET libsystemd)
pkg_check_modules(LIBMOSQUITTO REQUIRED IMPORTED_TARGET libmosquitto)

# yaml-cpp 0.7 exports a plain "yaml-cpp" target without usage requirements on
# some distributions; wrap it so the include path is SYSTEM.
if(NOT TARGET edgebridge::yaml)
  add_library(edgebridge_yaml INTERFACE)
  add_library(edgebridge::yaml ALIAS edgebridge_yaml)
  target_link_libraries(edgebridge_yaml INTERFACE yaml-cpp)
  if(YAML_CPP_INCLUDE_DIR)
    target_include_directories(edgebridge_yaml SYSTEM INTERFACE ${YAML_CPP_INCLUDE_DIR})
  endif()
endif()
