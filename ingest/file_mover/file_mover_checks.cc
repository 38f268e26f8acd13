// `qcflow validate` for a [[source.file_mover]]: the source directory exists
// and is readable, the destination exists (or its nearest existing parent
// lets qcflow create it) and is writable, and the two do not overlap. Also
// counts what a pass would take now. Read-only: nothing is created.
#include <unistd.h>

#include <filesystem>

#include "ingest/file_mover/file_mover_component.h"
#include "process/component/wording.h"

namespace qcflow::file_mover {
namespace {

namespace fs = std::filesystem;
using component::Checklist;
using component::Plural;
using component::Quote;
using component::ServiceUserName;

bool CheckSource(const MoverSettings& s, const std::string& who, Checklist* list) {
  std::error_code ec;
  if (!fs::exists(s.source, ec)) {
    list->Fail(who + "the source directory " + s.source + " does not exist: create or mount it, or fix "
               "source in the config.");
    return false;
  }
  if (!fs::is_directory(s.source, ec)) {
    list->Fail(who + s.source + " is not a directory: source must name the directory whose files are "
               "moved.");
    return false;
  }
  if (::access(s.source.c_str(), R_OK | X_OK) != 0) {
    list->Fail(who + "the source directory " + s.source + " is not readable by " + ServiceUserName() +
               ": grant read access (mount options uid/gid or file_mode on a share).");
    return false;
  }
  if (s.move && ::access(s.source.c_str(), W_OK) != 0) {
    list->Fail(who + "mode = \"move\" but " + ServiceUserName() + " may not remove files from " + s.source +
               ": grant write access to the directory, or set mode = \"copy\".");
    return false;
  }
  return true;
}

bool CheckDestination(const MoverSettings& s, const std::string& who, Checklist* list) {
  std::error_code ec;
  fs::path existing = fs::absolute(s.destination, ec).lexically_normal();
  while (!fs::exists(existing, ec) && existing.has_parent_path() && existing.parent_path() != existing) {
    existing = existing.parent_path();
  }
  const bool created = existing != fs::absolute(s.destination, ec).lexically_normal();
  if (!fs::is_directory(existing, ec)) {
    list->Fail(who + existing.string() + " is not a directory: destination must name a directory.");
    return false;
  }
  if (::access(existing.c_str(), W_OK | X_OK) != 0) {
    list->Fail(who + (created ? "the destination " + s.destination + " does not exist and " +
                                    existing.string() + " does not let " + ServiceUserName() + " create it"
                              : "the destination " + s.destination + " is not writable by " +
                                    ServiceUserName()) +
               ": grant write access, or fix destination in the config.");
    return false;
  }
  list->Ok(who + "the destination " + s.destination +
           (created ? " does not exist yet; qcflow will create it (in " + existing.string() + ")"
                    : " is writable"));
  return true;
}

// What a pass would take now, without reading any file.
size_t Count(const MoverSettings& s) {
  size_t n = 0;
  std::error_code ec;
  auto take = [&](const fs::directory_entry& e) {
    std::error_code e2;
    n += e.symlink_status(e2).type() == fs::file_type::regular && !IsTempName(e.path().filename().string());
  };
  if (s.recursive) {
    for (fs::recursive_directory_iterator it(s.source, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) take(*it);
  } else {
    for (fs::directory_iterator it(s.source, ec), end; !ec && it != end; it.increment(ec)) take(*it);
  }
  return n;
}

}  // namespace

void FileMoverComponent::Check(component::CheckContext& ctx) const {
  const MoverSettings& s = settings_;
  const std::string who = "file mover " + Quote(name()) + ": ";
  if (std::string why = DirectoriesProblem(s); !why.empty()) {
    ctx.list->Fail(who + why + ".");
    return;
  }
  const bool source_ok = CheckSource(s, who, ctx.list);
  const bool destination_ok = CheckDestination(s, who, ctx.list);
  if (!source_ok || !destination_ok) return;
  ctx.list->Ok(who + s.source + " is readable; " + Plural(Count(s), "file is", "files are") + " in it" +
               (s.recursive ? " and below" : "") + " (before pattern and ignore); each pass will " +
               (s.move ? "move" : "copy") + " the settled ones to " + s.destination);
}

}  // namespace qcflow::file_mover
