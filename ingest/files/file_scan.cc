#include "ingest/files/file_scan.h"

#include <sys/stat.h>

#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <system_error>

#include "store/content_hash.h"
#include "store/derived.h"
#include "store/journal.h"
#include "store/record.h"
#include "store/store.h"
#include "store/text_util.h"
#include "store/write_set.h"

namespace qcflow::files {
namespace {

namespace fs = std::filesystem;

constexpr size_t kBatchFiles = 256;
constexpr size_t kBatchBytes = 64u << 20;

struct Stat {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
};

Result<Stat> StatFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return Status::IOError(path + ": " + std::error_code(errno, std::generic_category()).message());
  }
  return Stat{uint64_t(st.st_size), int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

Result<std::string> ReadWhole(const std::string& path, uint64_t size) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::IOError(path + ": cannot be opened (" +
                           std::error_code(errno, std::generic_category()).message() + ")");
  }
  std::string bytes(size, '\0');
  in.read(bytes.data(), std::streamsize(size));
  if (in.gcount() != std::streamsize(size)) return Status::IOError(path + ": read fell short");
  return bytes;
}

// Why text is not valid in `enc`, or "" (the transform converts it the same way).
std::string TextProblem(std::string_view bytes, TextEncoding enc) {
  auto text = TextToUtf8(bytes, EncodingName(enc));
  if (text.ok()) return "";
  return text.status().message() +
         "; set encoding (utf-8, latin-1, cp1252) or mode = \"binary\" for this source";
}

}  // namespace

std::string ModeName(FileMode mode) { return mode == FileMode::kText ? "text" : "binary"; }

std::string EncodingName(TextEncoding enc) {
  switch (enc) {
    case TextEncoding::kUtf8: return "utf-8";
    case TextEncoding::kLatin1: return "latin-1";
    case TextEncoding::kCp1252: return "cp1252";
  }
  return "utf-8";
}

bool FileScanner::Unchanged(const WalkedFile& f) {
  auto k = known_.find(f.full);
  if (k == known_.end() || f.size != k->second.size || f.mtime_ns != k->second.mtime_ns) return false;
  k->second.pass = pass_;
  return true;
}

void FileScanner::Problem(const std::string& what, FileScanReport* report) {
  if (reported_.insert(what).second) report->problems.push_back(what);
}

std::string FileScanner::MemoryPrefix() const { return options_.source_id + std::string(1, '\0'); }

// What decides how a file is journaled: a remembered file journaled under
// other settings is read again (a raised max_size takes an oversize file).
std::string FileScanner::Fingerprint() const {
  return ModeName(options_.mode) + "/" + EncodingName(options_.encoding) + "/" +
         std::to_string(options_.max_size);
}

Status FileScanner::LoadMemory() {
  if (!memory_ || loaded_) return Status::OK();
  const std::string prefix = MemoryPrefix(), fingerprint = Fingerprint();
  QCFLOW_RETURN_IF_ERROR(memory_->derived().Scan(
      kScannedNs, prefix, [&](std::string_view key, std::string_view value) {
        // "<size> <mtime_ns> <fingerprint>"
        const std::string v(value);
        Known k;
        char fp[128] = {0};
        if (std::sscanf(v.c_str(), "%" SCNu64 " %" SCNd64 " %127s", &k.size, &k.mtime_ns, fp) == 3 &&
            fingerprint == fp) {
          known_[std::string(key.substr(prefix.size()))] = k;
        } else {
          forgotten_.insert(std::string(key.substr(prefix.size())));
        }
        return true;
      }));
  loaded_ = true;
  return Status::OK();
}

Status FileScanner::SaveMemory() {
  if (!memory_ || (changed_.empty() && forgotten_.empty())) return Status::OK();
  WriteSet ws;
  const std::string prefix = MemoryPrefix(), fingerprint = Fingerprint();
  for (const std::string& full : changed_) {
    auto k = known_.find(full);
    if (k == known_.end()) continue;
    ws.ReplaceDerived(kScannedNs, prefix + full,
                      std::to_string(k->second.size) + " " + std::to_string(k->second.mtime_ns) + " " +
                          fingerprint);
  }
  for (const std::string& full : forgotten_) {
    if (!known_.count(full)) ws.DeleteDerived(kScannedNs, prefix + full);
  }
  auto c = memory_->Commit(ws);
  if (!c.ok()) return c.status().WithContext("remembering the scanned files");
  changed_.clear();
  forgotten_.clear();
  return Status::OK();
}

