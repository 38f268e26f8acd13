#include "ingest/file_mover/place.h"

#include <filesystem>

namespace qcflow::file_mover {
namespace {

namespace fs = std::filesystem;

constexpr int kMaxKeepBoth = 10'000;  // "name (9999).ext" is the last name tried

}  // namespace

std::string KeepBothName(const std::string& path, int n) {
  fs::path p(path);
  std::string stem = p.stem().string(), ext = p.extension().string();
  return (p.parent_path() / (stem + " (" + std::to_string(n) + ")" + ext)).string();
}

Placement PlaceFile(const std::string& src, const std::string& first, const PlaceOptions& o) {
  Placement p;
  auto fail = [&](Placement::Outcome outcome, const Status& st) {
    p.outcome = outcome;
    p.problem = st.message();
    return p;
  };
  if (Status r = CanRead(src); !r.ok()) {
    return fail(r.IsNotFound() ? Placement::kGone : Placement::kUnreadable, r);
  }
  if (Status d = MakeDirs(fs::path(first).parent_path().string()); !d.ok()) {
    return fail(Placement::kError, d);
  }
  auto src_failed = [&](const Status& st) {
    if (st.IsNotFound()) return Placement::kGone;
    return st.message().rfind("cannot read " + src, 0) == 0 ? Placement::kUnreadable : Placement::kError;
  };
  bool rename_possible = o.by_rename;
  // Puts `src` at `target`; `replace` when it may replace an existing file.
  auto write = [&](const std::string& target, bool replace) -> Status {
    if (rename_possible) {
      auto stat = StatRegular(src);
      if (!stat.ok()) return stat.status();
      Status r = Rename(src, target, replace);
      if (r.code() != Status::Code::kFailedPrecondition) {  // EXDEV: copy below
        if (r.ok()) {
          p.content = {stat->size, 0};
          p.source_renamed = true;
        }
        return r;
      }
      rename_possible = false;
    }
    const std::string temp = TempName(target);
    auto copied = CopyToTemp(src, temp);
    if (!copied.ok()) return copied.status();
    Status r = Rename(temp, target, replace);
    if (!r.ok()) RemoveFile(temp);
    p.content = *copied;
    return r;
  };
  for (int n = 1; n < kMaxKeepBoth; ++n) {
    p.target = n == 1 ? first : KeepBothName(first, n);
    auto there = StatRegular(p.target);
    if (there.status().IsNotFound()) {
      Status w = write(p.target, false);
      if (w.code() == Status::Code::kAlreadyExists) continue;  // appeared meanwhile: look again
      if (!w.ok()) return fail(src_failed(w), w);
      p.outcome = n == 1 ? Placement::kWritten : Placement::kRenamed;
      return p;
    }
    if (!there.ok() && there.status().code() != Status::Code::kFailedPrecondition) {
      return fail(Placement::kError, there.status());
    }
    if (there.ok()) {
      auto same = SameContent(src, p.target);
      if (!same.ok()) return fail(src_failed(same.status()), same.status());
      if (*same) {
        auto h = HashFile(src);
        if (!h.ok()) return fail(src_failed(h.status()), h.status());
        p.content = *h;
        p.outcome = Placement::kIdentical;
        return p;
      }
    }
    const std::string what = there.ok() ? " exists with other content" : " exists and is not a regular file";
    if (o.on_conflict == OnConflict::kKeepBoth) continue;
    if (o.on_conflict == OnConflict::kReplaceIfNewer && there.ok() && o.source_mtime_ns > there->mtime_ns) {
      Status w = write(p.target, true);
      if (!w.ok()) return fail(src_failed(w), w);
      p.outcome = Placement::kReplaced;
      return p;
    }
    p.outcome = Placement::kConflict;
    p.problem = p.target + what + (o.on_conflict == OnConflict::kSkip
                                       ? " (on_conflict = \"skip\")"
                                       : " and is not older (on_conflict = \"replace-if-newer\")") +
                ": " + src + " is left where it is";
    return p;
  }
  p.outcome = Placement::kError;
  p.problem = "no free name for " + first + " (up to \" (9999)\")";
  return p;
}

}  // namespace qcflow::file_mover
