#include "libcore/sink/dsn.h"

#include <charconv>

namespace logroute::sink {
namespace {

std::string PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned value = 0;
    // Two hex digits, or the '%' stands for itself: "%4g" is not "\x04".
    if (text[i] == '%' && i + 2 < text.size() &&
        std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16).ptr ==
            text.data() + i + 3) {
      out.push_back(static_cast<char>(value));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

}  // namespace

Result<MysqlDsn> ParseMysqlDsn(std::string_view dsn) {
  MysqlDsn parsed;
  parsed.text = std::string(dsn);
  auto bad = [&](const std::string& why) {
    return Status::Usage("--db '" + parsed.text + "': " + why +
                         " (expected mysql://USER@HOST:PORT/DB or "
                         "mysql://USER@localhost/DB?socket=PATH)");
  };
  constexpr std::string_view kScheme = "mysql://";
  if (!dsn.starts_with(kScheme)) return bad("it does not start with mysql://");
  std::string_view rest = dsn.substr(kScheme.size());
  std::string_view query;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  // The user part first: every other error message shows the DSN, and a
  // password must never reach a message.
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view user = authority.substr(0, at);
    if (user.find(':') != std::string_view::npos) {
      return Status::Usage(
          "--db: a password in the DSN would show in `ps` and in logs; use "
          "MYSQL_PWD, an option file ([client] or [logroute]) or --password-file");
    }
    parsed.user = PercentDecode(user);
    authority.remove_prefix(at + 1);
  }
  if (slash == std::string_view::npos || slash + 1 >= rest.size()) return bad("no database name");
  parsed.database = PercentDecode(rest.substr(slash + 1));
  std::string_view port;
  if (authority.starts_with('[')) {  // [::1]:3306
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unclosed '[' in the host");
    parsed.host = std::string(authority.substr(1, close - 1));
    authority.remove_prefix(close + 1);
    if (authority.starts_with(':'))
      port = authority.substr(1);
    else if (!authority.empty())
      return bad("junk after the host");
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    parsed.host = std::string(authority.substr(0, colon));
    port = authority.substr(colon + 1);
  } else {
    parsed.host = std::string(authority);
  }
  if (!port.empty()) {
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), parsed.port);
    if (ec != std::errc() || end != port.data() + port.size() || parsed.port == 0 ||
        parsed.port > 65535) {
      return bad("port '" + std::string(port) + "' is not a number from 1 to 65535");
    }
  }
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos)
      return bad("parameter '" + std::string(pair) + "' has no '='");
    std::string key(pair.substr(0, eq));
    static const char* const kKnown[] = {"socket",  "ssl-mode", "ssl-ca",    "ssl-cert",
                                         "ssl-key", "bulk",     "max-packet"};
    bool known = false;
    for (const char* k : kKnown) known |= key == k;
    if (!known) return bad("unknown parameter '" + key + "'");
    parsed.params[key] = PercentDecode(pair.substr(eq + 1));
  }
  return parsed;
}

}  // namespace logroute::sink
