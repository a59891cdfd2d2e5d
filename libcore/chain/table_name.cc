#include "libcore/chain/table_name.h"

#include <string>

namespace logroute::chain {
namespace {

bool IsIdentifierChar(char c, bool first) {
  if (c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return !first && c >= '0' && c <= '9';
}

bool EqualsLowercase(std::string_view name, std::string_view lower) {
  if (name.size() != lower.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i] >= 'A' && name[i] <= 'Z' ? static_cast<char>(name[i] + 32) : name[i];
    if (c != lower[i]) return false;
  }
  return true;
}

}  // namespace

bool IsReservedTableName(std::string_view table) {
  if (table.size() >= 7 && EqualsLowercase(table.substr(0, 7), "sqlite_")) return true;
  for (std::string_view name :
       {"logroute_ledger", "information_schema", "performance_schema", "mysql"}) {
    if (EqualsLowercase(table, name)) return true;
  }
  return false;
}

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
  if (IsReservedTableName(table)) {
    return Status::Usage("table name '" + std::string(table) +
                         "' is reserved (the ledger's, or the database's own)");
  }
  return Status::Ok();
}

}  // namespace logroute::chain
