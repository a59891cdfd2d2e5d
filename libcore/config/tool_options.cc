#include "libcore/config/tool_options.h"

#include <array>

namespace logroute::config {
namespace {

constexpr std::string_view kRecv[] = {"spool",
                                      "stdin",
                                      "listen",
                                      "shards",
                                      "fsync",
                                      "route",
                                      "no-default-routes",
                                      "unrouted",
                                      "unrouted-table",
                                      "strict",
                                      "rejects-file",
                                      "replay-rejects",
                                      "force",
                                      "max-line-bytes",
                                      "segment-bytes",
                                      "print-chain",
                                      "log-level",
                                      "max-body",
                                      "max-header-bytes",
                                      "token-file",
                                      "reuse-port",
                                      "threads",
                                      "sync-threads",
                                      "idle-timeout",
                                      "header-timeout",
                                      "body-timeout",
                                      "shutdown-timeout",
                                      "max-connections"};

constexpr std::string_view kFlush[] = {
    "spool",    "db",           "table",         "dedupe",   "max-seconds",
    "loop",     "new-spool-id", "purge-rejects", "interval", "password-file",
    "progress", "chunk-rows",   "textfile",      "log-level"};

constexpr std::string_view kStat[] = {"spool",   "json",    "prometheus", "textfile", "watch",
                                      "rejects", "max-age", "max-events", "log-level"};

constexpr std::array kTools = {ToolOptions{"logroute-recv", kRecv},
                               ToolOptions{"logroute-flush", kFlush},
                               ToolOptions{"logroute-stat", kStat}};

}  // namespace

std::span<const ToolOptions> AllToolOptions() { return kTools; }

bool SomeToolHas(std::string_view name) {
  for (const ToolOptions& tool : kTools) {
    for (std::string_view option : tool.options) {
      if (option == name) return true;
    }
  }
  return false;
}

}  // namespace logroute::config
