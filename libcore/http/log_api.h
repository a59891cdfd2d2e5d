// LogApi: what POST /api/log does with a request body, independent of the
// HTTP transport (see doc/http-api.md).
//
//   one JSON event           -> 201, the event as JSON
//   a JSON array, or NDJSON  -> 202 {"accepted": N}; all or nothing
//   invalid event            -> 400 {"field": ["reason", ...]}
//                               (batches: {"index": I, "line": L, "errors": {...}})
//   unrouted (reject policy) -> 422, same shapes, the reason under "event_name"
//   spool full (ENOSPC, ...) -> 507 {"detail": "..."}; other spool errors -> 503
//
// Every accepted event of one request goes to the spool in one
// SpoolWriter::Append(), so a request lands whole or not at all. A 2xx outcome
// with `ticket.file` set must not be sent before WaitDurable(ticket) succeeds
// when the writer syncs (--fsync always).
//
// Thread safety: Handle() may be called from any number of threads; each
// thread keeps its own parser and buffers (thread_local), so the per-request
// path allocates almost nothing once warm.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "libcore/chain/chain.h"
#include "libcore/http/metrics.h"
#include "libcore/spool/writer.h"

namespace logroute::http {

enum class BodyKind { kJson, kNdjson };

// application/json (parameters allowed) or application/x-ndjson; nullopt for
// anything else, including a missing Content-Type (415).
std::optional<BodyKind> BodyKindOf(std::string_view content_type);

struct ApiOutcome {
  unsigned status = 500;
  std::string body;            // JSON
  spool::AppendTicket ticket;  // set when records were appended
};

class LogApi {
 public:
  LogApi(const chain::Chain& chain, spool::SpoolWriter& writer, Metrics& metrics, Env* env)
      : chain_(chain), writer_(writer), metrics_(metrics), env_(env) {}

  // Handles one request body; *out is overwritten (its buffers are reused).
  void Handle(BodyKind kind, std::string_view body, ApiOutcome* out) const;

 private:
  struct Scratch;
  void HandleOne(std::string_view body, Scratch& s, ApiOutcome* out) const;
  void HandleBatch(bool ndjson, std::string_view body, Scratch& s, ApiOutcome* out) const;
  void Store(Scratch& s, ApiOutcome* out) const;

  const chain::Chain& chain_;
  spool::SpoolWriter& writer_;
  Metrics& metrics_;
  Env* env_;
};

// {"field": ["reason", ...], ...} from the parser's errors; whole-document
// errors go under "non_field_errors" (Django REST framework's key).
void AppendErrorsJson(const event::FieldErrors& errors, std::string* out);

}  // namespace logroute::http
