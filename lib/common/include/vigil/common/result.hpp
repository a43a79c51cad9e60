// SPDX-License-Identifier: GPL-2.0-or-later
// Result<T>: a value or an Error, in the shape of C++23's std::expected.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace vigil {

// One code per distinct reaction of a caller; the details go in the message.
enum class ErrorCode {
  kInvalidInput,  // malformed XML, bad value, schema violation
  kNotFound,      // unknown id, missing file
  kUnsupported,   // a feature Vigil does not implement (yet)
  kIo,            // read/write failure
  kInternal,      // broken invariant
  kFailed,        // the operation was carried out and failed (a fence agent, ...)
  // The CIB's ACLs refuse it ("Permission denied", Pacemaker's -EACCES).
  kPermissionDenied,
};

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // Adds context on the way up: "cib.xml: constraint loc1: node 'n3' not found".
  Error with_context(const std::string& context) const {
    return Error(code_, context + ": " + message_);
  }

 private:
  ErrorCode code_;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() {
  return Ok{};
}

}  // namespace vigil
