// Spool records (doc/spool-format.md, "Records"): the exact encoding, the
// round trip of every name, and the detection of every kind of corruption.
#include "libcore/spool/record.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "libcore/base/crc32c.h"
#include "tests/unit/spool/spool_test_util.h"

namespace logroute::spool {
namespace {

using testing::MakeRecord;

// A line (without LF) with a correct checksum over `payload`.
std::string Checksummed(const std::string& payload) {
  char crc[9];
  std::snprintf(crc, sizeof crc, "%08x", Crc32c(payload));
  return std::string(crc) + "\t" + payload;
}

std::string WithoutLf(std::string record) {
  EXPECT_EQ(record.back(), '\n');
  record.pop_back();
  return record;
}

TEST(RecordTest, ExactEncoding) {
  const std::string payload = "1700000000\tlogs\t1684129671\t123456\tlogin";
  EXPECT_EQ(MakeRecord(123456, "login", "logs", 1700000000, 1684129671),
            Checksummed(payload) + "\n");
  EXPECT_EQ(MakeRecord(-5, "a\\b\tc\nd\re", "t", -1, -2),
            Checksummed("-1\tt\t-2\t-5\ta\\\\b\\tc\\nd\\re") + "\n");
  EXPECT_EQ(MakeRecord(1, std::string("x\0y", 3), "t", 0, 0),
            Checksummed("0\tt\t0\t1\tx\\0y") + "\n");
}

// Format 2: an event's id is one more field, after the name; an event without
// one is written as format 1 wrote it.
TEST(RecordTest, ExactEncodingWithAnEventId) {
  std::string out;
  AppendRecord({1, 2, "a\tb", "0f8fad5b-d9cb-469f-a165-70867728950e"}, "t", 3, &out);
  EXPECT_EQ(out, Checksummed("3\tt\t1\t2\ta\\tb\t0f8fad5b-d9cb-469f-a165-70867728950e") + "\n");
  const std::string line = WithoutLf(out);  // the record's fields point into it
  const Result<Record> record = DecodeRecord(line);
  ASSERT_TRUE(record.ok()) << record.status().message();
  EXPECT_EQ(record->escaped_name, "a\\tb");
  EXPECT_EQ(record->event_id, "0f8fad5b-d9cb-469f-a165-70867728950e");
  EXPECT_EQ(RecordTable(out), "t");
  EXPECT_EQ(RecordRecvTime(line), 3);
}

// Format 1, as its writers left it on disk (literal bytes): still a record.
TEST(RecordTest, AFormatOneRecordIsStillRead) {
  const Result<Record> record =
      DecodeRecord("af7f76d1\t1700000000\tlogs\t1684129671\t123456\tlogin");
  ASSERT_TRUE(record.ok()) << record.status().message();
  EXPECT_EQ(record->escaped_name, "login");
  EXPECT_EQ(record->event_id, "");
  EXPECT_EQ(record->user_id, 123456);
}

TEST(RecordTest, EveryFlippedBitOfAnEventIdIsDetected) {
  const std::string line = WithoutLf(MakeRecord(5, "n"));
  std::string with_id;
  AppendRecord({1, 2, "n", "id-1"}, "t", 3, &with_id);
  with_id = WithoutLf(with_id);
  for (size_t i = 0; i < with_id.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string corrupt = with_id;
      corrupt[i] = static_cast<char>(corrupt[i] ^ (1 << bit));
      EXPECT_FALSE(DecodeRecord(corrupt).ok()) << i << " " << bit;
    }
  }
  // Cutting the id off, or its TAB, is detected too.
  EXPECT_FALSE(DecodeRecord(with_id.substr(0, with_id.size() - 5)).ok());
  EXPECT_FALSE(DecodeRecord(line + "\tid").ok());
}

TEST(RecordTest, AppendKeepsWhatIsAlreadyInTheBuffer) {
  std::string out = "earlier\n";
  AppendRecord({1, 2, "n"}, "t", 3, &out);
  EXPECT_EQ(out, "earlier\n" + Checksummed("3\tt\t1\t2\tn") + "\n");
}

TEST(RecordTest, RoundTripOfEveryName) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  std::string all_bytes;
  for (int c = 1; c < 256; ++c) all_bytes.push_back(static_cast<char>(c));
  const std::vector<std::string> names = {
      "login",
      "tab\there",
      "line\nfeed",
      "carriage\rreturn",
      "back\\slash",
      std::string("nul\0byte", 8),
      std::string("\0", 1),
      "\\0",  // a backslash then '0': must not come back as NUL
      "\\",   // a lone backslash
      "ends with \\",
      "\\t\\n\\r\\\\",
      "\t\n\r\\",
      "\xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80 \xE2\x82\xAC",
      std::string(255, 'z'),
      all_bytes,
  };
  for (const std::string& name : names) {
    const std::string line = WithoutLf(MakeRecord(kMax, name, "unrouted_events", kMin, kMin));
    EXPECT_EQ(line.find('\n'), std::string::npos);
    const Result<Record> record = DecodeRecord(line);
    ASSERT_TRUE(record.ok()) << line << ": " << record.status().message();
    EXPECT_EQ(record->recv_ts, kMin);
    EXPECT_EQ(record->table, "unrouted_events");
    EXPECT_EQ(record->unix_ts, kMin);
    EXPECT_EQ(record->user_id, kMax);
    std::string unescaped = "stale content";
    UnescapeName(record->escaped_name, &unescaped);
    EXPECT_EQ(unescaped, name);
    EXPECT_EQ(RecordRecvTime(line), kMin);
  }
}