Result<FileScanReport> FileScanner::Pass(Journal* journal, MicrosUtc now) {
  FileScanReport report;
  QCFLOW_RETURN_IF_ERROR(LoadMemory());
  ++pass_;
  bool complete = true;  // every directory listed whole: what it did not see is gone
  for (const std::string& dir : options_.dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      complete = false;
      Problem("directory " + dir + " is not there (or not a directory); it is checked again every pass",
              &report);
      continue;
    }
    WalkCallbacks cb;
    cb.wanted = [this](std::string_view name) {
      const std::string n(name);
      return MatchesAnyGlob(options_.patterns, n) && !MatchesAnyGlob(options_.ignore, n);
    };
    cb.visit = [&](const WalkedFile& f) -> Status {
      if (Unchanged(f)) {  // the common case of a re-scan: one stat, nothing else
        ++report.seen;
        return Status::OK();
      }
      if (MatchesAnyGlob(options_.ignore, f.rel)) return Status::OK();
      ++report.seen;
      return Take(journal, dir, f, now, &report);
    };
    auto walked = WalkFiles(dir, options_.recursive, cb);
    if (!walked.ok()) return walked.status();
    if (!walked->complete) complete = false;
    for (const std::string& p : walked->problems) Problem(p, &report);
  }
  QCFLOW_RETURN_IF_ERROR(Flush(journal, &report));
  if (complete) {
    std::erase_if(known_, [this](const auto& k) {
      if (k.second.pass == pass_) return false;
      if (memory_) forgotten_.insert(k.first);
      return true;
    });
  }
  QCFLOW_RETURN_IF_ERROR(SaveMemory());
  return report;
}

Status FileScanner::Flush(Journal* journal, FileScanReport* report) {
  if (batch_.empty()) return Status::OK();
  std::vector<Record> records;
  records.reserve(batch_.size());
  for (Pending& p : batch_) records.push_back(std::move(p.record));
  auto appended = journal->AppendBatch(records);
  std::vector<Pending> batch = std::move(batch_);
  batch_.clear();
  batch_bytes_ = 0;
  if (!appended.ok()) return appended.status().WithContext("journaling " + batch.front().full);
  for (size_t i = 0; i < batch.size(); ++i) {
    known_[batch[i].full] = {batch[i].known.size, batch[i].known.mtime_ns, pass_};
    if (memory_) changed_.push_back(batch[i].full);
    if ((*appended)[i].duplicate) continue;
    ++report->appended;
    if (!batch[i].reason.empty()) {
      ++report->quarantined;
      report->problems.push_back(batch[i].full + " quarantined (journaled, not uploaded): " +
                                 batch[i].reason);
    }
  }
  return Status::OK();
}

Status FileScanner::Take(Journal* journal, const std::string& dir, const WalkedFile& f, MicrosUtc now,
                         FileScanReport* report) {
  const std::string& full = f.full;
  const std::string& rel = f.rel;
  const Stat stat{f.size, f.mtime_ns};
  const Stat* before = &stat;
  const MicrosUtc mtime = before->mtime_ns / 1000;
  if (options_.since && mtime < *options_.since) {
    ++report->before_since;  // stat'ed again next pass: raising history takes it
    return Status::OK();
  }
  if (now - mtime < MicrosUtc(options_.settle.count()) * 1000) {
    ++report->unsettled;
    return Status::OK();
  }

  Record rec;
  rec.kind = options_.kind;
  rec.source_id = options_.source_id;
  rec.event_time = mtime;
  rec.event_time_text = FormatUtcIso(mtime);
  rec.capture_time = now;
  nlohmann::json meta = {{"dir", dir},
                         {"path", rel},
                         {"size", before->size},
                         {"mtime", rec.event_time_text},
                         {"mode", ModeName(options_.mode)},
                         {"encoding", EncodingName(options_.encoding)}};
  const std::string identity = dir + std::string(1, '\0') + rel + std::string(1, '\0') +
                               std::to_string(before->size) + std::string(1, '\0');
  std::string reason;
  if (before->size > options_.max_size) {
    // Not read: its identity is what stat says.
    rec.dedup_key = identity + "oversize/" + std::to_string(before->mtime_ns);
    reason = "the file is " + std::to_string(before->size) + " bytes, over max_size (" +
             std::to_string(options_.max_size) + "); raise max_size to take it";
  } else {
    auto bytes = ReadWhole(full, before->size);
    if (!bytes.ok()) {
      Problem(bytes.status().message(), report);
      return Status::OK();
    }
    auto after = StatFile(full);
    if (!after.ok() || after->size != before->size || after->mtime_ns != before->mtime_ns) {
      ++report->unsettled;  // still being written: the next pass takes it whole
      return Status::OK();
    }
    rec.dedup_key = identity + Fnv1a64Hex(*bytes);
    if (options_.mode == FileMode::kText) reason = TextProblem(*bytes, options_.encoding);
    if (options_.shape) {
      RecordShape shape;
      options_.shape(*bytes, &shape);
      if (!shape.dedup_key.empty()) rec.dedup_key = std::move(shape.dedup_key);
      if (shape.event_time) {
        rec.event_time = *shape.event_time;
        rec.event_time_text = shape.event_time_text;
      }
      for (auto& [key, value] : shape.meta) meta[key] = std::move(value);
      if (reason.empty()) reason = std::move(shape.reason);
    }
    rec.payload = std::move(*bytes);
  }
  if (!reason.empty()) {
    rec.flags |= kFlagQuarantined;
    meta["reason"] = reason;
  }
  rec.meta = meta.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  batch_bytes_ += rec.payload.size();
  batch_.push_back({std::move(rec), full, {before->size, before->mtime_ns}, std::move(reason)});
  // One synced write per batch, not per file; bounded in memory as in count.
  if (batch_.size() >= kBatchFiles || batch_bytes_ >= kBatchBytes) return Flush(journal, report);
  return Status::OK();
}

}  // namespace qcflow::files
