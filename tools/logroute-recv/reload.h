// recv --listen reloads its configuration on SIGHUP (logroute-recv(1), SIGNALS).
//
// A reload reads the settings again as startup did (command line, LOGROUTE_*
// environment, config file) and applies what can change while serving: the
// handler chain's options (--route, --no-default-routes, --unrouted,
// --unrouted-table, and those of any kind libcore/chain/registry.h adds),
// which take effect from the next request, and --log-level. A setting that
// takes a restart (--listen, --threads, ...) and was changed is named in a
// warning and left as it is. A configuration that does not validate changes
// nothing: the error is logged and the running chain stays.
//
// The work runs on the Reloader's own thread, never on an I/O thread.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "libcore/base/logging.h"
#include "libcore/base/result.h"
#include "libcore/chain/live_chain.h"
#include "libcore/config/options.h"

namespace logroute::recv {

struct Configuration {
  chain::Chain chain;
  LogLevel log_level = LogLevel::kInfo;
  std::vector<config::CommandLine::Setting> settings;
};

// Reads and validates the configuration as it is now.
using ConfigurationLoader = std::function<Result<Configuration>()>;

class Reloader {
 public:
  // `running`: the settings the process started with.
  Reloader(ConfigurationLoader load, chain::LiveChain& live,
           std::vector<config::CommandLine::Setting> running);
  // Finishes a reload in progress, then stops.
  ~Reloader();
  Reloader(const Reloader&) = delete;
  Reloader& operator=(const Reloader&) = delete;

  // Asks for a reload and returns at once; requests that come during a
  // reload make one more. Any thread.
  void Request();

 private:
  void Loop();

  ConfigurationLoader load_;
  chain::LiveChain& live_;
  std::vector<config::CommandLine::Setting> running_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool requested_ = false;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the rest is ready
};

}  // namespace logroute::recv
