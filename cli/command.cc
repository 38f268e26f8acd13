#include "cli/command.h"

#include <cstdlib>
#include <iostream>

namespace qcflow::cli {

std::string ResolveStoreDir(const GlobalOptions& global) {
  if (!global.store_dir.empty()) return global.store_dir;
  if (const char* env = std::getenv("QCFLOW_STORE"); env && *env) return env;
  return "qcflow-store";
}

Result<std::unique_ptr<Store>> OpenStore(const GlobalOptions& global, bool read_only) {
  StoreOptions options;
  options.read_only = read_only;
  options.create_if_missing = !read_only;
  return Store::Open(ResolveStoreDir(global), options);
}

int ReportError(const Status& status) {
  std::cerr << "qcflow: " << status.message() << "\n";
  switch (status.code()) {
    case Status::Code::kInvalidArgument:
    case Status::Code::kNotFound:
    case Status::Code::kIncompatible:
      return kExitUsage;
    default:
      return kExitFailed;
  }
}

}  // namespace qcflow::cli
