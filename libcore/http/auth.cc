#include "libcore/http/auth.h"

#include <fstream>
#include <sstream>

namespace logroute::http {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

Result<std::string> ReadTokenFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Usage("cannot read the token file " + path);
  std::string line;
  std::getline(in, line);
  const std::string token(Trim(line));
  if (token.empty()) return Status::Usage("the token file " + path + " holds no token");
  return token;
}

bool BearerMatches(std::string_view authorization, std::string_view token) {
  static constexpr std::string_view kScheme = "bearer ";
  if (token.empty() || authorization.size() < kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    char c = authorization[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kScheme[i]) return false;
  }
  const std::string_view given = Trim(authorization.substr(kScheme.size()));
  // No early exit on a mismatch, and the loop length depends only on the
  // client's input: timing reveals neither the token nor its length.
  unsigned diff = given.size() == token.size() ? 0 : 1;
  for (size_t i = 0; i < given.size(); ++i) {
    diff |=
        static_cast<unsigned char>(given[i]) ^ static_cast<unsigned char>(token[i % token.size()]);
  }
  return diff == 0;
}

}  // namespace logroute::http
