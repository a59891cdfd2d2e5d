#include "libcore/config/tool_options.h"

#include <array>
#include <iterator>
#include <vector>

#include "libcore/chain/registry.h"

namespace logroute::config {
namespace {

constexpr std::string_view kRecv[] = {
    "spool",          "stdin",        "listen",           "shards",         "fsync",
    "strict",         "rejects-file", "replay-rejects",   "force",          "max-line-bytes",
    "segment-bytes",  "print-chain",  "log-level",        "max-body",       "max-header-bytes",
    "token-file",     "reuse-port",   "threads",          "sync-threads",   "idle-timeout",
    "header-timeout", "body-timeout", "shutdown-timeout", "max-connections"};

constexpr std::string_view kFlush[] = {
    "spool",    "db",           "table",         "dedupe",   "max-seconds",
    "loop",     "new-spool-id", "purge-rejects", "interval", "password-file",
    "progress", "chunk-rows",   "textfile",      "log-level"};

constexpr std::string_view kStat[] = {"spool",   "json",    "prometheus", "textfile", "watch",
                                      "rejects", "max-age", "max-events", "log-level"};

// recv's own options, then those of the handler kinds of its chain.
std::span<const std::string_view> RecvOptions() {
  static const std::vector<std::string_view> options = [] {
    std::vector<std::string_view> all(std::begin(kRecv), std::end(kRecv));
    for (std::string_view name : chain::ChainOptionNames()) all.push_back(name);
    return all;
  }();
  return options;
}

}  // namespace

std::span<const ToolOptions> AllToolOptions() {
  static const std::array tools = {ToolOptions{"logroute-recv", RecvOptions()},
                                   ToolOptions{"logroute-flush", kFlush},
                                   ToolOptions{"logroute-stat", kStat}};
  return tools;
}

bool SomeToolHas(std::string_view name) {
  for (const ToolOptions& tool : AllToolOptions()) {
    for (std::string_view option : tool.options) {
      if (option == name) return true;
    }
  }
  return false;
}

}  // namespace logroute::config
