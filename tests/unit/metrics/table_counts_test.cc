#include "libcore/metrics/table_counts.h"

#include <gtest/gtest.h>

namespace logroute::metrics {
namespace {

TEST(TableCountsTest, TablesKeepTheOrderOfTheirFirstUse) {
  TableCounts counts;
  counts["signups"] += 1;
  counts["logs"] += 2;
  counts["signups"] += 3;
  EXPECT_EQ(counts.size(), 2u);
  EXPECT_EQ(FormatTableCounts(counts), "signups:4,logs:2");
}

TEST(TableCountsTest, NoTableReadsAsADash) {
  TableCounts counts;
  EXPECT_TRUE(counts.empty());
  EXPECT_EQ(FormatTableCounts(counts), "-");
}

TEST(TableCountsTest, AddingCountsMergesTheTablesBothHave) {
  TableCounts total, batch;
  total["logs"] += 5;
  batch["other"] += 1;
  batch["logs"] += 2;
  AddCounts(batch, &total);
  EXPECT_EQ(FormatTableCounts(total), "logs:7,other:1");
}

TEST(TableCountsTest, SortByTableOrdersByName) {
  struct Waiting {
    uint64_t events = 0;
    int64_t oldest = -1;
  };
  PerTable<Waiting> tables;
  tables["zeta"].events = 1;
  tables["alpha"].events = 2;
  EXPECT_EQ(tables["beta"].oldest, -1) << "a new table starts from its counts' defaults";
  tables.SortByTable();
  std::vector<std::string> names;
  for (const auto& [name, waiting] : tables) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"alpha", "beta", "zeta"}));
}

}  // namespace
}  // namespace logroute::metrics
