// Test helper: a fresh directory under $TMPDIR, removed when the object dies.
#ifndef QCFLOW_TESTS_TESTING_TEMP_DIR_H_
#define QCFLOW_TESTS_TESTING_TEMP_DIR_H_

#include <string>

namespace qcflow::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Writes `contents` to `path`, creating parent directories. Aborts the test on failure.
void WriteFile(const std::string& path, const std::string& contents);

}  // namespace qcflow::testing

#endif  // QCFLOW_TESTS_TESTING_TEMP_DIR_H_
