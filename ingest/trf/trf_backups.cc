#include "ingest/trf/trf_backups.h"

#include <sys/stat.h>
#include <zip.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <system_error>

#include "ingest/files/dir_walk.h"
#include "ingest/files/file_scan.h"
#include "ingest/trf/trf_capture.h"
#include "store/derived.h"
#include "store/journal.h"
#include "store/store.h"
#include "store/text_util.h"
#include "store/write_set.h"

namespace qcflow::trf {
namespace {

constexpr uint64_t kMaxMember = 1ull << 30;  // a log is a few MB
constexpr size_t kBatchRecords = 64;

std::string ZipError(int code) {
  zip_error_t e;
  zip_error_init_with_code(&e, code);
  std::string s = zip_error_strerror(&e);
  zip_error_fini(&e);
  return s;
}

// Closes a read-only archive (discarding: nothing to write back).
struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
using ZipPtr = std::unique_ptr<zip_t, ZipCloser>;

Result<std::string> ReadMember(zip_t* z, zip_uint64_t index, uint64_t size) {
  zip_file_t* f = zip_fopen_index(z, index, 0);
  if (!f) return Status::IOError(zip_strerror(z));
  std::string bytes(size, '\0');
  uint64_t got = 0;
  while (got < size) {
    const zip_int64_t n = zip_fread(f, bytes.data() + got, size - got);
    if (n <= 0) break;
    got += uint64_t(n);
  }
  // A CRC mismatch shows at the end of the member: read past it to learn.
  char extra;
  const zip_int64_t tail = got == size ? zip_fread(f, &extra, 1) : -1;
  std::string why = tail < 0 ? zip_file_strerror(f) : "";
  zip_fclose(f);
  if (got != size || tail != 0) {
    return Status::IOError(got != size ? "read fell short (" + std::to_string(got) + " of " +
                                             std::to_string(size) + " bytes): " + why
                                       : "damaged member: " + why);
  }
  return bytes;
}

}  // namespace

TrfBackupOptions BackupOptionsFor(const TrfCaptureSettings& capture, std::string dir, Kind kind) {
  TrfBackupOptions o;
  o.source_id = capture.source_id;
  o.linac = capture.linac;
  o.zone = capture.zone;
  o.dir = std::move(dir);
  o.member_patterns = capture.patterns;
  o.settle = capture.settle;
  o.kind = kind;
  return o;
}

void TrfBackupReport::Add(const TrfBackupReport& r) {
  zips_seen += r.zips_seen;
  zips_read += r.zips_read;
  logs += r.logs;
  appended += r.appended;
  quarantined += r.quarantined;
  unsettled += r.unsettled;
  problems.insert(problems.end(), r.problems.begin(), r.problems.end());
}

void TrfBackupReader::Problem(const std::string& what, TrfBackupReport* report) {
  if (reported_.insert(what).second) report->problems.push_back(what);
}

Status TrfBackupReader::LoadMemory() {
  if (!memory_ || loaded_) return Status::OK();
  const std::string prefix = options_.source_id + std::string(1, '\0');
  QCFLOW_RETURN_IF_ERROR(memory_->derived().Scan(
      kBackupsReadNs, prefix, [&](std::string_view key, std::string_view value) {
        Known k;
        if (std::sscanf(std::string(value).c_str(), "%" SCNu64 " %" SCNd64, &k.size, &k.mtime_ns) == 2) {
          known_[std::string(key.substr(prefix.size()))] = k;
        }
        return true;
      }));
  loaded_ = true;
  return Status::OK();
}

Status TrfBackupReader::ReadZip(const std::string& path, const std::string& zip, Journal* journal,
                                MicrosUtc now, TrfBackupReport* report) {
  return Read(path, zip, journal, now, report).status();
}

Result<bool> TrfBackupReader::Read(const std::string& path, const std::string& zip, Journal* journal,
                                   MicrosUtc now, TrfBackupReport* report) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    Problem(path + ": " + std::error_code(errno, std::generic_category()).message(), report);
    return false;
  }
  const MicrosUtc mtime = int64_t(st.st_mtim.tv_sec) * kMicrosPerSecond + st.st_mtim.tv_nsec / 1000;
  int err = 0;
  ZipPtr z(zip_open(path.c_str(), ZIP_RDONLY, &err));
  if (!z) {
    Problem(path + ": not a readable zip archive (" + ZipError(err) + "); tried again next pass", report);
    return false;
  }
  bool whole = true;
  ++report->zips_read;
  std::vector<Record> batch;
  auto flush = [&]() -> Status {
    if (batch.empty()) return Status::OK();
    auto appended = journal->AppendBatch(batch);
    if (!appended.ok()) return appended.status().WithContext("journaling the logs of " + path);
    for (size_t i = 0; i < batch.size(); ++i) {
      if ((*appended)[i].duplicate) continue;
      ++report->appended;
      if (batch[i].quarantined()) ++report->quarantined;
    }
    batch.clear();
    return Status::OK();
  };
  const zip_int64_t n = zip_get_num_entries(z.get(), 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t ms;
    if (zip_stat_index(z.get(), zip_uint64_t(i), 0, &ms) != 0 || !(ms.valid & ZIP_STAT_NAME)) continue;
    const std::string member = ms.name;
    if (member.empty() || member.back() == '/') continue;  // a directory entry
    const size_t slash = member.find_last_of("/\\");
    const std::string base = slash == std::string::npos ? member : member.substr(slash + 1);
    if (!MatchesAnyGlob(options_.member_patterns, base)) continue;
    ++report->logs;
    if (!(ms.valid & ZIP_STAT_SIZE) || ms.size > kMaxMember) {
      Problem(path + "!/" + member + ": no size, or over 1 GiB: not a TRF log; skipped", report);
      whole = false;
      continue;
    }
    auto bytes = ReadMember(z.get(), zip_uint64_t(i), ms.size);
    if (!bytes.ok()) {
      Problem(path + "!/" + member + ": " + bytes.status().message(), report);
      whole = false;
      continue;
    }
    files::RecordShape shape;
    ShapeTrfRecord(*bytes, options_.linac, options_.zone, &shape);
    Record rec;
    rec.kind = options_.kind;
    rec.source_id = options_.source_id;
    rec.event_time = shape.event_time.value_or(mtime);
    rec.event_time_text = shape.event_time ? shape.event_time_text : FormatUtcIso(mtime);
    rec.capture_time = now;
    rec.dedup_key = std::move(shape.dedup_key);
    nlohmann::json meta = {{"backups", options_.dir}, {"zip", zip}, {"member", member},
                           {"size", bytes->size()}};
    for (auto& [key, value] : shape.meta) meta[key] = std::move(value);
    if (!shape.reason.empty()) {
      rec.flags |= kFlagQuarantined;
      meta["reason"] = shape.reason;
      report->problems.push_back(path + "!/" + member + " quarantined: " + shape.reason);
    }
    rec.meta = meta.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    rec.payload = std::move(*bytes);
    batch.push_back(std::move(rec));
    if (batch.size() >= kBatchRecords) QCFLOW_RETURN_IF_ERROR(flush());
  }
  QCFLOW_RETURN_IF_ERROR(flush());
  return whole;
}

