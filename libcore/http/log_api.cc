#include "libcore/http/log_api.h"

#include <atomic>
#include <chrono>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/beast/core/string.hpp>

#include "libcore/http/batch.h"
#include "libcore/http/form.h"
#include "libcore/http/http_status.h"

namespace logroute::http {
namespace {

void AppendUint(uint64_t value, std::string* out) { *out += std::to_string(value); }

// Spool errors can come in floods (disk full under load): log one a second.
void LogSpoolError(const Status& status) {
  static std::atomic<int64_t> last_logged{0};
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  int64_t last = last_logged.load(std::memory_order_relaxed);
  if (now != last && last_logged.compare_exchange_strong(last, now)) {
    spdlog::error("Cannot append to the spool; answering 503/507: {}", status.message());
  }
}

}  // namespace

std::optional<BodyType> BodyTypeOf(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  const boost::beast::string_view type(media.data(), media.size());
  if (boost::beast::iequals(type, "application/json")) return BodyType{BodyKind::kJson, {}};
  if (boost::beast::iequals(type, "application/x-ndjson")) return BodyType{BodyKind::kNdjson, {}};
  if (boost::beast::iequals(type, "application/x-www-form-urlencoded")) {
    return BodyType{BodyKind::kUrlEncoded, {}};
  }
  if (boost::beast::iequals(type, "multipart/form-data")) {
    return BodyType{BodyKind::kMultipart, HeaderParameter(content_type, "boundary")};
  }
  return std::nullopt;
}

void AppendErrorsJson(const event::FieldErrors& errors, std::string* out) {
  // Group the reasons by field, fields in order of first appearance.
  out->push_back('{');
  bool first_field = true;
  for (size_t i = 0; i < errors.size(); ++i) {
    bool seen = false;
    for (size_t j = 0; j < i; ++j) seen = seen || errors[j].field == errors[i].field;
    if (seen) continue;
    if (!first_field) out->push_back(',');
    first_field = false;
    const std::string& field = errors[i].field;
    event::AppendJsonString(field.empty() ? "non_field_errors" : field, out);
    out->append(":[");
    bool first_reason = true;
    for (size_t j = i; j < errors.size(); ++j) {
      if (errors[j].field != field) continue;
      if (!first_reason) out->push_back(',');
      first_reason = false;
      event::AppendJsonString(errors[j].reason, out);
    }
    out->push_back(']');
  }
  out->push_back('}');
}

namespace {

struct Scratch {
  ingest::Pipeline pipeline;
  std::vector<BatchItem> items;
  FormFields fields;
};

thread_local Scratch scratch;

void CountTable(std::string_view table, ApiOutcome* out) {
  ++out->records;
  ++out->tables[table];
}

}  // namespace

void LogApi::Judge(const BodyType& type, std::string_view body, std::string* records,
                   ApiOutcome* out) const {
  out->body.clear();
  out->records = 0;
  out->tables.clear();
  out->chain = chain_.Get();
  if (type.kind == BodyKind::kUrlEncoded || type.kind == BodyKind::kMultipart) {
    return JudgeForm(type, body, records, out);
  }
  if (IsBlank(body)) return Invalid({{"", "the body is empty"}}, out);
  if (type.kind == BodyKind::kNdjson) return JudgeBatch(true, body, records, out);
  const size_t first = body.find_first_not_of(" \t\r\n");
  if (body[first] == '[') return JudgeBatch(false, body, records, out);
  Answer(scratch.pipeline.Take(*out->chain, body, env_->NowSeconds(), records), out);
}

void LogApi::JudgeForm(const BodyType& type, std::string_view body, std::string* records,
                       ApiOutcome* out) const {
  Scratch& s = scratch;
  const Status decoded = type.kind == BodyKind::kUrlEncoded
                             ? DecodeUrlEncoded(body, &s.fields)
                             : DecodeMultipart(body, type.boundary, &s.fields);
  if (!decoded.ok()) return Invalid({{"", decoded.message()}}, out);
  Answer(s.pipeline.TakeFields(*out->chain, s.fields, env_->NowSeconds(), records), out);
}

void LogApi::Invalid(const event::FieldErrors& errors, ApiOutcome* out) const {
  metrics_.CountInvalid(1);
  out->status = 400;
  out->client_error = ClientError::kInvalidEvent;
  AppendErrorsJson(errors, &out->body);
}

ingest::Verdict LogApi::Counted(ingest::Verdict verdict) const {
  const ingest::Pipeline& pipeline = scratch.pipeline;
  if (verdict != ingest::Verdict::kInvalid && pipeline.decision().unrouted) {
    metrics_.CountUnroutedName(pipeline.event().event_name);
  }
  return verdict;
}

void LogApi::Answer(ingest::Verdict verdict, ApiOutcome* out) const {
  const ingest::Pipeline& pipeline = scratch.pipeline;
  switch (Counted(verdict)) {
    case ingest::Verdict::kInvalid:
      return Invalid(pipeline.errors(), out);
    case ingest::Verdict::kRejected:
      metrics_.CountUnrouted(1);
      out->status = 422;
      out->client_error = ClientError::kUnroutedEvent;
      AppendErrorsJson({*pipeline.decision().error}, &out->body);
      return;
    case ingest::Verdict::kDropped:
      metrics_.CountDropped(1);
      out->status = 202;
      out->body = R"({"accepted":0,"dropped":1})";
      return;
    case ingest::Verdict::kRouted:
      break;
  }
  CountTable(pipeline.decision().table, out);
  out->status = 201;
  event::AppendEventJson(pipeline.event(), &out->body);
}

void LogApi::JudgeBatch(bool ndjson, std::string_view body, std::string* records,
                        ApiOutcome* out) const {
  Scratch& s = scratch;
  if (ndjson) {
    SplitNdjson(body, &s.items);
  } else if (Status split = SplitJsonArray(body, &s.items); !split.ok()) {
    return Invalid({{"", split.message()}}, out);
  }
  const size_t mark = records->size();
  const int64_t recv_ts = env_->NowSeconds();
  uint64_t dropped = 0;
  for (size_t i = 0; i < s.items.size(); ++i) {
    const BatchItem& item = s.items[i];
    const ingest::Verdict verdict =
        Counted(s.pipeline.Take(*out->chain, item.text, recv_ts, records));
    if (verdict == ingest::Verdict::kRouted) {
      CountTable(s.pipeline.decision().table, out);
      continue;
    }
    if (verdict == ingest::Verdict::kDropped) {
      ++dropped;
      continue;
    }
    // All or nothing: the first bad item fails the whole request.
    records->resize(mark);
    out->records = 0;
    out->tables.clear();
    const bool invalid = verdict == ingest::Verdict::kInvalid;
    if (invalid)
      metrics_.CountInvalid(1);
    else
      metrics_.CountUnrouted(1);
    out->status = invalid ? 400 : 422;
    out->client_error = invalid ? ClientError::kInvalidEvent : ClientError::kUnroutedEvent;
    out->body = R"({"index":)";
    AppendUint(i, &out->body);
    if (ndjson) {
      out->body += R"(,"line":)";
      AppendUint(item.line, &out->body);
    }
    out->body += R"(,"errors":)";
    if (invalid)
      AppendErrorsJson(s.pipeline.errors(), &out->body);
    else
      AppendErrorsJson({*s.pipeline.decision().error}, &out->body);
    out->body.push_back('}');
    return;
  }
  if (dropped > 0) metrics_.CountDropped(dropped);
  out->status = 202;
  out->body = R"({"accepted":)";
  AppendUint(out->records, &out->body);
  if (dropped > 0) {
    out->body += R"(,"dropped":)";
    AppendUint(dropped, &out->body);
  }
  out->body.push_back('}');
}

void LogApi::CountStored(const ApiOutcome& outcome) const {
  for (const auto& [table, count] : outcome.tables) metrics_.CountAccepted(table, count);
}

void LogApi::StoreFailed(const Status& status, ApiOutcome* out) {
  LogSpoolError(status);
  out->status = HttpStatusOf(status);
  out->body = R"({"detail":)";
  event::AppendJsonString("the spool cannot take events: " + status.message(), &out->body);
  out->body.push_back('}');
}

Status StoreRecords(spool::SpoolWriter& writer, std::string_view records, Metrics& metrics,
                    spool::AppendTicket* ticket) {
  const auto start = std::chrono::steady_clock::now();
  Status status = writer.Append(records, ticket);
  metrics.ObserveAppend(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return status;
}

}  // namespace logroute::http
