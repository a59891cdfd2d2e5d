// LogApi: what POST /api/log does with a request body, independent of the
// HTTP transport (see doc/http-api.md).
//
//   one JSON event, or form  -> 201, the event as JSON
//   a JSON array, or NDJSON  -> 202 {"accepted": N}; all or nothing
//   invalid event            -> 400 {"field": ["reason", ...]}
//                               (batches: {"index": I, "line": L, "errors": {...}})
//   unrouted (reject policy) -> 422, same shapes, the reason under "event_name"
//   spool full (ENOSPC, ...) -> 507 {"detail": "..."}; other spool errors -> 503
//
// Each event is judged by an ingest::Pipeline (parse, chain, record), as
// recv --stdin's lines are.
//
// Judging and storing are separate steps so that the server can store the
// records of several requests in one SpoolWriter::Append(): Judge() appends a
// good request's records to a buffer, StoreRecords() writes a buffer. Every
// record of one request sits in one buffer, so a request lands whole or not
// at all. The 2xx answer of a judged request may be sent only once its buffer
// is stored (and, with --fsync always, synced).
//
// Each request is judged by the chain of the moment (a snapshot of the
// LiveChain, kept in its ApiOutcome): a reload takes effect from the next
// request on, and never changes a request being judged.
//
// Thread safety: Judge() may be called from any number of threads; each
// thread keeps its own parser (thread_local), so the per-request path
// allocates almost nothing once warm.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "libcore/base/env.h"
#include "libcore/chain/live_chain.h"
#include "libcore/http/metrics.h"
#include "libcore/ingest/pipeline.h"
#include "libcore/metrics/table_counts.h"
#include "libcore/spool/writer.h"

namespace logroute::http {

enum class BodyKind { kJson, kNdjson, kUrlEncoded, kMultipart };

struct BodyType {
  BodyKind kind = BodyKind::kJson;
  std::string boundary;  // kMultipart: its boundary parameter ("" when missing)
};

// application/json (parameters allowed), application/x-ndjson, and the HTML
// forms the original service took too, application/x-www-form-urlencoded and
// multipart/form-data; nullopt for anything else, including a missing
// Content-Type (415).
std::optional<BodyType> BodyTypeOf(std::string_view content_type);

struct ApiOutcome {
  unsigned status = 500;                      // what to answer (once stored, when `records` > 0)
  std::string body;                           // JSON
  uint64_t records = 0;                       // records Judge() appended for this request
  metrics::TableCounts tables;                // accepted per table
  std::shared_ptr<const chain::Chain> chain;  // the snapshot that judged the request
  ClientError client_error = ClientError::kInvalidEvent;  // why, when `status` is a 4xx
};

class LogApi {
 public:
  LogApi(const chain::LiveChain& chain, Metrics& metrics, Env* env)
      : chain_(chain), metrics_(metrics), env_(env) {}

  // Judges one request body. A good one appends its records to *records and
  // sets the 2xx answer; a bad one appends nothing and sets the 4xx answer.
  // *out is overwritten (its buffers are reused).
  void Judge(const BodyType& type, std::string_view body, std::string* records,
             ApiOutcome* out) const;

  // Counts the accepted events of a request whose records were stored.
  void CountStored(const ApiOutcome& outcome) const;

  // Turns *out into the 503/507 answer for a failed store.
  static void StoreFailed(const Status& status, ApiOutcome* out);

 private:
  void JudgeForm(const BodyType& type, std::string_view body, std::string* records,
                 ApiOutcome* out) const;
  void JudgeBatch(bool ndjson, std::string_view body, std::string* records, ApiOutcome* out) const;
  // The answer to one event the thread's pipeline judged: 201, 202 (dropped), 400 or 422.
  void Answer(ingest::Verdict verdict, ApiOutcome* out) const;
  // The 400 answer, for errors found before or by the parser.
  void Invalid(const event::FieldErrors& errors, ApiOutcome* out) const;
  // Counts an unrouted event's name (what the unrouted policy decided on).
  ingest::Verdict Counted(ingest::Verdict verdict) const;

  const chain::LiveChain& chain_;
  Metrics& metrics_;
  Env* env_;
};

// One SpoolWriter::Append() of `records`, timed into `metrics`.
Status StoreRecords(spool::SpoolWriter& writer, std::string_view records, Metrics& metrics,
                    spool::AppendTicket* ticket);

// {"field": ["reason", ...], ...} from the parser's errors; whole-document
// errors go under "non_field_errors" (Django REST framework's key).
void AppendErrorsJson(const event::FieldErrors& errors, std::string* out);

}  // namespace logroute::http
