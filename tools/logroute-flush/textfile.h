// logroute-flush --textfile: the metrics of the last pass, for node_exporter's
// textfile collector, written after each pass (a failed one too):
//
//   logroute_flush_last_pass_timestamp_seconds{spool}     when the last pass ended
//   logroute_flush_last_pass_success{spool}               1 when it moved everything, else 0
//   logroute_flush_last_success_timestamp_seconds{spool}  when a pass last moved everything
//                                                         (0: never); carried over from the
//                                                         file a previous run wrote
//   logroute_flush_last_pass_duration_seconds{spool}
//   logroute_flush_last_pass_segments{spool}              segments committed
//   logroute_flush_last_pass_rows{spool,table}            rows committed, by table (0 for
//                                                         a table of the previous file)
//   logroute_flush_last_pass_rejected_records{spool}      records sent to rejects/
//   logroute_flush_last_pass_failed_segments{spool}       segments kept after an error
//   logroute_flush_last_pass_failed_shards{spool}         shards not sealed, or refused
//
// `spool` is the spool's id, as in logroute-stat's metrics (the previous
// file's when the spool could not be opened).
#pragma once

#include <string>
#include <string_view>

#include "libcore/base/status.h"
#include "libcore/flush/flush_pass.h"

namespace logroute::flush {

struct PassMetrics {
  std::string spool_id;  // empty when the spool could not be opened
  double ended_at = 0;   // Unix seconds
  double seconds = 0;    // the whole pass, connecting included
  bool success = false;
  FlushStats stats;
};

// The text for `pass`, given what the previous file held ("" if none).
std::string FormatPassMetrics(const PassMetrics& pass, std::string_view previous);

// Reads the previous file at `path` if there is one, then replaces it
// atomically (metrics::WriteTextfile).
Status WritePassMetrics(const std::string& path, const PassMetrics& pass);

}  // namespace logroute::flush
