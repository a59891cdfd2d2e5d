// --new-spool-id: gives a copied or restored spool its own identity, so that
// it stops sharing ledger keys with the spool it came from (doc/operations.md).
//
// First, every sealed segment the ledger holds under the current id, with the
// same row count and checksum, is removed: it was committed already, from
// this spool or from the one it was copied from, and must not go in again
// under the new id. Then spool.id gets a new random id. Every other segment,
// and the active files, are flushed under the new id from then on.
//
// Every shard's lock is held meanwhile, so recv waits; a segment another
// flusher holds stops the operation (nothing is changed): flush must not run
// on this spool meanwhile.
#pragma once

#include <cstdint>
#include <string>

#include "libcore/sink/sink.h"
#include "libcore/spool/spool.h"

namespace logroute::flush {

struct NewIdentityStats {
  std::string old_id;
  std::string new_id;
  uint64_t removed = 0;  // segments the ledger held: committed before
  uint64_t kept = 0;     // segments to flush under the new id
};

Status GiveNewIdentity(const spool::Spool& spool, sink::Sink& sink, NewIdentityStats* stats);

}  // namespace logroute::flush
