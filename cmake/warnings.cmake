# The warnings we hold our own code to. Third-party headers come in as SYSTEM
# (imported targets), so their warnings never reach us.
#
# -Werror is an option, off by default: a user's build must not fail because
# a newer compiler found something new to warn about. CI turns it on
# (scripts/test.sh), so a warning from the compilers we test never lands.
option(LOGROUTE_WERROR "Treat compiler warnings as errors (CI turns this on)" OFF)

function(logroute_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
    -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual -Wnull-dereference
    -Wimplicit-fallthrough)
  if(LOGROUTE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GCC" OR CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      if(CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
        # GCC 12 at -O3 reports -Wrestrict inside std::string's operator+ on
        # code as plain as 'x' + std::to_string(n) (GCC bug 105329, fixed in
        # 13): still shown, never fatal, so that no test has to be bent to it.
        target_compile_options(${target} PRIVATE -Wno-error=restrict)
      endif()
    endif()
  endif()
endfunction()
