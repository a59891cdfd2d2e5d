#include "libcore/spool/rejects.h"

#include <iterator>

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

Status DecodeRejectEntry(std::string_view line, RejectEntry* entry) {
  std::string* const fields[] = {&entry->source, &entry->position, &entry->reason, &entry->data};
  for (size_t i = 0; i < std::size(fields); ++i) {
    const bool last = i + 1 == std::size(fields);
    const size_t tab = line.find('\t');
    if (!last && tab == std::string_view::npos) {
      return Status::DataError("too few fields (4 expected)");
    }
    if (last && tab != std::string_view::npos) {
      return Status::DataError("too many fields (4 expected)");
    }
    fields[i]->clear();
    if (!AppendUnescapedBytes(line.substr(0, tab), fields[i])) {
      return Status::DataError("field " + std::to_string(i + 1) +
                               " is not escaped as AppendEscapedBytes writes");
    }
    if (!last) line.remove_prefix(tab + 1);
  }
  return Status::Ok();
}

Status WriteRejects(const Spool& spool, std::string_view stem, std::string_view entries) {
  LOGROUTE_RETURN_IF_ERROR(spool.env().MakeDir(spool.RejectsDir()));
  return WriteFileAtomic(spool.env(), spool.RejectsDir() + "/" + std::string(stem) + ".rej",
                         entries);
}

}  // namespace logroute::spool
