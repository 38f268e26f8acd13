// Status and Result<T>: errors as values on every path that can fail in the field.
//
// qcflow never throws across module boundaries for expected failures (a bad file,
// a server that is down, a store written by another version). Functions return a
// Status, or a Result<T> holding either a value or a non-OK Status. Messages are
// written for the person reading them: what went wrong and, where known, what to do.
#ifndef QCFLOW_STORE_STATUS_H_
#define QCFLOW_STORE_STATUS_H_

#include <string>
#include <utility>
#include <variant>

namespace qcflow {

class Status {
 public:
  enum class Code {
    kOk = 0,
    kNotFound,
    kInvalidArgument,   // the caller's input is wrong (config, CLI argument, data)
    kCorruption,        // stored bytes do not decode
    kIOError,           // disk or OS error
    kAlreadyExists,
    kIncompatible,      // store/envelope written by another qcflow version
    kUnavailable,       // transient: server down, share unmounted; retry later
    kFailedPrecondition,
    kInternal,
  };

  Status() = default;  // OK
  static Status OK() { return Status(); }
  static Status NotFound(std::string m) { return Status(Code::kNotFound, std::move(m)); }
  static Status InvalidArgument(std::string m) { return Status(Code::kInvalidArgument, std::move(m)); }
  static Status Corruption(std::string m) { return Status(Code::kCorruption, std::move(m)); }
  static Status IOError(std::string m) { return Status(Code::kIOError, std::move(m)); }
  static Status AlreadyExists(std::string m) { return Status(Code::kAlreadyExists, std::move(m)); }
  static Status Incompatible(std::string m) { return Status(Code::kIncompatible, std::move(m)); }
  static Status Unavailable(std::string m) { return Status(Code::kUnavailable, std::move(m)); }
  static Status FailedPrecondition(std::string m) {
    return Status(Code::kFailedPrecondition, std::move(m));
  }
  static Status Internal(std::string m) { return Status(Code::kInternal, std::move(m)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }

  // "IO error: <message>", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "<context>: <message>"; OK stays OK.
  Status WithContext(const std::string& context) const;

 private:
  Status(Code c, std::string m) : code_(c), message_(std::move(m)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

const char* CodeName(Status::Code code);

// Either a T or a non-OK Status.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  // REQUIRES: !status.ok()
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    if (std::get<Status>(v_).ok()) v_ = Status::Internal("Result built from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // OK when a value is held.
  Status status() const { return ok() ? Status::OK() : std::get<Status>(v_); }

  // REQUIRES: ok()
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace qcflow

// Returns early from the enclosing function when `expr` yields a non-OK Status.
#define QCFLOW_RETURN_IF_ERROR(expr)                  \
  do {                                                \
    ::qcflow::Status qcflow_status_ = (expr);         \
    if (!qcflow_status_.ok()) return qcflow_status_;  \
  } while (0)

#endif  // QCFLOW_STORE_STATUS_H_
