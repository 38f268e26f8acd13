#include "process/common/test_appender.h"

namespace qcflow {

void TestAppender::Number(const std::string& key, const std::string& name, std::optional<double> value,
                          const std::string& unit, std::optional<double> reference) {
  if (!value) return;
  TestResult t;
  t.key = key;
  t.name = name;
  t.number = *value;
  t.unit = unit;
  t.reference = reference;
  t.parameters = parameters_;
  tests_->push_back(std::move(t));
}

void TestAppender::Text(const std::string& key, const std::string& name, const std::string& value) {
  TestResult t;
  t.key = key;
  t.name = name;
  t.text = value;
  t.role = TestRole::kContext;
  tests_->push_back(std::move(t));
}

}  // namespace qcflow
