#include "libcore/http/metrics.h"

#include <cstdio>

namespace logroute::http {
namespace {

void AppendLine(std::string* out, const char* format, auto... args) {
  char line[256];
  const int n = std::snprintf(line, sizeof line, format, args...);
  if (n > 0) out->append(line, static_cast<size_t>(std::min(n, static_cast<int>(sizeof line) - 1)));
}

// Table names are [A-Za-z_][A-Za-z0-9_]*, so they need no label escaping.
void Header(std::string* out, const char* name, const char* type, const char* help) {
  AppendLine(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

}  // namespace

void Metrics::CountRequest(unsigned status) {
  if (status < kMaxStatus) requests_[status].fetch_add(1, std::memory_order_relaxed);
}

uint64_t Metrics::requests(unsigned status) const {
  return status < kMaxStatus ? requests_[status].load(std::memory_order_relaxed) : 0;
}

void Metrics::CountAccepted(std::string_view table, uint64_t events) {
  std::lock_guard<std::mutex> guard(tables_mu_);
  for (auto& [name, count] : accepted_) {
    if (name == table) {
      count += events;
      return;
    }
  }
  accepted_.emplace_back(std::string(table), events);
}

void Metrics::ObserveAppend(double seconds) {
  size_t bucket = 0;
  while (bucket < kAppendBuckets.size() && seconds > kAppendBuckets[bucket]) ++bucket;
  append_buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  append_nanos_.fetch_add(static_cast<uint64_t>(seconds * 1e9), std::memory_order_relaxed);
}

std::string Metrics::Render(uint64_t syncs, uint64_t seals) const {
  std::string out;
  out.reserve(4096);
  Header(&out, "logroute_http_requests_total", "counter", "HTTP responses sent, by status code.");
  for (unsigned code = 100; code < kMaxStatus; ++code) {
    const uint64_t n = requests_[code].load(std::memory_order_relaxed);
    if (n > 0)
      AppendLine(&out, "logroute_http_requests_total{code=\"%u\"} %llu\n", code,
                 static_cast<unsigned long long>(n));
  }
  Header(&out, "logroute_http_received_bytes_total", "counter", "Request body bytes received.");
  AppendLine(&out, "logroute_http_received_bytes_total %llu\n",
             static_cast<unsigned long long>(bytes_.load(std::memory_order_relaxed)));

  Header(&out, "logroute_events_accepted_total", "counter",
         "Events appended to the spool, by destination table.");
  {
    std::lock_guard<std::mutex> guard(tables_mu_);
    for (const auto& [table, count] : accepted_) {
      AppendLine(&out, "logroute_events_accepted_total{table=\"%s\"} %llu\n", table.c_str(),
                 static_cast<unsigned long long>(count));
    }
  }
  Header(&out, "logroute_events_rejected_total", "counter",
         "Events refused: invalid (validation) or unrouted (no route, reject policy).");
  AppendLine(&out, "logroute_events_rejected_total{reason=\"invalid\"} %llu\n",
             static_cast<unsigned long long>(invalid_.load(std::memory_order_relaxed)));
  AppendLine(&out, "logroute_events_rejected_total{reason=\"unrouted\"} %llu\n",
             static_cast<unsigned long long>(unrouted_.load(std::memory_order_relaxed)));
  Header(&out, "logroute_events_dropped_total", "counter", "Events discarded by --unrouted drop.");
  AppendLine(&out, "logroute_events_dropped_total %llu\n",
             static_cast<unsigned long long>(dropped_.load(std::memory_order_relaxed)));

  Header(&out, "logroute_spool_append_seconds", "histogram",
         "Time of one spool append (one request or one batch).");
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kAppendBuckets.size(); ++i) {
    cumulative += append_buckets_[i].load(std::memory_order_relaxed);
    AppendLine(&out, "logroute_spool_append_seconds_bucket{le=\"%g\"} %llu\n", kAppendBuckets[i],
               static_cast<unsigned long long>(cumulative));
  }
  cumulative += append_buckets_[kAppendBuckets.size()].load(std::memory_order_relaxed);
  AppendLine(&out, "logroute_spool_append_seconds_bucket{le=\"+Inf\"} %llu\n",
             static_cast<unsigned long long>(cumulative));
  AppendLine(&out, "logroute_spool_append_seconds_sum %.9f\n",
             static_cast<double>(append_nanos_.load(std::memory_order_relaxed)) / 1e9);
  AppendLine(&out, "logroute_spool_append_seconds_count %llu\n",
             static_cast<unsigned long long>(cumulative));  // consistent with +Inf

  Header(&out, "logroute_spool_syncs_total", "counter", "fdatasync calls on spool files.");
  AppendLine(&out, "logroute_spool_syncs_total %llu\n", static_cast<unsigned long long>(syncs));
  Header(&out, "logroute_spool_seals_total", "counter", "Active files sealed into segments.");
  AppendLine(&out, "logroute_spool_seals_total %llu\n", static_cast<unsigned long long>(seals));
  return out;
}

}  // namespace logroute::http
