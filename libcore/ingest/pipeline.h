// The one way an event enters the spool, for recv's stdin and its HTTP API
// alike: parse -> handler chain -> spool record.
//
// Pipeline::Take() judges one event; what it does with the verdict (count it,
// answer a client, report a line, batch the records) is the caller's.
// Nothing is written to the spool here: a routed event's record is appended to
// a caller's buffer, which the caller stores with SpoolWriter::Append(), so
// that many events share one write.
//
// Thread safety: none; one Pipeline per thread. It keeps the parser's buffers
// and the last event between calls, so that the per-event path allocates
// nothing once warm.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "libcore/chain/chain.h"
#include "libcore/event/event.h"

namespace logroute::ingest {

enum class Verdict {
  kRouted,    // its record is appended; decision().table names the table
  kDropped,   // the unrouted `drop` policy took it; nothing appended
  kInvalid,   // not a valid event; errors() says why; nothing appended
  kRejected,  // refused by the chain; decision().error says why; nothing appended
};

class Pipeline {
 public:
  // Parses `json` as one event and judges it by `chain`. A routed event's
  // record, received at `recv_ts` (Unix seconds), is appended to *records.
  Verdict Take(const chain::Chain& chain, std::string_view json, int64_t recv_ts,
               std::string* records);
  // The same for an event given as named text fields (an HTML form; see
  // event::EventParser::ParseFields).
  Verdict TakeFields(const chain::Chain& chain,
                     std::span<const std::pair<std::string, std::string>> fields, int64_t recv_ts,
                     std::string* records);

  // Of the last Take(): the parser's errors (kInvalid), the event and the
  // chain's decision (any other verdict). Valid until the next Take().
  const event::FieldErrors& errors() const { return parser_.errors(); }
  const event::Event& event() const { return event_; }
  const chain::Decision& decision() const { return decision_; }

 private:
  Verdict Judge(const chain::Chain& chain, int64_t recv_ts, std::string* records);

  event::EventParser parser_;
  event::Event event_;
  chain::Decision decision_;
};

}  // namespace logroute::ingest
