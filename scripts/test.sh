#!/usr/bin/env bash
# The test command: installs what is missing, then builds and runs every test
# twice, once as shipped (GCC, Release) and once under AddressSanitizer +
# UBSan, and the concurrency tests (spool appenders, HTTP server, group
# commit) a third time under ThreadSanitizer. Each test run starts (and stops)
# its own private MariaDB server as a CTest fixture. Then clang builds the
# library, the tools and the fuzzers (tests/fuzz), and each fuzzer runs for
# LOGROUTE_FUZZ_SECONDS (default 20). Warnings are errors here (LOGROUTE_WERROR),
# so that no warning of GCC or clang lands; a user's build only warns.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test

jobs=$(nproc)
run_suite() {  # build-dir, extra cmake args...
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  (cd "$dir" && ctest --output-on-failure --timeout 600 -j "$jobs")
  # The fault suite's enumerations (ctest -L fault), as each one counted them.
  grep -h "crash points:" "$dir/Testing/Temporary/LastTest.log" || true
}

echo "== GCC Release build and tests"
run_suite build/release -DCMAKE_BUILD_TYPE=Release -DLOGROUTE_WERROR=ON
echo "== ASan + UBSan build and tests"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite build/asan -DCMAKE_BUILD_TYPE=Debug -DLOGROUTE_SANITIZE=ON -DLOGROUTE_BUILD_BENCH=OFF \
  -DLOGROUTE_WERROR=ON

echo "== ThreadSanitizer build and the concurrency tests"
concurrency_tests=(unit/spool/spool_test unit/http/http_server_test unit/http/http_unit_test)
cmake -S . -B build/tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOGROUTE_TSAN=ON \
  -DLOGROUTE_BUILD_BENCH=OFF -DLOGROUTE_WERROR=ON >/dev/null
cmake --build build/tsan -j "$jobs" --target "${concurrency_tests[@]##*/}"
for t in "${concurrency_tests[@]}"; do
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 "build/tsan/tests/$t"
done

# Not every test again: the GCC builds ran them. clang's own warnings, its
# ASan + UBSan, and the fuzzers: the seeds and past crashes replayed (CTest),
# then each target fuzzed for a bounded time.
echo "== clang build (library, tools, fuzzers) and fuzzing"
cmake -S . -B build/clang -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLOGROUTE_FUZZ=ON -DLOGROUTE_WERROR=ON -DLOGROUTE_BUILD_TESTS=OFF -DLOGROUTE_BUILD_BENCH=OFF >/dev/null
cmake --build build/clang -j "$jobs"
(cd build/clang && ctest --output-on-failure -j "$jobs")
tests/fuzz/run.sh build/clang "${LOGROUTE_FUZZ_SECONDS:-20}"
