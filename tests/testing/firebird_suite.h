// FirebirdSuite: a GoogleTest base class whose suite shares one FirebirdServer
// (starting one takes about a second; every test of the suite reuses it).
//
// A server that cannot start (package missing, bootstrap failed) fails every
// test of the suite with the fixture's message, which names the fix — it is
// never a skip.
#ifndef QCFLOW_TESTS_TESTING_FIREBIRD_SUITE_H_
#define QCFLOW_TESTS_TESTING_FIREBIRD_SUITE_H_

#include <gtest/gtest.h>

#include <string>

#include "tests/testing/firebird_server.h"

namespace qcflow::testing {

class FirebirdSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

  // Fails the current test when the suite's server did not start.
  // Derived SetUp() overrides call it first: ASSERT_NO_FATAL_FAILURE(SetUp()) style.
  void SetUp() override;

  // REQUIRES: SetUp() succeeded.
  static FirebirdServer* firebird() { return server_; }

 private:
  static FirebirdServer* server_;
  static std::string* start_error_;
};

}  // namespace qcflow::testing

#endif  // QCFLOW_TESTS_TESTING_FIREBIRD_SUITE_H_
