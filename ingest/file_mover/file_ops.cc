#include "ingest/file_mover/file_ops.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string_view>
#include <vector>

#include "store/content_hash.h"

namespace qcflow::file_mover {
namespace {

constexpr size_t kChunk = 1 << 16;

std::string Errno(const std::string& what, const std::string& path, int err) {
  return what + " " + path + ": " + std::strerror(err);
}

Status FromErrno(const std::string& what, const std::string& path, int err) {
  if (err == ENOENT) return Status::NotFound(Errno(what, path, err));
  return Status::IOError(Errno(what, path, err));
}

using Fd = ScopedFd;

int OpenRead(const std::string& path) { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW); }

// Reads up to `n` bytes, retrying short reads; returns the count or -1.
ssize_t ReadFull(int fd, char* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::read(fd, buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    if (r == 0) break;
    got += size_t(r);
  }
  return ssize_t(got);
}

bool WriteFull(int fd, const char* buf, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, buf, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return false;
    buf += w;
    n -= size_t(w);
  }
  return true;
}

// Reads `fd` to its end, hashing and counting, handing each piece to `each`
// (false stops: the result is then what was read so far).
Result<Copied> Digest(int fd, const std::string& path, const std::function<bool(std::string_view)>& each) {
  std::vector<char> buf(kChunk);
  Copied c;
  c.hash = kFnv1a64Basis;
  for (;;) {
    ssize_t n = ReadFull(fd, buf.data(), buf.size());
    if (n < 0) return Status::IOError(Errno("cannot read", path, errno));
    if (n == 0) return c;
    const std::string_view piece(buf.data(), size_t(n));
    c.hash = Fnv1a64Update(c.hash, piece);
    c.bytes += uint64_t(n);
    if (!each(piece)) return c;
  }
}

}  // namespace

std::string TempName(const std::string& final_path) {
  std::filesystem::path p(final_path);
  return (p.parent_path() / ("." + p.filename().string() + kTempSuffix)).string();
}

bool IsTempName(const std::string& file_name) {
  const std::string_view s(file_name), suffix(kTempSuffix);
  return s.size() > suffix.size() + 1 && s.front() == '.' &&
         s.substr(s.size() - suffix.size()) == suffix;
}

Result<Copied> CopyToTemp(const std::string& src, const std::string& temp) {
  Fd in(OpenRead(src));
  if (in.get() < 0) return FromErrno("cannot read", src, errno);
  ::unlink(temp.c_str());  // a leftover of a killed transfer
  Fd out(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (out.get() < 0) return FromErrno("cannot create", temp, errno);
  int write_errno = 0;
  auto copied = Digest(in.get(), src, [&](std::string_view piece) {
    if (WriteFull(out.get(), piece.data(), piece.size())) return true;
    write_errno = errno;
    return false;
  });
  if (copied.ok() && write_errno == 0 && (::fsync(out.get()) != 0 || out.Close() != 0)) write_errno = errno;
  if (!copied.ok() || write_errno != 0) {
    ::unlink(temp.c_str());
    return copied.ok() ? Status::IOError(Errno("cannot write", temp, write_errno)) : copied.status();
  }
  return copied;
}

Status CanRead(const std::string& path) {
  Fd in(OpenRead(path));
  if (in.get() < 0) return FromErrno("cannot read", path, errno);
  return Status::OK();
}

Result<Copied> HashFile(const std::string& path) {
  Fd in(OpenRead(path));
  if (in.get() < 0) return FromErrno("cannot read", path, errno);
  return Digest(in.get(), path, [](std::string_view) { return true; });
}

Result<bool> SameContent(const std::string& a, const std::string& b) {
  Fd fa(OpenRead(a));
  if (fa.get() < 0) return FromErrno("cannot read", a, errno);
  Fd fb(OpenRead(b));
  if (fb.get() < 0) return FromErrno("cannot read", b, errno);
  struct stat sa, sb;
  if (::fstat(fa.get(), &sa) != 0 || ::fstat(fb.get(), &sb) != 0) {
    return Status::IOError(Errno("cannot stat", a, errno));
  }
  if (sa.st_size != sb.st_size) return false;
  std::vector<char> ba(kChunk), bb(kChunk);
  for (;;) {
    ssize_t na = ReadFull(fa.get(), ba.data(), ba.size());
    ssize_t nb = ReadFull(fb.get(), bb.data(), bb.size());
    if (na < 0) return Status::IOError(Errno("cannot read", a, errno));
    if (nb < 0) return Status::IOError(Errno("cannot read", b, errno));
    if (na != nb || std::memcmp(ba.data(), bb.data(), size_t(na)) != 0) return false;
    if (na == 0) return true;
  }
}

Status Rename(const std::string& from, const std::string& to, bool replace) {
  auto other_fs = [&] { return Status::FailedPrecondition(to + " is on another filesystem than " + from); };
  if (replace) {
    if (::rename(from.c_str(), to.c_str()) == 0) return Status::OK();
    return errno == EXDEV ? other_fs() : FromErrno("cannot rename to", to, errno);
  }
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) {
    return Status::OK();
  }
  if (errno == EEXIST) return Status::AlreadyExists(to + " exists");
  if (errno == EXDEV) return other_fs();
  if (errno != EINVAL && errno != ENOSYS) return FromErrno("cannot rename to", to, errno);
  // A filesystem without RENAME_NOREPLACE (some network shares): a hard link
  // refuses an existing name too; without links, check first (racy only
  // against another writer of the destination).
  if (::link(from.c_str(), to.c_str()) == 0) {
    ::unlink(from.c_str());
    return Status::OK();
  }
  if (errno == EEXIST) return Status::AlreadyExists(to + " exists");
  if (errno == EXDEV) return other_fs();
  struct stat st;
  if (::lstat(to.c_str(), &st) == 0) return Status::AlreadyExists(to + " exists");
  if (::rename(from.c_str(), to.c_str()) != 0) return FromErrno("cannot rename to", to, errno);
  return Status::OK();
}

Status RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return FromErrno("cannot remove", path, errno);
  return Status::OK();
}

Result<FileStat> StatRegular(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return FromErrno("cannot stat", path, errno);
  if (!S_ISREG(st.st_mode)) return Status::FailedPrecondition(path + " is not a regular file");
  return FileStat{uint64_t(st.st_size), int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

}  // namespace qcflow::file_mover
