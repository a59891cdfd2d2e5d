// File helpers over an Env, shared by the spool and the tools. Every failure
// is a Status naming the path and the system error.
#pragma once

#include <string>
#include <string_view>

#include "libcore/base/env.h"
#include "libcore/base/result.h"
#include "libcore/base/status.h"

namespace logroute {

// Writes all of `data`, retrying short writes. On error, some prefix of
// `data` may have been written; the caller decides how to undo it.
Status WriteAll(File& file, std::string_view data);

// Reads a whole (small) file.
Result<std::string> ReadFile(Env& env, const std::string& path);

// Writes `data` to `path` atomically and durably: temporary file, sync,
// rename, sync of the directory. Readers see the old or the new content,
// never a mix, and a failure leaves no temporary file behind.
Status WriteFileAtomic(Env& env, const std::string& path, std::string_view data);

// Whether anything (a file, a directory, a link) is at `path`.
Result<bool> PathExists(Env& env, const std::string& path);

// The directory part of `path` ("." for a bare name).
std::string DirName(const std::string& path);

}  // namespace logroute
