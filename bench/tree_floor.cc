#include "bench/tree_floor.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <vector>

namespace qcflow::bench {
namespace {

namespace fs = std::filesystem;

// Visits every regular file under root (no symlinks followed); the best of `rounds`.
Result<TreeFloor> Best(const std::string& root, int rounds,
                       const std::function<Status(const fs::path&, const struct stat&, TreeFloor*)>& visit) {
  TreeFloor best;
  for (int round = 0; round < std::max(rounds, 1); ++round) {
    TreeFloor f;
    const auto t0 = std::chrono::steady_clock::now();
    std::error_code ec;
    for (fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
      struct stat st;
      if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      QCFLOW_RETURN_IF_ERROR(visit(it->path(), st, &f));
    }
    if (ec) return Status::IOError("cannot walk " + root + ": " + ec.message());
    f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (round == 0 || f.seconds < best.seconds) best = f;
  }
  return best;
}

}  // namespace

Result<TreeFloor> StatWalkFloor(const std::string& root, int rounds) {
  return Best(root, rounds, [](const fs::path&, const struct stat& st, TreeFloor* f) {
    ++f->files;
    f->bytes += uint64_t(st.st_size);
    return Status::OK();
  });
}

Result<TreeFloor> ReadAllFloor(const std::string& root, int rounds) {
  std::vector<char> buf(1 << 20);
  return Best(root, rounds, [&](const fs::path& p, const struct stat&, TreeFloor* f) {
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::IOError("cannot open " + p.string());
    for (;;) {
      ssize_t n = ::read(fd, buf.data(), buf.size());
      if (n <= 0) break;
      f->bytes += uint64_t(n);
    }
    ::close(fd);
    ++f->files;
    return Status::OK();
  });
}

}  // namespace qcflow::bench
