// Helpers of the crash-point enumerations (tests/fault/): events with unique
// user ids, a spool set up on a MemEnv, the next process's flush, and the
// checks every scenario ends with.
#pragma once

#include <cstdint>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "libcore/spool/spool.h"
#include "tests/fault/mem_env.h"
#include "tests/fault/memory_sink.h"

namespace logroute::fault {

inline constexpr char kSpoolDir[] = "/spool";

// LOGROUTE_FAULT_SCALE=N runs scenarios N times as big (a longer run by hand).
int Scale();

struct Ev {
  int64_t id = 0;
  std::string name;
};

// One append: its events and their records.
struct Batch {
  std::vector<Ev> events;
  std::string records;
};

std::string RecordOf(const Ev& event, const std::string& table = "logs");
// `count` batches of `per_batch` events, ids from `first_id` on.
std::vector<Batch> MakeBatches(int count, int per_batch, int64_t first_id);

// A new MemEnv holding an empty, durable spool of `shards` shards.
std::unique_ptr<MemEnv> CreateSpoolEnv(int shards);

// The next process: opens the spool and runs one flush pass into `db`.
Status FlushPass(MemEnv& env, MemoryDatabase& db, SinkFault fault = {});

// How many times each user id is a row of `db` (any table). Adds a failure
// for a row that is no event of `known` (a corrupt record loaded).
std::map<int64_t, int> RowsById(const MemoryDatabase& db, const std::map<int64_t, Ev>& known);
std::map<int64_t, Ev> Known(const std::vector<Batch>& batches);

// The DATA of every entry in the spool's rejects/ (decoded).
std::vector<std::string> RejectedData(MemEnv& env);

// Failed assertions of the running test so far: a crash point passed when
// its checks added none.
int FailureCount();

// Counts crash points, and prints "NAME: crash points: N, passed: M".
struct Tally {
  std::string name;
  uint64_t points = 0;
  uint64_t passed = 0;
  ~Tally() { std::cout << name << ": crash points: " << points << ", passed: " << passed << "\n"; }
};

// The crash points of a run that made `ops` mutating calls, whose Write
// calls are `writes`: before each call, and inside each write after every
// line end and in the middle of every line.
struct CrashPoint {
  uint64_t op = 0;
  std::optional<size_t> cut;
};
std::vector<CrashPoint> CrashPoints(uint64_t ops, const std::map<uint64_t, std::string>& writes);

}  // namespace logroute::fault
