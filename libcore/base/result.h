// Result<T>: a T or the Status saying why there is none (C++20 has no std::expected).
//
// Accessing value() of an error Result is a bug and aborts.
#pragma once

#include <cstdlib>
#include <utility>
#include <variant>

#include "libcore/base/status.h"

namespace logroute {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : state_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<Status>(state_).ok()) std::abort();   // an OK Status carries no value
  }

  bool ok() const { return std::holds_alternative<T>(state_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(state_);
  }
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace logroute

// Assigns the value of a Result expression to `lhs`, or returns its Status from the caller.
#define LOGROUTE_ASSIGN_OR_RETURN(lhs, expr) \
  LOGROUTE_ASSIGN_OR_RETURN_IMPL_(LOGROUTE_CONCAT_(result_macro_, __LINE__), lhs, expr)
#define LOGROUTE_CONCAT_INNER_(a, b) a##b
#define LOGROUTE_CONCAT_(a, b) LOGROUTE_CONCAT_INNER_(a, b)
#define LOGROUTE_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                    \
  if (!tmp.ok()) return tmp.status();                   \
  lhs = std::move(tmp).value()
