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
