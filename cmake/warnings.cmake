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
  endif()
endfunction()
