// Test helper for cli/console/*_test.cc: one GET through HandleApi, as a
// browser would send it, with the answer's JSON and the envelope's "v" checked.
#ifndef QCFLOW_CLI_CONSOLE_API_TESTING_H_
#define QCFLOW_CLI_CONSOLE_API_TESTING_H_

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <utility>

#include "cli/console/console_api.h"

namespace qcflow::console {

inline std::pair<int, nlohmann::json> ApiGet(const ConsoleBackend& backend, const std::string& target) {
  HttpAnswer a = HandleApi(backend, HttpExchange{"GET", target, "", ""});
  nlohmann::json j = nlohmann::json::parse(a.body, nullptr, false);
  EXPECT_EQ(j.value("v", 0), 1) << a.body;
  return {a.status, j};
}

}  // namespace qcflow::console

#endif  // QCFLOW_CLI_CONSOLE_API_TESTING_H_
