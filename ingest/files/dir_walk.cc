#include "ingest/files/dir_walk.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace qcflow::files {
namespace {

std::string ErrnoText(int e) { return std::error_code(e, std::generic_category()).message(); }

class Walker {
 public:
  Walker(const std::string& root, bool recursive, const WalkCallbacks& cb)
      : root_(root), recursive_(recursive), cb_(cb) {}

  // Lists the directory open as `fd` (closed here), `rel` its path under root.
  Status List(int fd, const std::string& rel) {
    DIR* d = ::fdopendir(fd);
    if (!d) {
      const int e = errno;
      ::close(fd);
      return Incomplete(rel, e);
    }
    Status status;
    for (;;) {
      errno = 0;
      const dirent* ent = ::readdir(d);
      if (!ent) {
        if (errno != 0) status = Incomplete(rel, errno);
        break;
      }
      const char* name = ent->d_name;
      if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) continue;
      status = Entry(::dirfd(d), rel, name, ent->d_type);
      if (!status.ok()) break;
    }
    ::closedir(d);
    return status;
  }

  Status Incomplete(const std::string& rel, int e) {
    outcome_.complete = false;
    outcome_.problems.push_back("directory " + Join(root_, rel) + " could not be listed whole: " +
                                ErrnoText(e));
    return Status::OK();
  }

  WalkOutcome& outcome() { return outcome_; }

  static std::string Join(const std::string& a, const std::string& b) {
    if (b.empty()) return a;
    if (a.empty()) return b;
    return a.back() == '/' ? a + b : a + "/" + b;
  }

 private:
  Status Entry(int dfd, const std::string& rel, const char* name, unsigned char type) {
    struct stat st;
    if (type == DT_DIR || type == DT_UNKNOWN) {
      if (type == DT_UNKNOWN && ::fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return Status::OK();
      if (type == DT_DIR || S_ISDIR(st.st_mode)) {
        if (!recursive_) return Status::OK();
        const std::string sub = Join(rel, name);
        const int fd = ::openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) return errno == EACCES ? Status::OK() : Incomplete(sub, errno);  // as skip_permission_denied
        return List(fd, sub);
      }
    }
    if (type != DT_REG && type != DT_LNK && type != DT_UNKNOWN) return Status::OK();
    if (!cb_.wanted(name)) return Status::OK();
    if (::fstatat(dfd, name, &st, 0) != 0 || !S_ISREG(st.st_mode)) return Status::OK();  // gone, dangling, a dir link
    file_.rel = Join(rel, name);
    file_.full = Join(root_, file_.rel);
    file_.size = uint64_t(st.st_size);
    file_.mtime_ns = int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    return cb_.visit(file_);
  }

  const std::string& root_;
  const bool recursive_;
  const WalkCallbacks& cb_;
  WalkOutcome outcome_;
  WalkedFile file_;  // reused: one allocation per path length, not per file
};

}  // namespace

std::string_view WalkedFile::name() const {
  const size_t slash = rel.rfind('/');
  return slash == std::string::npos ? std::string_view(rel) : std::string_view(rel).substr(slash + 1);
}

Result<WalkOutcome> WalkFiles(const std::string& root, bool recursive, const WalkCallbacks& callbacks) {
  Walker w(root, recursive, callbacks);
  const int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    QCFLOW_RETURN_IF_ERROR(w.Incomplete("", errno));
  } else {
    QCFLOW_RETURN_IF_ERROR(w.List(fd, ""));
  }
  return std::move(w.outcome());
}

}  // namespace qcflow::files
