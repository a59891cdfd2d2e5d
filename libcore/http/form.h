// HTML form bodies, which the original service's API also took (Django REST
// framework's default parsers): application/x-www-form-urlencoded and
// multipart/form-data. Decoding only: the fields are then judged as an
// event by event::EventParser::ParseFields.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "libcore/base/status.h"

namespace logroute::http {

using FormFields = std::vector<std::pair<std::string, std::string>>;

// More fields than this is an error, as in Django (DATA_UPLOAD_MAX_NUMBER_FIELDS).
inline constexpr size_t kMaxFormFields = 1000;

// Decodes `name=value&...` as Django does (parse_qsl, keep_blank_values):
// '+' is a space, %XX a byte (a '%' without two hex digits stays as it is),
// a field without '=' has an empty value, empty fields are skipped. DataError
// saying why the body is refused (more than kMaxFormFields fields).
Status DecodeUrlEncoded(std::string_view body, FormFields* fields);

// The value of the parameter `name` (case-insensitive, quotes removed) of a
// header value such as `multipart/form-data; boundary="x"`; "" when absent.
std::string HeaderParameter(std::string_view header_value, std::string_view name);

// Decodes a multipart/form-data body (RFC 7578) whose parts are delimited by
// `boundary`: each part's Content-Disposition names its field, and its body
// (a file's too) is the value. DataError saying why the body is malformed
// (then *fields is unspecified).
Status DecodeMultipart(std::string_view body, std::string_view boundary, FormFields* fields);

}  // namespace logroute::http
