#include "tests/testing/small_disk.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace qcflow::testing {
namespace {
const char* kFiller = "/.filler";
}

SmallDisk::SmallDisk(const std::string& dir, size_t bytes) : dir_(dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string options = "size=" + std::to_string(bytes) + ",mode=0700";
  if (::mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
    error_ = "cannot mount a tmpfs on " + dir + ": " + std::strerror(errno) +
             " (needs root or CAP_SYS_ADMIN)";
    return;
  }
  mounted_ = true;
}

SmallDisk::~SmallDisk() {
  if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
}

bool SmallDisk::Reserve(size_t bytes) {
  const std::string path = dir_ + kFiller;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  std::vector<char> block(1 << 16, 'f');
  size_t written = 0;
  while (written < bytes) {
    const ssize_t n = ::write(fd, block.data(), std::min(block.size(), bytes - written));
    if (n <= 0) break;
    written += size_t(n);
  }
  ::close(fd);
  return written == bytes;
}

void SmallDisk::Release() { ::unlink((dir_ + kFiller).c_str()); }

size_t SmallDisk::FreeBytes() const {
  struct statvfs v;
  if (::statvfs(dir_.c_str(), &v) != 0) return 0;
  return size_t(v.f_bavail) * v.f_frsize;
}

}  // namespace qcflow::testing
