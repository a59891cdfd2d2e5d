#include "libcore/http/log_api.h"

#include <atomic>
#include <chrono>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/beast/core/string.hpp>

#include "libcore/http/batch.h"
#include "libcore/http/form.h"
#include "libcore/spool/record.h"

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
  event::EventParser parser;
  event::Event event;
  std::vector<BatchItem> items;
  FormFields fields;
};

thread_local Scratch scratch;

void CountTable(std::string_view table, ApiOutcome* out) {
  ++out->records;
  for (auto& [name, count] : out->tables) {
    if (name == table) {
      ++count;
      return;
    }
  }
  out->tables.emplace_back(table, 1);
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
  if (IsBlank(body)) {
    metrics_.CountInvalid(1);
    out->status = 400;
    out->client_error = ClientError::kInvalidEvent;
    AppendErrorsJson({{"", "the body is empty"}}, &out->body);
    return;
  }
  if (type.kind == BodyKind::kNdjson) return JudgeBatch(true, body, records, out);
  const size_t first = body.find_first_not_of(" \t\r\n");
  if (body[first] == '[') return JudgeBatch(false, body, records, out);
  JudgeOne(body, records, out);
}

void LogApi::JudgeOne(std::string_view body, std::string* records, ApiOutcome* out) const {
  Scratch& s = scratch;
  if (!s.parser.Parse(body, &s.event)) {
    metrics_.CountInvalid(1);
    out->status = 400;
    out->client_error = ClientError::kInvalidEvent;
    AppendErrorsJson(s.parser.errors(), &out->body);
    return;
  }
  Route(records, out);
}

void LogApi::JudgeForm(const BodyType& type, std::string_view body, std::string* records,
                       ApiOutcome* out) const {
  Scratch& s = scratch;
  const std::string malformed = type.kind == BodyKind::kUrlEncoded
                                    ? DecodeUrlEncoded(body, &s.fields)
                                    : DecodeMultipart(body, type.boundary, &s.fields);
  if (!malformed.empty() || !s.parser.ParseFields(s.fields, &s.event)) {
    metrics_.CountInvalid(1);
    out->status = 400;
    out->client_error = ClientError::kInvalidEvent;
    AppendErrorsJson(malformed.empty() ? s.parser.errors() : event::FieldErrors{{"", malformed}},
                     &out->body);
    return;
  }
  Route(records, out);
}

void LogApi::Route(std::string* records, ApiOutcome* out) const {
  Scratch& s = scratch;
  const chain::Decision decision = out->chain->Handle(s.event);
  if (decision.unrouted) metrics_.CountUnroutedName(s.event.event_name);
  switch (decision.action) {
    case chain::Decision::Action::kReject:
      metrics_.CountUnrouted(1);
      out->status = 422;
      out->client_error = ClientError::kUnroutedEvent;
      AppendErrorsJson({decision.error}, &out->body);
      return;
    case chain::Decision::Action::kDrop:
      metrics_.CountDropped(1);
      out->status = 202;
      out->body = R"({"accepted":0,"dropped":1})";
      return;
    case chain::Decision::Action::kRoute:
      break;
  }
  spool::AppendRecord(s.event, decision.table, env_->NowSeconds(), records);
  CountTable(decision.table, out);
  out->status = 201;
  event::AppendEventJson(s.event, &out->body);
}

void LogApi::JudgeBatch(bool ndjson, std::string_view body, std::string* records,
                        ApiOutcome* out) const {
  Scratch& s = scratch;
  if (ndjson) {
    SplitNdjson(body, &s.items);
  } else if (std::string error = SplitJsonArray(body, &s.items); !error.empty()) {
    metrics_.CountInvalid(1);
    out->status = 400;
    out->client_error = ClientError::kInvalidEvent;
    AppendErrorsJson({{"", error}}, &out->body);
    return;
  }
  const size_t mark = records->size();
  const int64_t recv_ts = env_->NowSeconds();
  uint64_t dropped = 0;
  for (size_t i = 0; i < s.items.size(); ++i) {
    const BatchItem& item = s.items[i];
    chain::Decision decision;
    const bool parsed = s.parser.Parse(item.text, &s.event);
    if (parsed) {
      decision = out->chain->Handle(s.event);
      if (decision.unrouted) metrics_.CountUnroutedName(s.event.event_name);
      if (decision.action == chain::Decision::Action::kRoute) {
        spool::AppendRecord(s.event, decision.table, recv_ts, records);
        CountTable(decision.table, out);
        continue;
      }
      if (decision.action == chain::Decision::Action::kDrop) {
        ++dropped;
        continue;
      }
    }
    // All or nothing: the first bad item fails the whole request.
    records->resize(mark);
    out->records = 0;
    out->tables.clear();
    const bool invalid = !parsed;
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
      AppendErrorsJson(s.parser.errors(), &out->body);
    else
      AppendErrorsJson({decision.error}, &out->body);
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
  out->status = status.retryable() ? 507 : 503;
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
