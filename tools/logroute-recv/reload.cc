#include "tools/logroute-recv/reload.h"

#include <algorithm>
#include <utility>

#include <spdlog/spdlog.h>

#include "libcore/base/logging.h"
#include "libcore/chain/registry.h"

namespace logroute::recv {
namespace {

// The settings a reload applies; the others are bound at startup (a socket,
// threads, the spool and its writer).
bool IsReloadable(const std::string& name) {
  static const std::vector<std::string_view> kChainOptions = chain::ChainOptionNames();
  return name == "log-level" ||
         std::find(kChainOptions.begin(), kChainOptions.end(), name) != kChainOptions.end();
}

std::string Join(const std::vector<std::string>& lines) {
  std::string joined;
  for (const std::string& line : lines) joined += (joined.empty() ? "" : "; ") + line;
  return joined;
}

// Applies `next` over the running configuration: replaces the chain, sets the
// log level, and warns about each other setting that differs from `running`
// (what the process started with). Logs what it did.
void ApplyReload(Configuration next, const std::vector<config::CommandLine::Setting>& running,
                 chain::LiveChain& live) {
  for (const config::CommandLine::Setting& now : next.settings) {
    if (IsReloadable(now.name)) continue;
    for (const config::CommandLine::Setting& then : running) {
      if (then.name == now.name && then.text != now.text) {
        spdlog::warn("Reload: '{}' ({}) takes a restart; still using '{}'", now.text, now.source,
                     then.text);
      }
    }
  }
  const std::string chain = Join(next.chain.Describe());
  live.Replace(std::move(next.chain));
  SetLogLevel(next.log_level);
  spdlog::info("Reloaded the configuration: chain {}", chain);
}

}  // namespace

Reloader::Reloader(ConfigurationLoader load, chain::LiveChain& live,
                   std::vector<config::CommandLine::Setting> running)
    : load_(std::move(load)),
      live_(live),
      running_(std::move(running)),
      thread_([this] { Loop(); }) {}

Reloader::~Reloader() {
  {
    std::lock_guard<std::mutex> guard(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void Reloader::Request() {
  {
    std::lock_guard<std::mutex> guard(mu_);
    requested_ = true;
  }
  wake_.notify_one();
}

void Reloader::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return requested_ || stopping_; });
    if (stopping_) return;
    requested_ = false;
    lock.unlock();  // Request() never waits for a reload
    Result<Configuration> next = load_();
    if (next.ok()) {
      ApplyReload(std::move(next).value(), running_, live_);
    } else {
      spdlog::error("Reload refused; still serving with the previous configuration: {}",
                    next.status().message());
    }
    lock.lock();
  }
}

}  // namespace logroute::recv
