#include "tests/testing/firebird_suite.h"

namespace qcflow::testing {

FirebirdServer* FirebirdSuite::server_ = nullptr;
std::string* FirebirdSuite::start_error_ = nullptr;

void FirebirdSuite::SetUpTestSuite() {
  auto s = FirebirdServer::Start();
  if (!s.ok()) {
    start_error_ = new std::string(s.status().ToString());
    return;
  }
  server_ = s->release();
}

void FirebirdSuite::TearDownTestSuite() {
  delete server_;
  server_ = nullptr;
  delete start_error_;
  start_error_ = nullptr;
}

void FirebirdSuite::SetUp() {
  ASSERT_NE(server_, nullptr) << (start_error_ != nullptr ? *start_error_ : "not started");
}

}  // namespace qcflow::testing
