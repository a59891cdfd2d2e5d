#include "libcore/http/durable_queue.h"

namespace logroute::http {

DurableQueue::DurableQueue(spool::SpoolWriter& writer, int threads) : writer_(writer) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

DurableQueue::~DurableQueue() {
  {
    std::lock_guard<std::mutex> guard(mu_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void DurableQueue::Submit(spool::AppendTicket ticket, Callback done) {
  {
    std::lock_guard<std::mutex> guard(mu_);
    Group& group = pending_[ticket.file.get()];
    if (!group.latest.file || ticket.sequence > group.latest.sequence) {
      group.latest = std::move(ticket);
    }
    group.waiters.push_back(std::move(done));
  }
  ready_.notify_one();
}

void DurableQueue::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    // A file already being synced by another thread waits its turn: its new
    // waiters then share the next sync.
    auto it = pending_.begin();
    while (it != pending_.end() && syncing_.contains(it->first)) ++it;
    if (it == pending_.end()) {
      if (stopping_ && pending_.empty()) return;
      ready_.wait(lock);
      continue;
    }
    const void* key = it->first;
    Group group = std::move(it->second);
    pending_.erase(it);
    syncing_.insert(key);
    lock.unlock();
    const Status status = writer_.WaitDurable(group.latest);
    for (Callback& done : group.waiters) done(status);
    lock.lock();
    syncing_.erase(key);
    ready_.notify_all();  // a file this thread held may have waiters again
  }
}

}  // namespace logroute::http
