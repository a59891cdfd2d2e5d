// Writing a metrics file for node_exporter's textfile collector
// (--collector.textfile.directory), which reads every *.prom file of its
// directory at each scrape.
//
// The file is replaced atomically: the text goes to PATH.tmp.PID in the same
// directory (a name the collector ignores), then rename(2) puts it in place,
// so a scrape sees the previous file or the new one, never a part. It is made
// readable by everyone (0644, whatever the umask), since node_exporter runs as
// another user. It is not synced: metrics need no durability.
#pragma once

#include <string>
#include <string_view>

#include "libcore/base/status.h"

namespace logroute::metrics {

// Errors name the path: CannotCreate (exit 73) when the file cannot be
// created (a missing directory), NoPermission (77) when it may not be,
// IoError (74) when writing fails.
Status WriteTextfile(const std::string& path, std::string_view text);

}  // namespace logroute::metrics
