// LiveChain: the handler chain of a running recv, replaceable while requests
// are being judged (a reload on SIGHUP).
//
// Readers take a snapshot with Get() and judge with it: the shared_ptr keeps
// that chain, and the table names its Decisions point into, alive for as long
// as they hold it, also after a Replace(). A reader that takes its snapshot
// after Replace() returned sees the new chain. RCU-like: the old chain goes
// when its last reader lets go of it.
//
// A mutex guards the pointer, held only to copy or swap it, never while a
// chain is built or freed, so a reader waits at most for a pointer swap.
// (libstdc++ 12's std::atomic<std::shared_ptr> ends a load with a relaxed
// unlock, which ThreadSanitizer reports as a race with a store.)
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <memory>
#include <mutex>
#include <utility>

#include "libcore/chain/chain.h"

namespace logroute::chain {

class LiveChain {
 public:
  explicit LiveChain(Chain chain) : current_(std::make_shared<const Chain>(std::move(chain))) {}
  LiveChain(const LiveChain&) = delete;
  LiveChain& operator=(const LiveChain&) = delete;

  std::shared_ptr<const Chain> Get() const {
    std::lock_guard<std::mutex> guard(mu_);
    return current_;
  }

  void Replace(Chain chain) {
    std::shared_ptr<const Chain> next = std::make_shared<const Chain>(std::move(chain));
    std::lock_guard<std::mutex> guard(mu_);
    current_.swap(next);
  }  // the old chain, now in `next`, is let go of after the lock

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Chain> current_;
};

}  // namespace logroute::chain