TEST(RecordTest, EveryFlippedBitIsDetected) {
  const std::string line = WithoutLf(MakeRecord(123456, "login\tx\\", "logs", 1700000000));
  ASSERT_TRUE(DecodeRecord(line).ok());
  for (size_t i = 0; i < line.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string corrupt = line;
      corrupt[i] = static_cast<char>(corrupt[i] ^ (1 << bit));
      EXPECT_FALSE(DecodeRecord(corrupt).ok()) << "byte " << i << " bit " << bit << ": " << corrupt;
    }
  }
}

TEST(RecordTest, TruncatedOrExtendedLinesAreDetected) {
  const std::string line = WithoutLf(MakeRecord(42));
  for (size_t length = 0; length < line.size(); ++length) {
    EXPECT_FALSE(DecodeRecord(line.substr(0, length)).ok()) << length;
  }
  EXPECT_FALSE(DecodeRecord(line + "x").ok());
  EXPECT_FALSE(DecodeRecord(line + "\r").ok());
  EXPECT_FALSE(DecodeRecord(line + line).ok());  // two records glued together
}

TEST(RecordTest, EachCorruptionHasItsReason) {
  struct Case {
    std::string line;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"", "not a spool record (no checksum field)"},
      {"abc", "not a spool record (no checksum field)"},
      {"0123456789\t1\tt\t1\t1\tx", "not a spool record (no checksum field)"},
      {"zzzzzzzz\t1\tt\t1\t1\tx", "checksum field is not hex"},
      {"-1234567\t1\tt\t1\t1\tx", "checksum field is not hex"},
      {"0000000g\t1\tt\t1\t1\tx", "checksum field is not hex"},
      {"00000000\t1\tt\t1\t1\tx", "checksum mismatch (the line was altered or torn)"},
      {Checksummed("1\tt\t1\t1"), "too few fields"},
      {Checksummed("1\tt\t1"), "too few fields"},
      {Checksummed(""), "too few fields"},
      {Checksummed("1\tt\t1\t1\tx\ty\tz"), "too many fields"},
      {Checksummed("1\tt\t1\t1\tx\t"), "event_id is invalid"},
      {Checksummed("1\tt\t1\t1\tx\ta b"), "event_id is invalid"},
      {Checksummed("1\tt\t1\t1\tx\t" + std::string(65, 'i')), "event_id is invalid"},
      {Checksummed("x\tt\t1\t1\tx"), "recv_ts is not an integer"},
      {Checksummed("\tt\t1\t1\tx"), "recv_ts is not an integer"},
      {Checksummed("99999999999999999999\tt\t1\t1\tx"), "recv_ts is not an integer"},
      {Checksummed("1\t9t\t1\t1\tx"), "table name is invalid"},
      {Checksummed("1\t\t1\t1\tx"), "table name is invalid"},
      {Checksummed("1\tlogroute_ledger\t1\t1\tx"),
       "table name 'logroute_ledger' is reserved (the ledger's, or the database's own)"},
      {Checksummed("1\tSQLITE_master\t1\t1\tx"),
       "table name 'SQLITE_master' is reserved (the ledger's, or the database's own)"},
      {Checksummed("1\tt\t1.5\t1\tx"), "unix_ts is not an integer"},
      {Checksummed("1\tt\t+1\t1\tx"), "unix_ts is not an integer"},
      {Checksummed("1\tt\t1\t 1\tx"), "user_id is not an integer"},
      {Checksummed("1\tt\t1\t-9223372036854775809\tx"), "user_id is not an integer"},
      {Checksummed("1\tt\t1\t1\t"), "event_name is empty"},
  };
  for (const Case& c : cases) {
    const Result<Record> record = DecodeRecord(c.line);
    ASSERT_FALSE(record.ok()) << c.line;
    EXPECT_EQ(record.status().code(), Code::kDataError) << c.line;
    EXPECT_EQ(record.status().message(), c.reason) << c.line;
  }
}

TEST(RecordTest, RecordRecvTime) {
  EXPECT_EQ(RecordRecvTime(WithoutLf(MakeRecord(1, "x", "t", 1234))), 1234);
  EXPECT_EQ(RecordRecvTime(""), -1);
  EXPECT_EQ(RecordRecvTime("garbage"), -1);
  EXPECT_EQ(RecordRecvTime("00000000\t12"), -1);  // no TAB after the time: torn
  EXPECT_EQ(RecordRecvTime("00000000\tx\tt"), -1);
}

TEST(RecordTest, EscapedBytesForRejects) {
  std::string out;
  AppendEscapedBytes(std::string("a\\b\tc\nd\re\x01\x7f\0z\xC3\xA9", 15), &out);
  EXPECT_EQ(out, "a\\\\b\\tc\\nd\\re\\x01\\x7f\\x00z\xC3\xA9");
}

TEST(RecordTest, EscapedBytesRoundTripForEveryByte) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  std::string escaped, back;
  AppendEscapedBytes(all, &escaped);
  EXPECT_EQ(escaped.find_first_of("\t\n"), std::string::npos);
  ASSERT_TRUE(AppendUnescapedBytes(escaped, &back));
  EXPECT_EQ(back, all);
}

TEST(RecordTest, UnescapedBytesTakesAnyHexEscape) {
  std::string out = "kept:";
  ASSERT_TRUE(AppendUnescapedBytes("\\x41\\xff\\x0a\\xA9", &out));
  EXPECT_EQ(out, "kept:A\xff\n\xa9");
}

TEST(RecordTest, UnescapedBytesRefusesWhatTheEscaperNeverWrites) {
  for (const char* bad :
       {"a\tb", "a\nb", "trailing\\", "\\q", "\\0", "\\x", "\\x4", "\\x4g", "\\xg4", "\\x+1"}) {
    std::string out;
    EXPECT_FALSE(AppendUnescapedBytes(bad, &out)) << bad;
  }
}

}  // namespace
}  // namespace logroute::spool
