#include "libcore/ingest/pipeline.h"

#include "libcore/spool/record.h"

namespace logroute::ingest {

Verdict Pipeline::Take(const chain::Chain& chain, std::string_view json, int64_t recv_ts,
                       std::string* records) {
  if (!parser_.Parse(json, &event_)) return Verdict::kInvalid;
  return Judge(chain, recv_ts, records);
}

Verdict Pipeline::TakeFields(const chain::Chain& chain,
                             std::span<const std::pair<std::string, std::string>> fields,
                             int64_t recv_ts, std::string* records) {
  if (!parser_.ParseFields(fields, &event_)) return Verdict::kInvalid;
  return Judge(chain, recv_ts, records);
}

Verdict Pipeline::Judge(const chain::Chain& chain, int64_t recv_ts, std::string* records) {
  decision_ = chain.Handle(event_);
  switch (decision_.action) {
    case chain::Decision::Action::kReject:
      return Verdict::kRejected;
    case chain::Decision::Action::kDrop:
      return Verdict::kDropped;
    case chain::Decision::Action::kRoute:
      break;
  }
  spool::AppendRecord(event_, decision_.table, recv_ts, records);
  return Verdict::kRouted;
}

}  // namespace logroute::ingest
