// TestAppender: adds a delivery's tests to a session (the iCom and TRF
// delivery sessions). Measured numbers carry the beam's parameters; context
// texts describe the whole delivery and carry none.
#ifndef QCFLOW_PROCESS_COMMON_TEST_APPENDER_H_
#define QCFLOW_PROCESS_COMMON_TEST_APPENDER_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "process/common/qc_session.h"

namespace qcflow {

class TestAppender {
 public:
  // REQUIRES: tests outlives the appender; calls come in key order (as
  // ValidateQcSession wants the tests sorted by key).
  TestAppender(std::vector<TestResult>* tests, std::map<std::string, std::string> parameters)
      : tests_(tests), parameters_(std::move(parameters)) {}

  // A measured number; nothing when `value` is empty.
  void Number(const std::string& key, const std::string& name, std::optional<double> value,
              const std::string& unit, std::optional<double> reference = std::nullopt);
  // A context text (TestRole::kContext).
  void Text(const std::string& key, const std::string& name, const std::string& value);

 private:
  std::vector<TestResult>* tests_;
  std::map<std::string, std::string> parameters_;
};

}  // namespace qcflow

#endif  // QCFLOW_PROCESS_COMMON_TEST_APPENDER_H_
