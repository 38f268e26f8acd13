#include "store/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace qcflow {
namespace {

Status FromErrno(const std::string& what, const std::string& path, int err) {
  std::string msg = what + " " + path + ": " + std::strerror(err);
  if (err == ENOENT) return Status::NotFound(std::move(msg));
  return Status::IOError(std::move(msg));
}


}  // namespace

ScopedFd::~ScopedFd() {
  if (fd_ >= 0) ::close(fd_);
}

int ScopedFd::Close() {
  const int rc = ::close(fd_);
  fd_ = -1;
  return rc;
}

Status SyncDir(const std::string& dir) {
  ScopedFd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d.get() < 0) return FromErrno("cannot open directory", dir, errno);
  if (::fsync(d.get()) != 0 && errno != EINVAL) return FromErrno("cannot sync directory", dir, errno);
  return Status::OK();
}

Status MakeDirs(const std::string& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return Status::OK();
  std::filesystem::path p(dir);
  if (p.has_parent_path() && p.parent_path() != p) {
    QCFLOW_RETURN_IF_ERROR(MakeDirs(p.parent_path().string()));
  }
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return FromErrno("cannot create directory", dir, errno);
  }
  return p.has_parent_path() ? SyncDir(p.parent_path().string()) : Status::OK();
}

Status ReplaceFileDurably(const std::string& path, std::string_view bytes) {
  const std::filesystem::path p(path);
  const std::string dir = p.has_parent_path() ? p.parent_path().string() : ".";
  const std::string temp = (std::filesystem::path(dir) / ("." + p.filename().string() + ".qcflow-part")).string();
  ::unlink(temp.c_str());  // a leftover of a killed write
  ScopedFd out(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (out.get() < 0) return FromErrno("cannot create", temp, errno);
  for (size_t done = 0; done < bytes.size();) {
    ssize_t n = ::write(out.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::unlink(temp.c_str());
      return FromErrno("cannot write", temp, err);
    }
    done += size_t(n);
  }
  if (::fsync(out.get()) != 0 || out.Close() != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return FromErrno("cannot sync", temp, err);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return FromErrno("cannot rename " + temp + " to", path, err);
  }
  return SyncDir(dir);
}

Result<std::optional<std::string>> ReadFileIfExists(const std::string& path) {
  ScopedFd in(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return FromErrno("cannot read", path, errno);
  }
  std::string text;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(in.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return FromErrno("cannot read", path, errno);
    if (n == 0) break;
    text.append(buf, size_t(n));
  }
  return std::optional<std::string>(std::move(text));
}

}  // namespace qcflow
