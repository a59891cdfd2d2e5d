// Status: the one error model of logroute.
//
// A Status is either OK or an error carrying a Code and a human-readable
// message ("what, where, why"). A Code names the category of the failure, as
// leveldb's do: what went wrong, not what a caller should do about it. Each
// boundary maps categories to its own vocabulary in one place: ExitCode()
// (base/exit_code.h) to the tools' exit statuses, HttpStatusOf()
// (http/http_status.h) to HTTP statuses.
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

enum class Code : int {
  kOk = 0,
  kUsage,         // a bad argument, option, configuration or DSN
  kDataError,     // input data is incorrect: an event, a file's content, a row the database refused
  kNotFound,      // a file or directory that should be there is not
  kNoHost,        // a host name that does not resolve (a mistyped --db)
  kUnavailable,   // a service (database, port) refused us for good
  kInternal,      // a bug: an invariant did not hold
  kCannotCreate,  // cannot create an output file or directory
  kIoError,       // an I/O error on a file
  kNoPermission,  // permission denied (file modes, database authentication or privileges)
  // The three categories a retry may cure (retryable()); nothing was lost.
  kNoSpace,   // a full file system or quota (ENOSPC, EDQUOT, the database's disk)
  kBusy,      // someone else holds it for now: a lock, a busy or interrupted call
  kTempFail,  // any other failure that passes: a lost connection, a server restarting,
              // work that waits for another process
  // A flush pass did what it could, and some shards or segments failed for a
  // reason a retry will not cure (see logroute-flush(1)).
  kPartial,
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
  static Status NoPermission(std::string m) { return {Code::kNoPermission, std::move(m)}; }
  static Status NoSpace(std::string m) { return {Code::kNoSpace, std::move(m)}; }
  static Status Busy(std::string m) { return {Code::kBusy, std::move(m)}; }
  static Status TempFail(std::string m) { return {Code::kTempFail, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // True when the same operation may succeed later (exit 75 rather than a hard error).
  bool retryable() const {
    return code_ == Code::kNoSpace || code_ == Code::kBusy || code_ == Code::kTempFail;
  }

  // Prefixes the message with context, keeping the code: "opening spool: <message>".
  Status Wrap(std::string_view context) const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// Status for a failed system call: "<what>: <strerror(err)>", with a code chosen
// from errno (ENOSPC/EDQUOT are kNoSpace, EAGAIN/EINTR/EBUSY kBusy, EACCES is a
// permission error, ...).
Status ErrnoStatus(std::string_view what, int err);

}  // namespace logroute

// Evaluates an expression returning Status and returns it from the caller when not OK.
#define LOGROUTE_RETURN_IF_ERROR(expr)             \
  do {                                             \
    ::logroute::Status status_macro_ = (expr);     \
    if (!status_macro_.ok()) return status_macro_; \
  } while (false)
