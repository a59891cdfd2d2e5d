// Status: the one error model of logroute.
//
// A Status is either OK or an error carrying a Code and a human-readable
// message ("what, where, why"). Codes are the sysexits(3) values the tools
// exit with, so a Status travels unchanged from libcore up to main().
// Rejecting a bad event is not an error here: that is a normal outcome with
// its own type (see event/event.h).
//
// Thread safety: a Status is a value; distinct objects may be used from
// distinct threads.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace logroute {

// The numeric values are sysexits(3); main() returns them as they are.
enum class Code : int {
  kOk = 0,
  kUsage = 64,         // bad command line or configuration
  kDataError = 65,     // input data was incorrect
  kNotFound = 66,      // a file that should be there is not (EX_NOINPUT)
  kNoHost = 68,        // a host name that does not resolve (a mistyped --db)
  kUnavailable = 69,   // a service (database, port) refused us for good
  kInternal = 70,      // a bug: an invariant did not hold
  kCannotCreate = 73,  // cannot create an output file or directory
  kIoError = 74,       // an I/O error on a file
  kTempFail = 75,      // temporary failure: retry later, nothing is lost
  kNoPermission = 77,  // permission denied (e.g. database authentication)
  // Not a sysexits value: a flush pass did what it could, and some shards or
  // segments failed for a reason a retry will not cure (see logroute-flush(1)).
  kPartial = 79,
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status Usage(std::string m) { return {Code::kUsage, std::move(m)}; }
  static Status DataError(std::string m) { return {Code::kDataError, std::move(m)}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status NoHost(std::string m) { return {Code::kNoHost, std::move(m)}; }
  static Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }
  static Status CannotCreate(std::string m) { return {Code::kCannotCreate, std::move(m)}; }
  static Status IoError(std::string m) { return {Code::kIoError, std::move(m)}; }
  static Status TempFail(std::string m) { return {Code::kTempFail, std::move(m)}; }
  static Status NoPermission(std::string m) { return {Code::kNoPermission, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // True when the same operation may succeed later (exit 75 rather than a hard error).
  bool retryable() const { return code_ == Code::kTempFail; }
  int exit_code() const { return static_cast<int>(code_); }

  // Prefixes the message with context, keeping the code: "opening spool: <message>".
  Status Wrap(std::string_view context) const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// Status for a failed system call: "<what>: <strerror(err)>", with a code chosen
// from errno (ENOSPC/EDQUOT/EAGAIN are temporary, EACCES is a permission error, ...).
Status ErrnoStatus(std::string_view what, int err);

}  // namespace logroute

// Evaluates an expression returning Status and returns it from the caller when not OK.
#define LOGROUTE_RETURN_IF_ERROR(expr)             \
  do {                                             \
    ::logroute::Status status_macro_ = (expr);     \
    if (!status_macro_.ok()) return status_macro_; \
  } while (false)
