#include "libcore/spool/rejects.h"

#include "libcore/base/file_util.h"
#include "libcore/spool/record.h"

namespace logroute::spool {

void AppendRejectEntry(std::string_view source, std::string_view position, std::string_view reason,
                       std::string_view data, std::string* out) {
  AppendEscapedBytes(source, out);
  out->push_back('\t');
  AppendEscapedBytes(position, out);
  out->push_back('\t');
  AppendEscapedBytes(reason, out);
  out->push_back('\t');
  AppendEscapedBytes(data, out);
  out->push_back('\n');
}

Status WriteRejects(const Spool& spool, std::string_view stem, std::string_view entries) {
  LOGROUTE_RETURN_IF_ERROR(MakeDir(spool.RejectsDir()));
  return WriteFileAtomic(spool.RejectsDir() + "/" + std::string(stem) + ".rej", entries);
}

}  // namespace logroute::spool
