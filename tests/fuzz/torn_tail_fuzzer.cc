// libcore/spool/shard: RepairTornTail on arbitrary contents of `active` and
// of the shard's `pending` file, in a real spool on tmpfs.
//
// Input: a flags byte, then (with a pending file) two 16-bit numbers and,
// in raw mode, the pending file's bytes up to a NUL; the rest is `active`.
//   flags & 1: there is a pending file;
//   flags & 2: it is raw bytes; else a well-formed record naming `active`'s
//              inode (or, with flags & 4, another one), at the offset and length given.
// Oracles: the repair succeeds; afterwards `active` is empty or ends in LF, is
// the size returned, and is a prefix of what it was; the bytes cut off are in
// exactly one new rejects/ entry, whose source and position name them, so that
// the bytes kept plus the bytes rejected are the original file.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "libcore/spool/rejects.h"
#include "libcore/spool/shard.h"
#include "tests/fuzz/fuzz_support.h"

namespace logroute::spool {
namespace {

constexpr int kShard = 0;

const Spool& TheSpool() {
  static const Spool* spool = [] {
    Result<Spool> opened =
        Spool::Open(fuzz::ScratchDir() + "/spool", {.shards = 1, .create = true});
    FUZZ_CHECK(opened.ok(), "cannot create the spool: " + opened.status().message());
    return new Spool(*opened);
  }();
  return *spool;
}

// The one call of the code under test.
Result<uint64_t> Repair(const Spool& spool, uint64_t size) {
  LOGROUTE_ASSIGN_OR_RETURN(
      std::unique_ptr<File> active,
      spool.env().Open(spool.ActivePath(kShard), {.access = OpenMode::Access::kReadWrite}));
  return RepairTornTail(spool, kShard, *active, size);
}

std::vector<std::string> RejectFiles(const Spool& spool) {
  std::vector<std::string> names;
  DIR* dir = ::opendir(spool.RejectsDir().c_str());
  if (dir == nullptr) return names;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  return names;
}

void WritePending(const Spool& spool, fuzz::Input& input, const std::string& active) {
  const std::string path = spool.ShardDir(kShard) + "/pending";
  const uint8_t flags = input.Byte();
  if ((flags & 1) == 0) {
    ::unlink(path.c_str());
    return;
  }
  const unsigned offset = input.Byte() | unsigned{input.Byte()} << 8;
  const unsigned length = input.Byte() | unsigned{input.Byte()} << 8;
  if ((flags & 2) != 0) {
    fuzz::WriteFileOrDie(path, input.TakeUntil('\0'));
    return;
  }
  struct stat st;
  FUZZ_CHECK(::stat(active.c_str(), &st) == 0, "cannot stat " + active);
  const auto inode = static_cast<unsigned long long>(st.st_ino) + ((flags & 4) != 0 ? 1 : 0);
  char text[64];
  const int n = std::snprintf(text, sizeof text, "%020llu %020u %020u\n", inode, offset, length);
  fuzz::WriteFileOrDie(path, std::string_view(text, static_cast<size_t>(n)));
}

void CheckRepair(fuzz::Input& input) {
  const Spool& spool = TheSpool();
  const std::string active = spool.ActivePath(kShard);
  fuzz::WriteFileOrDie(active, "");  // the inode first: pending may name it
  WritePending(spool, input, active);
  const std::string original(input.Rest());
  fuzz::WriteFileOrDie(active, original);

  Result<uint64_t> repaired = Repair(spool, original.size());
  FUZZ_CHECK(repaired.ok(), "the repair failed: " + repaired.status().message());

  const std::string kept = fuzz::ReadFileOrDie(active);
  const std::string shown = fuzz::Printable(original.substr(0, 200));
  FUZZ_CHECK(kept.size() == *repaired, "the repair returned " + std::to_string(*repaired) +
                                           ", the file has " + std::to_string(kept.size()) +
                                           " bytes: " + shown);
  FUZZ_CHECK(kept.empty() || kept.back() == '\n',
             "after the repair, the file does not end in LF (" + std::to_string(kept.size()) +
                 " of " + std::to_string(original.size()) + " bytes kept): " + shown);
  FUZZ_CHECK(original.starts_with(kept), "the bytes kept are not the file's first ones: " + shown);

  const std::vector<std::string> rejects = RejectFiles(spool);
  if (kept.size() == original.size()) {
    FUZZ_CHECK(rejects.empty(), "nothing was cut, yet " + rejects.front() + " was written");
    return;
  }
  FUZZ_CHECK(rejects.size() == 1,
             std::to_string(rejects.size()) + " rejects files for one repair: " + shown);
  const std::string path = spool.RejectsDir() + "/" + rejects.front();
  const std::string content = fuzz::ReadFileOrDie(path);
  ::unlink(path.c_str());
  FUZZ_CHECK(!content.empty() && content.back() == '\n' && content.find('\n') == content.size() - 1,
             "the rejects file is not one entry: " + fuzz::Printable(content));
  RejectEntry entry;
  const Status decoded =
      DecodeRejectEntry(std::string_view(content).substr(0, content.size() - 1), &entry);
  FUZZ_CHECK(decoded.ok(), "the rejects entry does not decode: " + decoded.message());
  FUZZ_CHECK(entry.source == spool.ShardName(kShard) + "/active" &&
                 entry.position == "byte " + std::to_string(kept.size()),
             "the entry names " + entry.source + ", " + entry.position + " for a cut at byte " +
                 std::to_string(kept.size()));
  FUZZ_CHECK(kept + entry.data == original, "bytes were lost: " + std::to_string(kept.size()) +
                                                " kept + " + std::to_string(entry.data.size()) +
                                                " rejected of " + std::to_string(original.size()) +
                                                ": " + shown);
}

}  // namespace
}  // namespace logroute::spool

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  logroute::fuzz::Input input(data, size);
  logroute::spool::CheckRepair(input);
  return 0;
}
