#include "store/status.h"

namespace qcflow {

const char* CodeName(Status::Code code) {
  switch (code) {
    case Status::Code::kOk: return "OK";
    case Status::Code::kNotFound: return "not found";
    case Status::Code::kInvalidArgument: return "invalid argument";
    case Status::Code::kCorruption: return "corruption";
    case Status::Code::kIOError: return "IO error";
    case Status::Code::kAlreadyExists: return "already exists";
    case Status::Code::kIncompatible: return "incompatible";
    case Status::Code::kUnavailable: return "unavailable";
    case Status::Code::kFailedPrecondition: return "failed precondition";
    case Status::Code::kInternal: return "internal error";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(CodeName(code_)) + ": " + message_;
}

Status Status::WithContext(const std::string& context) const {
  if (ok()) return *this;
  return Status(code_, context + ": " + message_);
}

}  // namespace qcflow
