// CRC-32C (Castagnoli), the checksum of spool records and segments.
// Uses the SSE4.2 instruction when the CPU has it, a table otherwise; both give
// the same values (RFC 3720 test vectors in the tests). Thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace logroute {

// Extends `crc` (the CRC of earlier bytes, 0 to start) with `data`.
uint32_t Crc32cExtend(uint32_t crc, std::string_view data);

inline uint32_t Crc32c(std::string_view data) { return Crc32cExtend(0, data); }

}  // namespace logroute
