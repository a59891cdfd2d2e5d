// libcore/sink/dsn: ParseMysqlDsn on arbitrary text, on DSNs holding a
// password, and on DSNs built from arbitrary parts.
//
// The first byte picks the mode:
//   0: the rest is the DSN, as it is;
//   1: the rest is a user (up to a NUL) and the rest of a DSN, with a
//      password between them ("mysql://USER:PASSWORD@REST");
//   2: the rest gives the parts (user, host, port, database, parameters),
//      which are percent-encoded into a DSN.
// Oracles: no crash or exception; an error is a usage error that never shows
// a password; a parsed DSN has parameters that it gave, a port of 0 to 65535, and
// its user and database percent-decoded as RFC 3986 says (%XX with two hex
// digits, anything else as it is); a DSN built from parts parses to those parts.
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "libcore/sink/dsn.h"
#include "tests/fuzz/fuzz_support.h"

namespace logroute::sink {
namespace {

constexpr std::string_view kScheme = "mysql://";
constexpr std::string_view kPassword = "Pa55w0rd-1n-a-DSN";
// Some of the keys dsn.cc knows, for the DSNs built from parts.
constexpr const char* kKnownKeys[] = {"socket",   "ssl-mode", "ssl-ca",
                                      "ssl-cert", "ssl-key",  "bulk"};

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string ReferenceDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexDigit(text[i + 1]) >= 0 &&
        HexDigit(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexDigit(text[i + 1]) * 16 + HexDigit(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string Encode(std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

void CheckParsed(std::string_view dsn, const MysqlDsn& parsed) {
  const std::string shown = fuzz::Printable(dsn);
  for (const auto& [key, value] : parsed.params) {
    // Which keys are known is dsn.cc's list; here: each key is one the DSN gave.
    const std::string_view query = dsn.substr(std::min(dsn.find('?'), dsn.size()));
    FUZZ_CHECK(!key.empty() && key.find_first_of("&=") == std::string::npos &&
                   (query.starts_with("?" + key + "=") ||
                    query.find("&" + key + "=") != std::string_view::npos),
               "parameter " + fuzz::Printable(key) + " is not in the DSN: " + shown);
  }
  FUZZ_CHECK(parsed.port <= 65535, "port " + std::to_string(parsed.port) + ": " + shown);
  FUZZ_CHECK(!parsed.database.empty(), "no database, yet parsed: " + shown);
  FUZZ_CHECK(parsed.text == dsn, "text is not the DSN given: " + shown);

  std::string_view rest = dsn.substr(kScheme.size());
  rest = rest.substr(0, rest.find('?'));
  const size_t slash = rest.find('/');
  FUZZ_CHECK(slash != std::string_view::npos, "no '/' before the database, yet parsed: " + shown);
  FUZZ_CHECK(parsed.database == ReferenceDecode(rest.substr(slash + 1)),
             "the database decodes to " + fuzz::Printable(parsed.database) + ": " + shown);
  const std::string_view authority = rest.substr(0, slash);
  const size_t at = authority.rfind('@');
  const std::string_view user = at == std::string_view::npos ? "" : authority.substr(0, at);
  FUZZ_CHECK(parsed.user == ReferenceDecode(user),
             "the user decodes to " + fuzz::Printable(parsed.user) + ": " + shown);
}

// `password`: the DSN holds kPassword in its user part.
void Check(std::string_view dsn, bool password) {
  Result<MysqlDsn> parsed = ParseMysqlDsn(dsn);
  if (parsed.ok()) {
    FUZZ_CHECK(dsn.starts_with(kScheme), "parsed without the scheme: " + fuzz::Printable(dsn));
    CheckParsed(dsn, *parsed);
    return;
  }
  FUZZ_CHECK(parsed.status().code() == Code::kUsage,
             "not a usage error: " + parsed.status().message());
  FUZZ_CHECK(!password || parsed.status().message().find(kPassword) == std::string::npos,
             "the error shows the password: " + parsed.status().message());
}

// A DSN from parts, each percent-encoded; checks that it parses to them.
void CheckBuilt(fuzz::Input& input) {
  const std::string user(input.TakeUntil('\0'));
  std::string host(input.TakeUntil('\0'));
  const unsigned port = input.Byte() | unsigned{input.Byte()} << 8;
  const std::string database(input.TakeUntil('\0'));
  std::map<std::string, std::string> params;
  while (!input.empty()) {
    const char* key = kKnownKeys[input.Byte() % std::size(kKnownKeys)];
    params[key] = std::string(input.TakeUntil('\0'));
  }
  // A host is not encoded: keep to the characters of names and addresses.
  for (char& c : host) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) c = 'h';
  }
  if (host.empty() || database.empty()) return;

  std::string dsn(kScheme);
  if (!user.empty()) dsn += Encode(user) + "@";
  dsn += host;
  if (port != 0) dsn += ':' + std::to_string(port);
  dsn += '/' + Encode(database);
  char separator = '?';
  for (const auto& [key, value] : params) {
    dsn += separator + key + "=" + Encode(value);
    separator = '&';
  }
  Result<MysqlDsn> parsed = ParseMysqlDsn(dsn);
  FUZZ_CHECK(parsed.ok(), "a well-formed DSN is refused (" + parsed.status().message() + ")");
  FUZZ_CHECK(parsed->user == user && parsed->host == host && parsed->port == port &&
                 parsed->database == database && parsed->params == params,
             "the parts do not come back from " + fuzz::Printable(dsn));
  CheckParsed(dsn, *parsed);
}

}  // namespace
}  // namespace logroute::sink

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace logroute;
  fuzz::Input input(data, size);
  switch (input.Byte() % 3) {
    case 0:
      sink::Check(input.Rest(), /*password=*/false);
      break;
    case 1: {
      // The user part ends at no '/' or '?', so that the password is in it.
      std::string user(input.TakeUntil('\0'));
      std::erase_if(user, [](char c) { return c == '/' || c == '?'; });
      sink::Check(std::string(sink::kScheme) + user + ":" + std::string(sink::kPassword) + "@" +
                      std::string(input.Rest()),
                  /*password=*/true);
      break;
    }
    default:
      sink::CheckBuilt(input);
  }
  return 0;
}
