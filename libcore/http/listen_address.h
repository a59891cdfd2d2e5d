// HOST:PORT as --listen takes it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "libcore/base/result.h"

namespace logroute::http {

struct ListenAddress {
  std::string host;  // "127.0.0.1", "::1" (brackets removed), "localhost"
  uint16_t port = 0;
};

// Parses "HOST:PORT" or "[IPV6]:PORT"; port 0 asks for a free one. Usage
// error naming the input otherwise.
Result<ListenAddress> ParseListenAddress(std::string_view text);

}  // namespace logroute::http
