// DurableQueue: waits for appended records to reach stable storage without
// blocking the threads that serve connections (--fsync always).
//
// Submit() hands over an AppendTicket and a callback. Syncer threads take
// everything pending on one spool file at once and make it durable with one
// SpoolWriter::WaitDurable() (group commit: one fdatasync covers every request
// that appended to that file before it). Different files sync in parallel.
//
// Thread safety: Submit() may be called from any thread. Callbacks run on a
// syncer thread, exactly once each, with the outcome of the sync. The
// destructor completes everything submitted before it, then joins.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "libcore/spool/writer.h"

namespace logroute::http {

class DurableQueue {
 public:
  using Callback = std::function<void(const Status&)>;

  DurableQueue(spool::SpoolWriter& writer, int threads);
  ~DurableQueue();
  DurableQueue(const DurableQueue&) = delete;
  DurableQueue& operator=(const DurableQueue&) = delete;

  void Submit(spool::AppendTicket ticket, Callback done);

 private:
  struct Group {
    spool::AppendTicket latest;  // the highest sequence: syncing it covers the rest
    std::vector<Callback> waiters;
  };
  void Loop();

  spool::SpoolWriter& writer_;
  std::mutex mu_;
  std::condition_variable ready_;
  std::unordered_map<const void*, Group> pending_;  // keyed by the spool file
  std::unordered_set<const void*> syncing_;         // files a syncer is working on
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace logroute::http
