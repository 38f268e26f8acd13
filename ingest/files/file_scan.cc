#include "ingest/files/file_scan.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <system_error>

#include "store/content_hash.h"
#include "store/journal.h"
#include "store/record.h"
#include "store/text_util.h"

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

bool FileScanner::Unchanged(const std::string& full) {
  auto k = known_.find(full);
  if (k == known_.end()) return false;
  auto st = StatFile(full);
  if (!st.ok() || st->size != k->second.size || st->mtime_ns != k->second.mtime_ns) return false;
  k->second.pass = pass_;
  return true;
}

void FileScanner::Problem(const std::string& what, FileScanReport* report) {
  if (reported_.insert(what).second) report->problems.push_back(what);
}

Result<FileScanReport> FileScanner::Pass(Journal* journal, MicrosUtc now) {
  FileScanReport report;
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
    auto visit = [&](const fs::directory_entry& e) -> Status {
      std::error_code fec;
      if (!e.is_regular_file(fec)) return Status::OK();  // directories, FIFOs, sockets
      const std::string name = e.path().filename().string();
      if (!MatchesAnyGlob(options_.patterns, name)) return Status::OK();
      const std::string full = e.path().string();
      if (Unchanged(full)) {  // the common case of a re-scan: one stat, nothing else
        ++report.seen;
        return Status::OK();
      }
      const std::string rel = e.path().lexically_relative(dir).generic_string();
      if (MatchesAnyGlob(options_.ignore, name) || MatchesAnyGlob(options_.ignore, rel)) return Status::OK();
      ++report.seen;
      return Take(journal, dir, full, rel, now, &report);
    };
    const auto opts = fs::directory_options::skip_permission_denied;
    if (options_.recursive) {
      fs::recursive_directory_iterator it(dir, opts, ec), end;
      for (; !ec && it != end; it.increment(ec)) QCFLOW_RETURN_IF_ERROR(visit(*it));
    } else {
      fs::directory_iterator it(dir, opts, ec), end;
      for (; !ec && it != end; it.increment(ec)) QCFLOW_RETURN_IF_ERROR(visit(*it));
    }
    if (ec) {
      complete = false;
      Problem("directory " + dir + " could not be listed whole: " + ec.message(), &report);
    }
  }
  QCFLOW_RETURN_IF_ERROR(Flush(journal, &report));
  if (complete) std::erase_if(known_, [this](const auto& k) { return k.second.pass != pass_; });
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

Status FileScanner::Take(Journal* journal, const std::string& dir, const std::string& full,
                         const std::string& rel, MicrosUtc now, FileScanReport* report) {
  auto before = StatFile(full);
  if (!before.ok()) {
    Problem(before.status().message(), report);
    return Status::OK();
  }
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
  rec.kind = Kind::kFile;
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
