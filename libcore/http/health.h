// Whether the spool can take events right now (GET /healthz).
#pragma once

#include "libcore/base/status.h"
#include "libcore/spool/spool.h"

namespace logroute::http {

// OK when every shard's `active` file can be opened for appending (or its
// shard directory written, when it does not exist yet) and the file system
// has free space and is not read-only; else the reason. Creates nothing.
Status CheckSpoolWritable(const spool::Spool& spool);

}  // namespace logroute::http
