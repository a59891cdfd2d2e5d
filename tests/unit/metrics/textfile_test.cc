#include "libcore/metrics/textfile.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/temp_dir.h"

namespace logroute::metrics {
namespace {

mode_t ModeOf(const std::string& path) {
  struct stat st = {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

TEST(TextfileTest, ReplacesTheFileAndLeavesNoTemporary) {
  testing::TempDir dir;
  const std::string path = dir.Path("logroute.prom");
  ASSERT_TRUE(WriteTextfile(path, "a 1\n").ok());
  ASSERT_TRUE(WriteTextfile(path, "a 2\n").ok());
  EXPECT_EQ(testing::ReadFileOrDie(path), "a 2\n");
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    ++files;
    EXPECT_EQ(entry.path().filename(), "logroute.prom");
  }
  EXPECT_EQ(files, 1u);
}

TEST(TextfileTest, IsReadableByEveryoneWhateverTheUmask) {
  testing::TempDir dir;
  const mode_t old_mask = ::umask(077);
  const Status status = WriteTextfile(dir.Path("m.prom"), "a 1\n");
  ::umask(old_mask);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(ModeOf(dir.Path("m.prom")), 0644u);
}

TEST(TextfileTest, AMissingDirectoryIsCannotCreateNamingThePath) {
  testing::TempDir dir;
  const Status status = WriteTextfile(dir.Path("no/such/m.prom"), "a 1\n");
  EXPECT_EQ(status.code(), Code::kCannotCreate);
  EXPECT_NE(status.message().find(dir.Path("no/such/m.prom")), std::string::npos)
      << status.message();
}

TEST(TextfileTest, ADirectoryInTheWayKeepsItAndLeavesNoTemporary) {
  testing::TempDir dir;
  std::filesystem::create_directory(dir.Path("m.prom"));
  const Status status = WriteTextfile(dir.Path("m.prom"), "a 1\n");
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("rename"), std::string::npos) << status.message();
  size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    ++files;
  }
  EXPECT_EQ(files, 1u) << "the temporary file is removed";
}

}  // namespace
}  // namespace logroute::metrics
