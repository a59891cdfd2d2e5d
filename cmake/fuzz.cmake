# -DLOGROUTE_FUZZ=ON: libFuzzer, which only clang has. Every target is
# instrumented for coverage and built with ASan + UBSan; only the fuzz targets
# (tests/fuzz) link libFuzzer's main.
include(CheckCXXSourceCompiles)

if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR
    "LOGROUTE_FUZZ needs clang (libFuzzer is part of clang), but the compiler is "
    "${CMAKE_CXX_COMPILER_ID} (${CMAKE_CXX_COMPILER}). Use a new build directory: "
    "cmake -S . -B build/fuzz -DCMAKE_CXX_COMPILER=clang++ -DLOGROUTE_FUZZ=ON")
endif()
if(LOGROUTE_SANITIZE OR LOGROUTE_TSAN)
  message(FATAL_ERROR "LOGROUTE_FUZZ already builds with ASan + UBSan: "
                      "leave LOGROUTE_SANITIZE and LOGROUTE_TSAN off")
endif()

set(CMAKE_REQUIRED_FLAGS -fsanitize=fuzzer,address,undefined)
set(CMAKE_REQUIRED_LINK_OPTIONS -fsanitize=fuzzer,address,undefined)
check_cxx_source_compiles([[
  #include <cstddef>
  #include <cstdint>
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }
]] LOGROUTE_HAVE_LIBFUZZER)
unset(CMAKE_REQUIRED_FLAGS)
unset(CMAKE_REQUIRED_LINK_OPTIONS)
if(NOT LOGROUTE_HAVE_LIBFUZZER)
  message(FATAL_ERROR
    "${CMAKE_CXX_COMPILER} cannot link -fsanitize=fuzzer,address,undefined: clang's runtime "
    "libraries are missing (Debian 12: apt-get install libclang-rt-14-dev)")
endif()

add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                    -fno-sanitize-recover=undefined)
add_link_options(-fsanitize=address,undefined)
