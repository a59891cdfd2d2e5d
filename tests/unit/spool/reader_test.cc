#include "libcore/spool/reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace logroute::spool {
namespace {

using testing::TempDir;

struct Line {
  std::string text;
  bool complete;
  bool truncated;
  uint64_t number;
};

// Every line `reader` returns, each kept to its first `keep` bytes.
std::vector<Line> ReadLines(LineReader& reader, size_t keep = 16) {
  std::vector<Line> lines;
  std::string_view line;
  bool complete;
  for (;;) {
    Result<bool> more = reader.Next(&line, &complete);
    EXPECT_TRUE(more.ok());
    if (!more.ok() || !*more) break;
    lines.push_back(
        {std::string(line.substr(0, keep)), complete, reader.truncated(), reader.line_number()});
  }
  return lines;
}

std::vector<Line> ReadAll(const std::string& content) {
  TempDir dir;
  testing::WriteFileOrDie(dir.Path("f"), content);
  Result<std::unique_ptr<File>> file = Env::Default()->Open(dir.Path("f"), {});
  EXPECT_TRUE(file.ok());
  if (!file.ok()) return {};
  LineReader reader(**file, dir.Path("f"));
  return ReadLines(reader);
}

TEST(LineReaderTest, LinesAndALastLineWithoutLf) {
  auto lines = ReadAll("a\nbb\n\nccc");
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].text, "a");
  EXPECT_EQ(lines[2].text, "");
  EXPECT_EQ(lines[3].text, "ccc");
  EXPECT_TRUE(lines[2].complete);
  EXPECT_FALSE(lines[3].complete);
  EXPECT_EQ(lines[3].number, 4u);
}

TEST(LineReaderTest, LinesAcrossBufferRefills) {
  std::string content;
  for (int i = 0; i < 200000; ++i) content += "line number " + std::to_string(i) + "\n";
  auto lines = ReadAll(content);
  ASSERT_EQ(lines.size(), 200000u);
  EXPECT_EQ(lines[123456].text, "line number 1234");  // first 16 bytes kept
  for (const Line& l : lines) EXPECT_FALSE(l.truncated);
}

// A zero-filled region (a power cut) or a hand-made file: memory stays bounded,
// the monster line is reported cut, and the lines after it are intact.
TEST(LineReaderTest, AnOverlongLineIsCutAndTheNextLineIsIntact) {
  const std::string monster(3 * LineReader::kMaxLineBytes + 17, '\0');
  auto lines = ReadAll("first\n" + monster + "\nafter\n");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].text, "first");
  EXPECT_TRUE(lines[1].truncated);
  EXPECT_EQ(lines[1].number, 2u);
  EXPECT_EQ(lines[2].text, "after");
  EXPECT_FALSE(lines[2].truncated);
  EXPECT_EQ(lines[2].number, 3u);
}

TEST(LineReaderTest, AnOverlongLastLineWithoutLfEnds) {
  auto lines = ReadAll("first\n" + std::string(2 * LineReader::kMaxLineBytes, 'x'));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(lines[1].truncated);
}

// A pipe, read back in pieces of at most `piece` bytes.
class PiecesSource final : public ByteSource {
 public:
  PiecesSource(std::string content, size_t piece) : content_(std::move(content)), piece_(piece) {}
  Result<size_t> Read(char* buffer, size_t size) override {
    const size_t n = std::min({size, piece_, content_.size() - offset_});
    content_.copy(buffer, n, offset_);
    offset_ += n;
    return n;
  }

 private:
  std::string content_;
  size_t piece_;
  size_t offset_ = 0;
};

// recv --stdin's limit (--max-line-bytes + 1): a line of `cut_at` bytes or
// more is cut, with as much of it as was read (at least `cut_at` bytes), whether
// its LF came in the same read or not; shorter lines are intact.
TEST(LineReaderTest, ALineOfCutAtBytesOrMoreIsCutWithWhatWasRead) {
  const std::string content = std::string(9, 'a') + "\n" + std::string(10, 'b') + "\n" +
                              std::string(25, 'c') + "\nnext\r\n" + std::string(30, 'd');
  for (size_t piece : {size_t{1}, size_t{4}, size_t{1000}}) {
    PiecesSource source(content, piece);
    LineReader reader(source, "input", 10);
    const std::vector<Line> lines = ReadLines(reader, 100);
    ASSERT_EQ(lines.size(), 5u) << piece;
    EXPECT_EQ(lines[0].text, std::string(9, 'a'));
    EXPECT_FALSE(lines[0].truncated);
    EXPECT_TRUE(lines[1].truncated) << piece;
    EXPECT_TRUE(lines[1].text.starts_with(std::string(10, 'b')) && lines[1].text.size() <= 10)
        << lines[1].text;
    EXPECT_TRUE(lines[2].truncated);
    EXPECT_GE(lines[2].text.size(), 10u);
    EXPECT_EQ(lines[2].text.find_first_not_of('c'), std::string::npos) << lines[2].text;
    EXPECT_EQ(lines[3].text, "next\r");
    EXPECT_FALSE(lines[3].truncated);
    EXPECT_TRUE(lines[4].truncated) << "a last line past the cut, without LF";
    EXPECT_TRUE(lines[4].complete) << "its end is not read";
    EXPECT_EQ(lines[4].number, 5u);
  }
}

}  // namespace
}  // namespace logroute::spool
