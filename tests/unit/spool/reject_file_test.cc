// Reading rejects files back (libcore/spool/reject_file.h): each entry's
// records and the verdict on each, for every shape flush and recv write.
#include "libcore/spool/reject_file.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/support/data_error.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/spool/spool_test_util.h"

namespace logroute::spool {
namespace {

using testing::MakeRecord;

std::string WithoutLf(std::string line) {
  if (!line.empty() && line.back() == '\n') line.pop_back();
  return line;
}

std::string Entry(const std::string& source, const std::string& position, const std::string& reason,
                  const std::string& data) {
  std::string out;
  AppendRejectEntry(source, position, reason, data, &out);
  return out;
}

TEST(RejectFileTest, ARecordRefusedByTheDatabaseIsReplayableWithItsFields) {
  const std::string record = WithoutLf(MakeRecord(42, "log\tin", "logs", 1700000001, 1684129671));
  const std::vector<RejectFileEntry> entries = ParseRejectFile(
      Entry("shard-01/seg-00000000000000000003", "line 7", "refused by the database: x", record));
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_TRUE(entries[0].decoded.ok()) << entries[0].decoded.message();
  EXPECT_FALSE(entries[0].torn_region);
  EXPECT_EQ(entries[0].entry.reason, "refused by the database: x");
  ASSERT_EQ(entries[0].records.size(), 1u);
  const RejectedRecord& r = entries[0].records[0];
  EXPECT_EQ(r.verdict, Replayability::kReplayable);
  EXPECT_EQ(r.why, "");
  EXPECT_EQ(r.line, record);
  EXPECT_EQ(r.recv_ts, 1700000001);
  EXPECT_EQ(r.table, "logs");
  EXPECT_EQ(r.unix_ts, 1684129671);
  EXPECT_EQ(r.user_id, 42);
  EXPECT_EQ(r.event_name, "log\tin");
}

TEST(RejectFileTest, ABadChecksumNeedsForceAndKeepsTheFieldsAsWritten) {
  std::string record = WithoutLf(MakeRecord(42));
  record[record.find("\t42\t") + 1] = '7';  // user 72 now: the checksum no longer matches
  const std::vector<RejectFileEntry> entries =
      ParseRejectFile(Entry("shard-00/seg-00000000000000000001", "line 1", "checksum", record));
  ASSERT_EQ(entries[0].records.size(), 1u);
  const RejectedRecord& r = entries[0].records[0];
  EXPECT_EQ(r.verdict, Replayability::kNeedsForce);
  EXPECT_EQ(r.why, "checksum mismatch (the line was altered or torn)");
  EXPECT_EQ(r.user_id, 72);
}

TEST(RejectFileTest, ALineThatIsNoRecordIsNeverReplayable) {
  for (const std::string& data :
       {std::string("not a record"), std::string(""), WithoutLf(MakeRecord(1)).substr(0, 20),
        std::string("0000000\tshort checksum field")}) {
    const std::vector<RejectFileEntry> entries =
        ParseRejectFile(Entry("shard-00/seg-00000000000000000001", "line 1", "corrupt", data));
    ASSERT_EQ(entries[0].records.size(), 1u) << data;
    EXPECT_EQ(entries[0].records[0].verdict, Replayability::kNever) << data;
    EXPECT_NE(entries[0].records[0].why, "") << data;
  }
}

TEST(RejectFileTest, ATornRegionIsSplitIntoItsRecordsAndItsCutEnd) {
  const std::string a = MakeRecord(1), b = MakeRecord(2);
  std::string bad = MakeRecord(3);
  bad[0] = bad[0] == '0' ? '1' : '0';
  const std::string cut = MakeRecord(4).substr(0, 25);
  const std::vector<RejectFileEntry> entries = ParseRejectFile(
      Entry("shard-02/active", "byte 4096", "torn tail: a writer stopped mid-batch (1 of 2 bytes)",
            a + b + bad + cut));
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_TRUE(entries[0].torn_region);
  const std::vector<RejectedRecord>& r = entries[0].records;
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].verdict, Replayability::kNeedsForce);
  EXPECT_NE(r[0].why.find("torn tail"), std::string::npos) << r[0].why;
  EXPECT_NE(r[0].why.find("twice"), std::string::npos) << r[0].why;
  EXPECT_EQ(r[1].user_id, 2);
  EXPECT_EQ(r[2].verdict, Replayability::kNeedsForce);
  EXPECT_NE(r[2].why.find("checksum mismatch"), std::string::npos) << r[2].why;
  EXPECT_EQ(r[3].verdict, Replayability::kNever);
  EXPECT_EQ(r[3].line, cut);
  EXPECT_NE(r[3].why.find("cut short"), std::string::npos) << r[3].why;
}

TEST(RejectFileTest, ATornRegionEndingInALineEndHasNoCutRecord) {
  const std::vector<RejectFileEntry> entries = ParseRejectFile(
      Entry("shard-00/active", "byte 0", "torn tail", MakeRecord(1) + MakeRecord(2)));
  ASSERT_EQ(entries[0].records.size(), 2u);
  EXPECT_EQ(entries[0].records[1].verdict, Replayability::kNeedsForce);
}

TEST(RejectFileTest, LinesThatAreNoEntriesAreKeptWithTheirReasonAndNumber) {
  const std::string good = Entry("stdin", "line 3", "invalid JSON", "{");
  const std::vector<RejectFileEntry> entries =
      ParseRejectFile(good + "just one field\n" + good.substr(0, good.size() - 1));
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_TRUE(entries[0].decoded.ok()) << entries[0].decoded.message();
  EXPECT_EQ(entries[0].text, good);
  EXPECT_EQ(entries[1].line_number, 2u);
  EXPECT_EQ(logroute::testing::DataErrorReason(entries[1].decoded), "too few fields (4 expected)");
  EXPECT_TRUE(entries[1].records.empty());
  EXPECT_TRUE(entries[2].decoded.ok()) << "a last line without LF is an entry too";
  EXPECT_EQ(entries[2].line_number, 3u);
}

TEST(RejectFileTest, ReadsAFileAndListsNames) {
  logroute::testing::TempDir dir;
  logroute::testing::WriteFileOrDie(dir.Path("b.rej"), Entry("s", "line 1", "r", "d"));
  logroute::testing::WriteFileOrDie(dir.Path("a.rej"), "");
  logroute::testing::WriteFileOrDie(dir.Path("a.rej.tmp.1"), "");
  Result<std::vector<RejectFileEntry>> entries = ReadRejectFile(*Env::Default(), dir.Path("b.rej"));
  ASSERT_TRUE(entries.ok()) << entries.status().message();
  EXPECT_EQ(entries->size(), 1u);
  EXPECT_FALSE(ReadRejectFile(*Env::Default(), dir.Path("missing.rej")).ok());
  Result<std::vector<std::string>> names = ListNamesEndingIn(*Env::Default(), dir.path(), ".rej");
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"a.rej", "b.rej"}));
  names = ListNamesEndingIn(*Env::Default(), dir.Path("none"), ".rej");
  ASSERT_TRUE(names.ok());
  EXPECT_TRUE(names->empty());
}

}  // namespace
}  // namespace logroute::spool
