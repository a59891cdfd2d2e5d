#!/usr/bin/env bash
# The test command: installs what is missing, then builds and runs every test
# twice, once as shipped and once under AddressSanitizer + UBSan, and the
# concurrency tests (spool appenders, HTTP server, group commit) a third time
# under ThreadSanitizer. Each test run starts (and stops) its own private
# MariaDB server as a CTest fixture.
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

echo "== release build and tests"
run_suite build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== ASan + UBSan build and tests"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite build/asan -DCMAKE_BUILD_TYPE=Debug -DLOGROUTE_SANITIZE=ON -DLOGROUTE_BUILD_BENCH=OFF

echo "== ThreadSanitizer build and the concurrency tests"
concurrency_tests=(unit/spool/spool_test unit/http/http_server_test unit/http/http_unit_test)
cmake -S . -B build/tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOGROUTE_TSAN=ON \
  -DLOGROUTE_BUILD_BENCH=OFF >/dev/null
cmake --build build/tsan -j "$jobs" --target "${concurrency_tests[@]##*/}"
for t in "${concurrency_tests[@]}"; do
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 "build/tsan/tests/$t"
done
