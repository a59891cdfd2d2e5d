// Bearer tokens, listen addresses, metrics text and the DurableQueue.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "libcore/http/auth.h"
#include "libcore/http/durable_queue.h"
#include "libcore/http/listen_address.h"
#include "libcore/http/metrics.h"
#include "tests/support/temp_dir.h"

namespace logroute::http {
namespace {

TEST(BearerMatchesTest, OnlyTheExactToken) {
  EXPECT_TRUE(BearerMatches("Bearer abc123", "abc123"));
  EXPECT_TRUE(BearerMatches("bearer abc123", "abc123"));
  EXPECT_FALSE(BearerMatches("Bearer abc12", "abc123"));
  EXPECT_FALSE(BearerMatches("Bearer abc1234", "abc123"));
  EXPECT_FALSE(BearerMatches("Bearer abc124", "abc123"));
  EXPECT_FALSE(BearerMatches("Bearer ", "abc123"));
  EXPECT_FALSE(BearerMatches("Basic abc123", "abc123"));
  EXPECT_FALSE(BearerMatches("", "abc123"));
  EXPECT_FALSE(BearerMatches("Bearer ", ""));
}

TEST(ReadTokenFileTest, FirstLineTrimmedAndNeverEmpty) {
  testing::TempDir dir;
  testing::WriteFileOrDie(dir.Path("t"), "  tok en \r\nsecond\n");
  EXPECT_EQ(ReadTokenFile(dir.Path("t")).value(), "tok en");
  testing::WriteFileOrDie(dir.Path("empty"), "\n");
  EXPECT_EQ(ReadTokenFile(dir.Path("empty")).status().code(), Code::kUsage);
  EXPECT_EQ(ReadTokenFile(dir.Path("missing")).status().code(), Code::kUsage);
}

TEST(ParseListenAddressTest, HostsAndPorts) {
  EXPECT_EQ(ParseListenAddress("127.0.0.1:8000").value().host, "127.0.0.1");
  EXPECT_EQ(ParseListenAddress("127.0.0.1:8000").value().port, 8000);
  EXPECT_EQ(ParseListenAddress("[::1]:0").value().host, "::1");
  EXPECT_EQ(ParseListenAddress("localhost:65535").value().port, 65535);
  for (const char* bad : {"8000", "::1:80", "host:", ":80", "h:65536", "h:-1", "h:8x"}) {
    EXPECT_FALSE(ParseListenAddress(bad).ok()) << bad;
  }
}

TEST(MetricsTest, RendersCountersAndACumulativeHistogram) {
  Metrics m;
  m.CountRequest(201);
  m.CountRequest(201);
  m.CountRequest(400);
  m.CountAccepted("logs", 3);
  m.CountAccepted("other", 1);
  m.AddBytesReceived(10);
  m.ObserveAppend(0.00001);
  m.ObserveAppend(0.003);
  m.ObserveAppend(100);
  const std::string text = m.Render(7, 2);
  for (const char* line : {
           "logroute_http_requests_total{code=\"201\"} 2\n",
           "logroute_http_requests_total{code=\"400\"} 1\n",
           "logroute_events_accepted_total{table=\"logs\"} 3\n",
           "logroute_events_accepted_total{table=\"other\"} 1\n",
           "logroute_http_received_bytes_total 10\n",
           "logroute_spool_append_seconds_bucket{le=\"5e-05\"} 1\n",
           "logroute_spool_append_seconds_bucket{le=\"0.005\"} 2\n",
           "logroute_spool_append_seconds_bucket{le=\"2.5\"} 2\n",
           "logroute_spool_append_seconds_bucket{le=\"+Inf\"} 3\n",
           "logroute_spool_append_seconds_count 3\n",
           "logroute_spool_syncs_total 7\n",
           "logroute_spool_seals_total 2\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << text;
  }
  EXPECT_EQ(text.find("code=\"500\""), std::string::npos);
}

TEST(MetricsTest, UnroutedNamesAreCappedTheRestCountUnderOther) {
  Metrics m;
  for (size_t i = 0; i < Metrics::kMaxUnroutedNames + 50; ++i) {
    m.CountUnroutedName("name-" + std::to_string(i));
  }
  m.CountUnroutedName("name-0");  // an early name keeps its own series
  const std::string text = m.Render(0, 0);
  EXPECT_NE(text.find("logroute_events_unrouted_total{event_name=\"name-0\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("logroute_events_unrouted_total{event_name=\"other\"} 50\n"),
            std::string::npos)
      << text;
  size_t series = 0;
  for (size_t at = text.find("\nlogroute_events_unrouted_total{"); at != std::string::npos;
       at = text.find("\nlogroute_events_unrouted_total{", at + 1)) {
    ++series;
  }
  EXPECT_EQ(series, Metrics::kMaxUnroutedNames + 1);
}

TEST(MetricsTest, UnroutedNamesAreEscapedInLabels) {
  Metrics m;
  m.CountUnroutedName("say \"hi\"\\\n");
  EXPECT_NE(m.Render(0, 0).find("{event_name=\"say \\\"hi\\\"\\\\\\n\"} 1\n"), std::string::npos)
      << m.Render(0, 0);
}

TEST(MetricsTest, EveryClientErrorReasonIsASeriesFromTheStart) {
  Metrics m;
  m.CountClientError(ClientError::kNotFound);
  m.CountClientError(ClientError::kNotFound);
  const std::string text = m.Render(0, 0);
  EXPECT_NE(text.find("logroute_http_client_errors_total{reason=\"not_found\"} 2\n"),
            std::string::npos)
      << text;
  for (size_t i = 0; i < kClientErrorCount; ++i) {
    const std::string name(ClientErrorName(static_cast<ClientError>(i)));
    EXPECT_NE(text.find("logroute_http_client_errors_total{reason=\"" + name + "\"} "),
              std::string::npos)
        << name;
  }
}

TEST(DurableQueueTest, EveryWaiterIsCalledOnceAfterASync) {
  testing::TempDir dir;
  auto spool = spool::Spool::Open(dir.Path("s"), {.shards = 2, .create = true});
  ASSERT_TRUE(spool.ok()) << spool.status().message();
  auto writer = spool::SpoolWriter::Open(*spool, {.fsync = true});
  ASSERT_TRUE(writer.ok());
  std::atomic<int> ok_calls{0};
  constexpr int kAppends = 200;
  {
    DurableQueue queue(**writer, 3);
    for (int i = 0; i < kAppends; ++i) {
      spool::AppendTicket ticket;
      ASSERT_TRUE((*writer)->Append("r\n", &ticket).ok());
      queue.Submit(ticket, [&](const Status& s) {
        if (s.ok()) ++ok_calls;
      });
    }
  }  // the destructor completes everything submitted
  EXPECT_EQ(ok_calls.load(), kAppends);
  EXPECT_GE((*writer)->syncs(), 1u);
}

}  // namespace
}  // namespace logroute::http
