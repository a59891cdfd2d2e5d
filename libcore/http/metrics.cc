#include "libcore/http/metrics.h"

#include "libcore/metrics/prometheus_text.h"

namespace logroute::http {
namespace {

constexpr std::array<std::string_view, kClientErrorCount> kClientErrorNames = {
    "invalid_event",   "malformed_request", "unsupported_transfer_encoding",
    "unauthorized",    "not_found",         "method_not_allowed",
    "length_required", "body_too_large",    "unsupported_media_type",
    "unrouted_event",  "header_too_large"};

uint64_t Load(const std::atomic<uint64_t>& counter) {
  return counter.load(std::memory_order_relaxed);
}

}  // namespace

std::string_view ClientErrorName(ClientError error) {
  return kClientErrorNames[static_cast<size_t>(error)];
}

void Metrics::CountRequest(unsigned status) {
  if (status < kMaxStatus) requests_[status].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::CountClientError(ClientError error) {
  client_errors_[static_cast<size_t>(error)].fetch_add(1, std::memory_order_relaxed);
}

uint64_t Metrics::requests(unsigned status) const {
  return status < kMaxStatus ? Load(requests_[status]) : 0;
}

void Metrics::CountAccepted(std::string_view table, uint64_t events) {
  std::lock_guard<std::mutex> guard(tables_mu_);
  accepted_[table] += events;
}

void Metrics::CountUnroutedName(std::string_view event_name) {
  std::lock_guard<std::mutex> guard(names_mu_);
  auto it = unrouted_names_.find(event_name);
  if (it == unrouted_names_.end()) {
    // "other" itself is always a label, so the cap counts the names besides it.
    const size_t named = unrouted_names_.size() - unrouted_names_.count(kOtherName);
    it = unrouted_names_
             .try_emplace(std::string(named < kMaxUnroutedNames ? event_name : kOtherName), 0)
             .first;
  }
  ++it->second;
}

void Metrics::ObserveAppend(double seconds) {
  size_t bucket = 0;
  while (bucket < kAppendBuckets.size() && seconds > kAppendBuckets[bucket]) ++bucket;
  append_buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  append_nanos_.fetch_add(static_cast<uint64_t>(seconds * 1e9), std::memory_order_relaxed);
}

std::string Metrics::Render(uint64_t syncs, uint64_t seals) const {
  constexpr metrics::MetricType kCounter = metrics::MetricType::kCounter;
  metrics::PrometheusText out;
  out.Family("logroute_http_requests_total", kCounter, "HTTP responses sent, by status code.");
  for (unsigned code = 100; code < kMaxStatus; ++code) {
    const uint64_t n = Load(requests_[code]);
    if (n > 0) out.Sample("logroute_http_requests_total", {{"code", std::to_string(code)}}, n);
  }
  out.Family("logroute_http_client_errors_total", kCounter,
             "HTTP 4xx responses, by reason (doc/http-api.md).");
  for (size_t i = 0; i < kClientErrorCount; ++i) {
    out.Sample("logroute_http_client_errors_total", {{"reason", kClientErrorNames[i]}},
               Load(client_errors_[i]));
  }
  out.Family("logroute_http_received_bytes_total", kCounter, "Request body bytes received.");
  out.Sample("logroute_http_received_bytes_total", {}, Load(bytes_));

  out.Family("logroute_events_accepted_total", kCounter,
             "Events appended to the spool, by destination table.");
  {
    std::lock_guard<std::mutex> guard(tables_mu_);
    for (const auto& [table, count] : accepted_) {
      out.Sample("logroute_events_accepted_total", {{"table", table}}, count);
    }
  }
  out.Family("logroute_events_rejected_total", kCounter,
             "Events refused: invalid (validation) or unrouted (no route, reject policy).");
  out.Sample("logroute_events_rejected_total", {{"reason", "invalid"}}, Load(invalid_));
  out.Sample("logroute_events_rejected_total", {{"reason", "unrouted"}}, Load(unrouted_));
  out.Family("logroute_events_dropped_total", kCounter, "Events discarded by --unrouted drop.");
  out.Sample("logroute_events_dropped_total", {}, Load(dropped_));
  out.Family("logroute_events_unrouted_total", kCounter,
             "Events no route matched, by event name, whatever the unrouted policy did with "
             "them; names past the first " +
                 std::to_string(kMaxUnroutedNames) + " count under \"other\".");
  {
    std::lock_guard<std::mutex> guard(names_mu_);
    for (const auto& [name, count] : unrouted_names_) {
      out.Sample("logroute_events_unrouted_total", {{"event_name", name}}, count);
    }
  }

  std::array<uint64_t, kAppendBuckets.size() + 1> append_buckets;
  for (size_t i = 0; i < append_buckets.size(); ++i) append_buckets[i] = Load(append_buckets_[i]);
  out.Histogram("logroute_spool_append_seconds",
                "Time of one spool append (one request or one batch).", kAppendBuckets,
                append_buckets, static_cast<double>(Load(append_nanos_)) / 1e9);

  out.Family("logroute_spool_syncs_total", kCounter, "fdatasync calls on spool files.");
  out.Sample("logroute_spool_syncs_total", {}, syncs);
  out.Family("logroute_spool_seals_total", kCounter, "Active files sealed into segments.");
  out.Sample("logroute_spool_seals_total", {}, seals);
  return out.Take();
}

}  // namespace logroute::http
