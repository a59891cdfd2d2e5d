#include "tools/logroute-flush/purge_rejects.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <string>

#include "libcore/spool/reject_file.h"

namespace logroute::flush {
namespace {

bool IsRejectsFile(std::string_view name) {
  // WriteFileAtomic's temporary files are NAME.rej.tmp.PID.
  return name.ends_with(".rej") || name.find(".rej.tmp.") != std::string_view::npos;
}

Status PurgeDir(Env& env, const std::string& dir, int64_t max_age_seconds, int64_t now,
                PurgeStats* stats) {
  LOGROUTE_ASSIGN_OR_RETURN(std::vector<std::string> names, spool::ListNamesEndingIn(env, dir, ""));
  for (const std::string& name : names) {
    if (!IsRejectsFile(name)) continue;
    const std::string path = dir + "/" + name;
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) continue;
      return ErrnoStatus("cannot stat " + path, errno);
    }
    if (!S_ISREG(st.st_mode)) continue;
    if (now - st.st_mtim.tv_sec <= max_age_seconds) {
      ++stats->kept;
      continue;
    }
    if (::unlink(path.c_str()) != 0) {
      if (errno == ENOENT) continue;
      return ErrnoStatus("cannot delete " + path, errno);
    }
    ++stats->files;
    stats->bytes += static_cast<uint64_t>(st.st_size);
  }
  return Status::Ok();
}

}  // namespace

Result<int64_t> ParseAge(std::string_view text) {
  const auto bad = [&] {
    return Status::Usage("'" + std::string(text) +
                         "' is not an age: a number and a unit, s, m, h, d or w (30d, 12h)");
  };
  if (text.size() < 2) return bad();
  int64_t unit;
  switch (text.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    case 'w':
      unit = 7 * 86400;
      break;
    default:
      return bad();
  }
  const std::string_view digits = text.substr(0, text.size() - 1);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  // Up to a thousand years: far past any use, far from overflowing.
  if (ec != std::errc() || end != digits.data() + digits.size() || value < 0 ||
      value > int64_t{1000} * 366 * 86400 / unit) {
    return bad();
  }
  return value * unit;
}

Status PurgeRejects(const spool::Spool& spool, int64_t max_age_seconds, int64_t now,
                    PurgeStats* stats) {
  LOGROUTE_RETURN_IF_ERROR(PurgeDir(spool.env(), spool.RejectsDir(), max_age_seconds, now, stats));
  return PurgeDir(spool.env(), spool.RejectsDir() + "/replayed", max_age_seconds, now, stats);
}

}  // namespace logroute::flush
