// The HTTP server's counters, rendered as Prometheus text (GET /metrics).
//
// Names follow logroute_<noun>_<unit>, `_total` for counters:
//   logroute_http_requests_total{code}            responses sent, by status code
//   logroute_http_client_errors_total{reason}     4xx responses, by reason (ClientError)
//   logroute_http_received_bytes_total            request body bytes read
//   logroute_events_accepted_total{table}         events appended to the spool
//   logroute_events_rejected_total{reason}        invalid | unrouted
//   logroute_events_dropped_total                 taken by --unrouted drop
//   logroute_events_unrouted_total{event_name}    no route matched, whatever the policy
//                                                 did; past kMaxUnroutedNames names,
//                                                 the others count under "other"
//   logroute_spool_append_seconds                 histogram of SpoolWriter::Append
//   logroute_spool_syncs_total, logroute_spool_seals_total
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "libcore/metrics/table_counts.h"

namespace logroute::http {

// Why a request got a 4xx answer: the label of logroute_http_client_errors_total.
enum class ClientError {
  kInvalidEvent,                 // 400: an event (or a batch item) failed validation
  kMalformedRequest,             // 400: not HTTP, or a body that cannot be read
  kUnsupportedTransferEncoding,  // 400
  kUnauthorized,                 // 401: missing or wrong bearer token
  kNotFound,                     // 404
  kMethodNotAllowed,             // 405
  kLengthRequired,               // 411
  kBodyTooLarge,                 // 413
  kUnsupportedMediaType,         // 415
  kUnroutedEvent,                // 422: no route, and the unrouted policy is reject
  kHeaderTooLarge,               // 431
};
inline constexpr size_t kClientErrorCount = 11;
static_assert(static_cast<size_t>(ClientError::kHeaderTooLarge) + 1 == kClientErrorCount);

// "invalid_event", "not_found", ...
std::string_view ClientErrorName(ClientError error);

class Metrics {
 public:
  // Upper bounds of the append latency buckets, in seconds (+Inf is implied).
  static constexpr std::array<double, 12> kAppendBuckets = {
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2.5};
  // Distinct event names logroute_events_unrouted_total labels; it keeps the
  // number of series bounded whatever clients send.
  static constexpr size_t kMaxUnroutedNames = 100;
  static constexpr std::string_view kOtherName = "other";

  void CountRequest(unsigned status);
  void CountClientError(ClientError error);
  void AddBytesReceived(uint64_t bytes) { bytes_.fetch_add(bytes, std::memory_order_relaxed); }
  void CountAccepted(std::string_view table, uint64_t events);
  void CountInvalid(uint64_t events) { invalid_.fetch_add(events, std::memory_order_relaxed); }
  void CountUnrouted(uint64_t events) { unrouted_.fetch_add(events, std::memory_order_relaxed); }
  void CountDropped(uint64_t events) { dropped_.fetch_add(events, std::memory_order_relaxed); }
  // One event that no route matched, by its name.
  void CountUnroutedName(std::string_view event_name);
  void ObserveAppend(double seconds);

  // The Prometheus text exposition; `syncs` and `seals` come from the SpoolWriter.
  std::string Render(uint64_t syncs, uint64_t seals) const;

  uint64_t requests(unsigned status) const;

 private:
  static constexpr unsigned kMaxStatus = 600;
  std::array<std::atomic<uint64_t>, kMaxStatus> requests_{};
  std::array<std::atomic<uint64_t>, kClientErrorCount> client_errors_{};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> invalid_{0};
  std::atomic<uint64_t> unrouted_{0};
  std::atomic<uint64_t> dropped_{0};
  std::array<std::atomic<uint64_t>, kAppendBuckets.size() + 1> append_buckets_{};
  std::atomic<uint64_t> append_nanos_{0};

  mutable std::mutex tables_mu_;
  metrics::TableCounts accepted_;
  mutable std::mutex names_mu_;
  std::map<std::string, uint64_t, std::less<>> unrouted_names_;  // at most kMaxUnroutedNames + 1
};

}  // namespace logroute::http
