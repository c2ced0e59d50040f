# One place that decides how every edgebridge target is compiled:
# warnings, -Werror, and the sanitizers. Every library, executable and test
# target calls edgebridge_target_defaults().

function(edgebridge_target_defaults target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wconversion -Wsign-conversion -Wshadow -pedantic)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12)
    # GCC 12 reports a false "dangling pointer" inside yaml-cpp 0.7's inline
    # Node code after inlining; it is not in our code and SYSTEM cannot hide it.
    target_compile_options(${target} PRIVATE -Wno-dangling-pointer)
  endif()
  if(EDGEBRIDGE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(EDGEBRIDGE_SANITIZE)
    target_compile_options(${target} PRIVATE
      -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      # GCC 12 with ASan reports a false -Wmaybe-uninitialized inside libstdc++ <regex>.
      target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
    endif()
  endif()
  if(EDGEBRIDGE_FUZZ)
    # Coverage instrumentation for libFuzzer in every target, so the fuzz
    # targets in tests/fuzz/ share this build with the tests.
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link)
  endif()
endfunction()

# One static library per folder of gateway/ and adapters/: edgebridge_<name>,
# built from the folder's SOURCES. DEPENDS lists the other folders whose
# headers this one includes; their libraries are linked PUBLIC. LIBS are
# third-party targets. scripts/check-includes reads the same DEPENDS lists (the
# one source of truth for the folder graph) and fails on an include of an
# undeclared folder or on a cycle.
#
# The library's include root is a directory in the build tree that holds only
# a link to this folder, so headers are spelled from the library root
# ("modbus/bus.hpp") and a folder sees only the folders it links: including
# anything else does not compile.
function(edgebridge_folder_library name)
  cmake_parse_arguments(arg "" "" "SOURCES;DEPENDS;LIBS" ${ARGN})
  get_filename_component(folder ${CMAKE_CURRENT_SOURCE_DIR} NAME)
  if(NOT folder STREQUAL name)
    message(FATAL_ERROR "edgebridge_folder_library(${name}) in folder ${folder}: name it after its folder")
  endif()
  set(target edgebridge_${name})
  add_library(${target} STATIC ${arg_SOURCES})
  set(root ${PROJECT_BINARY_DIR}/include_roots/${name})
  file(MAKE_DIRECTORY ${root})
  file(CREATE_LINK ${CMAKE_CURRENT_SOURCE_DIR} ${root}/${name} SYMBOLIC)
  target_include_directories(${target} PUBLIC ${root})
  foreach(dep IN LISTS arg_DEPENDS)
    target_link_libraries(${target} PUBLIC edgebridge_${dep})
  endforeach()
  target_link_libraries(${target} PUBLIC ${arg_LIBS})
  edgebridge_target_defaults(${target})
endfunction()
