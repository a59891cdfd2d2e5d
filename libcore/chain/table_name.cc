#include "libcore/chain/table_name.h"

#include <string>

namespace logroute::chain {
namespace {

bool IsIdentifierChar(char c, bool first) {
  if (c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return !first && c >= '0' && c <= '9';
}

}  // namespace

Status ValidateTableName(std::string_view table) {
  if (table.empty()) return Status::Usage("table name is empty");
  if (table.size() > kMaxTableNameLength) {
    return Status::Usage("table name '" + std::string(table) + "' is longer than " +
                         std::to_string(kMaxTableNameLength) + " characters");
  }
  for (size_t i = 0; i < table.size(); ++i) {
    if (!IsIdentifierChar(table[i], i == 0)) {
      return Status::Usage("table name '" + std::string(table) +
                           "' may only hold letters, digits and '_', and not start with a digit");
    }
  }
  return Status::Ok();
}

}  // namespace logroute::chain
