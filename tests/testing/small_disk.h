// Test helper: a small filesystem (tmpfs) mounted on a test's own directory,
// to run the store out of space for real. Needs root (CAP_SYS_ADMIN); when the
// mount is refused, mounted() is false and error() says why (tests skip then).
#ifndef QCFLOW_TESTS_TESTING_SMALL_DISK_H_
#define QCFLOW_TESTS_TESTING_SMALL_DISK_H_

#include <cstddef>
#include <string>

namespace qcflow::testing {

class SmallDisk {
 public:
  // Creates `dir` and mounts a tmpfs of `bytes` on it.
  SmallDisk(const std::string& dir, size_t bytes);
  ~SmallDisk();  // unmounts (lazily, so open files cannot keep it mounted)
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;

  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  const std::string& dir() const { return dir_; }

  // Takes `bytes` of the space with a filler file; Release() gives it back.
  bool Reserve(size_t bytes);
  void Release();
  // Bytes free now.
  size_t FreeBytes() const;

 private:
  std::string dir_, error_;
  bool mounted_ = false;
};

}  // namespace qcflow::testing

#endif  // QCFLOW_TESTS_TESTING_SMALL_DISK_H_
