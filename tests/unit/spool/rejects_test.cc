// Entries of rejects/ (doc/spool-format.md, "Rejects"): written by
// AppendRejectEntry, read back by DecodeRejectEntry.
#include "libcore/spool/rejects.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/support/data_error.h"

namespace logroute::spool {
namespace {

using logroute::testing::DataErrorReason;

TEST(RejectEntryTest, RoundTripOfFieldsHoldingTheSeparators) {
  const std::string data("a\tb\nc\\d\re\0f\x7f\xC3\xA9", 14);
  std::string line;
  AppendRejectEntry("shard-03/seg-00000000000000000012", "line 17", "checksum mismatch\t!", data,
                    &line);
  ASSERT_EQ(line.back(), '\n');
  line.pop_back();
  EXPECT_EQ(line.find('\n'), std::string::npos);
  RejectEntry entry;
  ASSERT_TRUE(DecodeRejectEntry(line, &entry).ok());
  EXPECT_EQ(entry.source, "shard-03/seg-00000000000000000012");
  EXPECT_EQ(entry.position, "line 17");
  EXPECT_EQ(entry.reason, "checksum mismatch\t!");
  EXPECT_EQ(entry.data, data);
}

TEST(RejectEntryTest, EmptyFields) {
  std::string line;
  AppendRejectEntry("", "", "", "", &line);
  EXPECT_EQ(line, "\t\t\t\n");
  RejectEntry entry{"x", "x", "x", "x"};
  ASSERT_TRUE(DecodeRejectEntry("\t\t\t", &entry).ok());
  EXPECT_EQ(entry.source + entry.position + entry.reason + entry.data, "");
}

TEST(RejectEntryTest, EachMalformedLineHasItsReason) {
  RejectEntry entry;
  EXPECT_EQ(DataErrorReason(DecodeRejectEntry("a\tb\tc", &entry)), "too few fields (4 expected)");
  EXPECT_EQ(DataErrorReason(DecodeRejectEntry("a\tb\tc\td\te", &entry)),
            "too many fields (4 expected)");
  EXPECT_EQ(DataErrorReason(DecodeRejectEntry("a\tb\\q\tc\td", &entry)),
            "field 2 is not escaped as AppendEscapedBytes writes");
  EXPECT_EQ(DataErrorReason(DecodeRejectEntry("a\tb\tc\td\\", &entry)),
            "field 4 is not escaped as AppendEscapedBytes writes");
}

}  // namespace
}  // namespace logroute::spool
