// Bearer tokens for --token-file.
#pragma once

#include <string>
#include <string_view>

#include "libcore/base/result.h"

namespace logroute::http {

// The token in `path`: its first line, surrounding whitespace removed. Usage
// error when the file cannot be read or holds no token.
Result<std::string> ReadTokenFile(const std::string& path);

// True when `authorization` is "Bearer <token>" (scheme case-insensitive).
// The comparison takes the same time wherever the bytes differ, so response
// times tell nothing about the token. An empty `token` matches nothing.
bool BearerMatches(std::string_view authorization, std::string_view token);

}  // namespace logroute::http
