// Status and Result<T>: errors from the outside world (network, Kafka, Prometheus, files,
// user input) as values carrying a message a person can act on.
//
// A default Status is OK. An error Status has a non-empty message that names the input and
// what was expected ("--collect.interval: expected a duration like 30s, got \"x\"").
// Result<T> holds either a T or an error Status. Both are plain values: copyable, movable,
// not thread-safe to mutate concurrently (like any value type).
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace streamlens {

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(std::string message) {
    Status s;
    s.ok_ = false;
    s.message_ = message.empty() ? std::string("unknown error") : std::move(message);
    return s;
  }

  bool ok() const { return ok_; }
  const std::string& message() const { return message_; }
  // Returns a copy whose message is prefixed with "context: ", for adding where an error happened.
  Status WithContext(const std::string& context) const {
    if (ok_) return *this;
    return Error(context + ": " + message_);
  }

 private:
  bool ok_ = true;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(runtime/explicit): implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT(runtime/explicit)
    assert(!std::get<Status>(v_).ok() && "Result constructed from an OK Status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // The error; OK status when the result holds a value.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &std::get<T>(v_); }
  const T* operator->() const { return &std::get<T>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace streamlens

// Returns early from the enclosing function when `expr` (a Status) is an error.
#define STREAMLENS_RETURN_IF_ERROR(expr)      \
  do {                                        \
    ::streamlens::Status _sl_status = (expr); \
    if (!_sl_status.ok()) return _sl_status;  \
  } while (0)
