#include "libcore/spool/record.h"

#include <charconv>

#include "libcore/base/crc32c.h"
#include "libcore/chain/table_name.h"

namespace logroute::spool {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr size_t kCrcDigits = 8;

// Writes the digits straight into *out: three times per record, the copy
// from a local buffer was a memcpy call each (callgrind: 0.5% of recv --stdin).
void AppendInt(int64_t value, std::string* out) {
  constexpr size_t kMaxChars = 20;  // "-9223372036854775808"
  const size_t at = out->size();
  out->resize(at + kMaxChars);
  auto [end, ec] = std::to_chars(out->data() + at, out->data() + at + kMaxChars, value);
  out->resize(static_cast<size_t>(end - out->data()));
}

bool ParseInt(std::string_view text, int64_t* value) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return ec == std::errc() && end == text.data() + text.size();
}

bool ParseHex32(std::string_view text, uint32_t* value) {
  if (text.size() != kCrcDigits) return false;
  // Lowercase only, as written: from_chars also takes "A-F", which would let a
  // flipped case bit (0x20) in the checksum field pass unnoticed.
  if (text.find_first_not_of("0123456789abcdef") != std::string_view::npos) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *value, 16);
  return ec == std::errc() && end == text.data() + text.size();
}

// The one escaper of records and rejects: \\ TAB LF CR as \\ \t \n \r; then
// either \xNN for every other control byte (rejects: any bytes, readable) or
// only NUL as \0 (records: LOAD DATA's escapes, which flush sends as they are).
void AppendBackslashEscaped(std::string_view bytes, bool hex_controls, std::string* out) {
  for (char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      default:
        if (hex_controls && (byte < 0x20 || byte == 0x7F)) {
          out->append("\\x");
          out->push_back(kHex[byte >> 4]);
          out->push_back(kHex[byte & 0xF]);
        } else if (!hex_controls && byte == 0) {
          out->append("\\0");
        } else {
          out->push_back(c);
        }
    }
  }
}

}  // namespace

void AppendRecord(const event::Event& event, std::string_view table, int64_t recv_ts,
                  std::string* out) {
  const size_t crc_at = out->size();
  out->append(kCrcDigits + 1, '\t');  // placeholder for the checksum, then the first TAB
  AppendInt(recv_ts, out);
  out->push_back('\t');
  out->append(table);
  out->push_back('\t');
  AppendInt(event.unix_ts, out);
  out->push_back('\t');
  AppendInt(event.user_id, out);
  out->push_back('\t');
  AppendBackslashEscaped(event.event_name, /*hex_controls=*/false, out);
  if (!event.event_id.empty()) {  // its alphabet needs no escaping
    out->push_back('\t');
    out->append(event.event_id);
  }
  const size_t payload_at = crc_at + kCrcDigits + 1;
  uint32_t crc = Crc32c(std::string_view(out->data() + payload_at, out->size() - payload_at));
  for (size_t i = kCrcDigits; i > 0; --i, crc >>= 4) (*out)[crc_at + i - 1] = kHex[crc & 0xF];
  out->push_back('\n');
}

Result<Record> DecodeRecord(std::string_view line) {
  Record record;
  if (line.size() <= kCrcDigits || line[kCrcDigits] != '\t') {
    return Status::DataError("not a spool record (no checksum field)");
  }
  uint32_t stored_crc;
  if (!ParseHex32(line.substr(0, kCrcDigits), &stored_crc)) {
    return Status::DataError("checksum field is not hex");
  }
  std::string_view payload = line.substr(kCrcDigits + 1);
  if (Crc32c(payload) != stored_crc) {
    return Status::DataError("checksum mismatch (the line was altered or torn)");
  }

  std::string_view fields[5];
  for (int i = 0; i < 4; ++i) {
    const size_t tab = payload.find('\t');
    if (tab == std::string_view::npos) return Status::DataError("too few fields");
    fields[i] = payload.substr(0, tab);
    payload.remove_prefix(tab + 1);
  }
  std::string_view event_id;
  if (const size_t tab = payload.find('\t'); tab != std::string_view::npos) {
    event_id = payload.substr(tab + 1);
    payload = payload.substr(0, tab);
    if (event_id.find('\t') != std::string_view::npos) return Status::DataError("too many fields");
    if (!event::IsValidEventId(event_id)) return Status::DataError("event_id is invalid");
  }
  fields[4] = payload;
  if (!ParseInt(fields[0], &record.recv_ts)) return Status::DataError("recv_ts is not an integer");
  if (Status table = chain::ValidateTableName(fields[1]); !table.ok()) {
    return Status::DataError(chain::IsReservedTableName(fields[1]) ? table.message()
                                                                   : "table name is invalid");
  }
  if (!ParseInt(fields[2], &record.unix_ts)) return Status::DataError("unix_ts is not an integer");
  if (!ParseInt(fields[3], &record.user_id)) return Status::DataError("user_id is not an integer");
  if (fields[4].empty()) return Status::DataError("event_name is empty");
  record.table = fields[1];
  record.escaped_name = fields[4];
  record.event_id = event_id;
  return record;
}

void AppendUnescapedName(std::string_view escaped, std::string* out) {
  for (size_t i = 0; i < escaped.size(); ++i) {
    char c = escaped[i];
    if (c == '\\' && i + 1 < escaped.size()) {
      switch (escaped[++i]) {
        case 't':
          c = '\t';
          break;
        case 'n':
          c = '\n';
          break;
        case 'r':
          c = '\r';
          break;
        case '0':
          c = '\0';
          break;
        default:
          c = escaped[i];  // "\\" and anything we never write
      }
    }
    out->push_back(c);
  }
}

void UnescapeName(std::string_view escaped, std::string* out) {
  out->clear();
  AppendUnescapedName(escaped, out);
}

void AppendEscapedBytes(std::string_view bytes, std::string* out) {
  AppendBackslashEscaped(bytes, /*hex_controls=*/true, out);
}

bool AppendUnescapedBytes(std::string_view escaped, std::string* out) {
  for (size_t i = 0; i < escaped.size(); ++i) {
    const char c = escaped[i];
    if (c == '\t' || c == '\n') return false;
    if (c != '\\') {
      out->push_back(c);
      continue;
    }
    if (++i == escaped.size()) return false;
    switch (escaped[i]) {
      case '\\':
        out->push_back('\\');
        break;
      case 't':
        out->push_back('\t');
        break;
      case 'n':
        out->push_back('\n');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case 'x': {
        uint8_t byte;
        if (escaped.size() - i < 3) return false;
        const char* digits = escaped.data() + i + 1;
        auto [end, ec] = std::from_chars(digits, digits + 2, byte, 16);
        if (ec != std::errc() || end != digits + 2) return false;
        out->push_back(static_cast<char>(byte));
        i += 2;
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

std::string_view RecordTable(std::string_view line) {
  size_t begin = line.find('\t');
  if (begin == std::string_view::npos) return {};
  begin = line.find('\t', begin + 1);
  if (begin == std::string_view::npos) return {};
  const size_t end = line.find('\t', begin + 1);
  if (end == std::string_view::npos) return {};
  return line.substr(begin + 1, end - begin - 1);
}

int64_t RecordRecvTime(std::string_view line) {
  if (line.size() <= kCrcDigits + 1) return -1;
  line.remove_prefix(kCrcDigits + 1);
  int64_t recv_ts;
  auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), recv_ts);
  if (ec != std::errc() || end == line.data() + line.size() || *end != '\t') return -1;
  return recv_ts;
}

}  // namespace logroute::spool