Result<TrfBackupReport> TrfBackupReader::Pass(Journal* journal, MicrosUtc now) {
  TrfBackupReport report;
  QCFLOW_RETURN_IF_ERROR(LoadMemory());
  std::error_code ec;
  if (!std::filesystem::is_directory(options_.dir, ec)) {
    Problem("backups folder " + options_.dir + " is not there (or not a directory; is the NSS share "
            "mounted?); it is checked again every pass", &report);
    return report;
  }
  std::set<std::string> seen;
  WriteSet ws;
  const std::string prefix = options_.source_id + std::string(1, '\0');
  // Listed first, then read in name order (SDD+<date>: oldest first), so a log
  // in several backups is filed under the earliest, whatever readdir's order.
  std::vector<files::WalkedFile> zips;
  files::WalkCallbacks cb;
  cb.wanted = [this](std::string_view name) { return MatchesAnyGlob(options_.zip_patterns, std::string(name)); };
  cb.visit = [&](const files::WalkedFile& f) {
    zips.push_back(f);
    return Status::OK();
  };
  auto walked = files::WalkFiles(options_.dir, options_.recursive, cb);
  if (!walked.ok()) return walked.status();
  std::sort(zips.begin(), zips.end(), [](const auto& a, const auto& b) { return a.rel < b.rel; });
  for (const files::WalkedFile& f : zips) {
    ++report.zips_seen;
    seen.insert(f.full);
    auto k = known_.find(f.full);
    if (k != known_.end() && k->second.size == f.size && k->second.mtime_ns == f.mtime_ns) continue;
    if (now - f.mtime_ns / 1000 < MicrosUtc(options_.settle.count()) * 1000) {
      ++report.unsettled;
      continue;
    }
    auto whole = Read(f.full, f.rel, journal, now, &report);
    if (!whole.ok()) return whole.status();
    struct stat after;
    if (::stat(f.full.c_str(), &after) != 0 || uint64_t(after.st_size) != f.size ||
        int64_t(after.st_mtim.tv_sec) * 1'000'000'000 + after.st_mtim.tv_nsec != f.mtime_ns) {
      ++report.unsettled;  // still being written: read again whole later (dedup keeps what was taken)
      continue;
    }
    // Not remembered when something did not read: a later pass tries it again
    // (quarantined members are journaled, so they do not count).
    if (!*whole) continue;
    known_[f.full] = {f.size, f.mtime_ns};
    if (memory_) {
      ws.ReplaceDerived(kBackupsReadNs, prefix + f.full,
                        std::to_string(f.size) + " " + std::to_string(f.mtime_ns));
    }
  }
  for (const std::string& p : walked->problems) Problem(p, &report);
  if (walked->complete) {
    // Only this folder's: a backfill of another folder keeps the daemon's memory.
    const std::string under = options_.dir + "/";
    std::erase_if(known_, [&](const auto& k) {
      if (seen.count(k.first) || k.first.rfind(under, 0) != 0) return false;
      if (memory_) ws.DeleteDerived(kBackupsReadNs, prefix + k.first);
      return true;
    });
  }
  if (memory_ && !ws.empty()) {
    auto c = memory_->Commit(ws);
    if (!c.ok()) return c.status().WithContext("remembering the backups read");
  }
  return report;
}

}  // namespace qcflow::trf
