#include "ingest/mpc/tds_scanner.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "ingest/mpc/results_csv.h"
#include "ingest/mpc/run_folder.h"
#include "store/coding.h"
#include "store/content_hash.h"
#include "store/derived.h"
#include "store/journal.h"
#include "store/store.h"

namespace qcflow::mpc {

namespace fs = std::filesystem;

namespace {

// Derived namespace remembering journaled files: key = source id \0 relative path.
constexpr const char* kFilesNs = "mpc.files";

std::string MemoryKey(const std::string& source, const std::string& relative) {
  return source + '\0' + relative;
}

bool IsResultsCsv(const fs::path& p) {
  std::string name = p.filename().string();
  if (name.size() != 11) return false;
  for (char& c : name) c = char(std::tolower(uint8_t(c)));
  return name == "results.csv";
}

// "" for a regular file, else what it is, for the quarantine reason.
std::string NotRegular(mode_t mode) {
  if (S_ISREG(mode)) return "";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISDIR(mode)) return "a directory";
  return "of an unknown file type";
}

std::string NotRegularReason(const std::string& what) {
  return "Results.csv is " + what + ", not a regular file, so it was not read (MPC writes a "
         "regular file); replace it with the run's real Results.csv and it is read then";
}

// O_NONBLOCK: a FIFO swapped in after the directory walk must not hang the scan.
Result<std::string> ReadWholeFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return Status::IOError("cannot open " + path + ": " + std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::IOError(path + " is no longer a regular file");
  }
  std::string bytes;
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      return Status::IOError("error reading " + path + ": " + std::strerror(e));
    }
    if (n == 0) break;
    bytes.append(buf, size_t(n));
  }
  ::close(fd);
  return bytes;
}

}  // namespace

TdsScanner::TdsScanner(TdsScanConfig config, Store* store)
    : config_(std::move(config)), store_(store) {
  if (config_.source_id.empty()) config_.source_id = config_.root;
}

Status TdsScanner::LoadMemory() {
  std::string prefix = config_.source_id + '\0';
  return store_->derived().Scan(kFilesNs, prefix, [&](std::string_view key, std::string_view v) {
    uint64_t size = 0, mtime = 0;
    if (coding::GetFixed64(&v, &size) && coding::GetFixed64(&v, &mtime)) {
      journaled_[std::string(key.substr(prefix.size()))] = {size, int64_t(mtime)};
    }
    return true;
  });
}

Status TdsScanner::ListCandidates(std::vector<Candidate>* out, ScanReport* report) {
  std::error_code ec;
  fs::path root(config_.root);
  if (!fs::is_directory(root, ec)) {
    return Status::Unavailable("TDS directory " + config_.root +
                               " is not readable (missing, not a directory, or the share is "
                               "not mounted); will retry");
  }
  std::vector<fs::path> bases;
  if (config_.fast_search) {
    for (fs::directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
      fs::path checks = it->path() / "MPCChecks";
      std::error_code e2;
      if (fs::is_directory(checks, e2)) bases.push_back(checks);
    }
  } else {
    bases.push_back(root);
  }
  if (ec) {
    return Status::Unavailable("cannot list TDS directory " + config_.root + ": " + ec.message());
  }
  for (const fs::path& base : bases) {
    std::error_code walk_ec;
    for (fs::recursive_directory_iterator
             it(base, fs::directory_options::skip_permission_denied, walk_ec), end;
         !walk_ec && it != end; it.increment(walk_ec)) {
      if (!IsResultsCsv(it->path())) continue;
      struct stat st;
      if (::stat(it->path().c_str(), &st) != 0) continue;
      Candidate c;
      c.not_regular = NotRegular(st.st_mode);
      if (S_ISDIR(st.st_mode)) it.disable_recursion_pending();
      c.path = it->path().string();
      // Lexical: no stat per path component (a network share pays for each), and a
      // symlink inside the tree does not change the key the file is remembered by.
      c.relative = it->path().lexically_relative(root).string();
      c.folder = it->path().parent_path().filename().string();
      c.state = {uint64_t(st.st_size), int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
      out->push_back(std::move(c));
    }
    if (walk_ec) report->problems.push_back("could not walk " + base.string() + ": " + walk_ec.message());
  }
  return Status::OK();
}

Status TdsScanner::Flush(std::vector<Candidate>* files, std::vector<Record>* batch,
                         ScanReport* report) {
  if (batch->empty()) return Status::OK();
  auto results = store_->journal().AppendBatch(*batch);
  if (!results.ok()) return results.status();
  WriteSet memory;
  for (size_t i = 0; i < batch->size(); ++i) {
    if ((*results)[i].duplicate) {
      ++report->duplicates;
    } else {
      ++report->appended;
      if ((*batch)[i].quarantined()) ++report->quarantined;
    }
    const Candidate& c = (*files)[i];
    std::string v;
    coding::PutFixed64(&v, c.state.size);
    coding::PutFixed64(&v, uint64_t(c.state.mtime_ns));
    memory.ReplaceDerived(kFilesNs, MemoryKey(config_.source_id, c.relative), v);
    journaled_[c.relative] = c.state;
  }
  auto committed = store_->Commit(memory);
  batch->clear();
  files->clear();
  return committed.status();
}

Status TdsScanner::ReadAndJournal(std::vector<ToRead>* files, MicrosUtc now,
                                  ScanReport* report) {
  struct Read {
    Result<std::string> bytes = std::string();
    Status shape;      // CheckResultsCsv's verdict, when it was checked
    std::string hash;  // Fnv1a64Hex of the bytes
  };
  std::vector<Read> reads(files->size());
  oneapi::tbb::parallel_for(
      oneapi::tbb::blocked_range<size_t>(0, files->size(), 8),
      [&](const oneapi::tbb::blocked_range<size_t>& range) {
        for (size_t i = range.begin(); i != range.end(); ++i) {
          const ToRead& f = (*files)[i];
          Read& r = reads[i];
          // Never opened when it is not a regular file: opening a FIFO would block
          // (journaled empty, quarantined).
          if (f.file.not_regular.empty()) r.bytes = ReadWholeFile(f.file.path);
          if (!r.bytes.ok()) continue;
          // Not a Results table at all, or incomplete (cut short): quarantined, never uploaded.
          if (f.reason.empty()) r.shape = CheckResultsCsv(*r.bytes);
          r.hash = Fnv1a64Hex(*r.bytes);
        }
      });

  std::vector<Record> batch;
  std::vector<Candidate> batch_files;
  for (size_t i = 0; i < files->size(); ++i) {
    ToRead& f = (*files)[i];
    Read& read = reads[i];
    Candidate& c = f.file;
    if (!read.bytes.ok()) {
      report->problems.push_back(read.bytes.status().message() + " (will retry)");
      continue;
    }
    ++report->files_read;
    report->bytes_read += read.bytes->size();
    std::string reason = std::move(f.reason);
    if (!read.shape.ok()) {
      if (read.shape.code() == Status::Code::kUnavailable) {  // out of memory: not the file's fault
        report->problems.push_back(c.relative + ": " + read.shape.message());
        continue;
      }
      reason = read.shape.message();
    }
    Record r;
    r.kind = Kind::kMpc;
    r.source_id = config_.source_id;
    r.event_time = f.event_time;
    r.event_time_text = f.time_text;
    r.capture_time = now;
    r.dedup_key = (f.folder_ok ? c.folder : c.relative) + "/" + read.hash;
    nlohmann::json meta = {{"folder", c.folder}, {"path", c.relative}, {"size", c.state.size}};
    if (!reason.empty()) {
      r.flags |= kFlagQuarantined;
      meta["reason"] = reason;
      report->problems.push_back(c.relative + ": " + reason);
    } else {
      meta["complete"] = true;  // CheckResultsCsv accepted it: the transform parses it once
    }
    r.meta = meta.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    r.payload = std::move(*read.bytes);
    batch.push_back(std::move(r));
    batch_files.push_back(std::move(c));
  }
  files->clear();
  return Flush(&batch_files, &batch, report);
}

Result<ScanReport> TdsScanner::Scan(MicrosUtc now, const ScanProgress& progress) {
  if (!memory_loaded_) {
    QCFLOW_RETURN_IF_ERROR(LoadMemory());
    memory_loaded_ = true;
  }
  ScanReport report;
  std::vector<Candidate> candidates;
  QCFLOW_RETURN_IF_ERROR(ListCandidates(&candidates, &report));

  std::vector<ToRead> to_read;
  for (Candidate& c : candidates) {
    ++report.files_seen;
    if (progress && report.files_seen % 256 == 0) progress(report);
    auto known = journaled_.find(c.relative);
    if (known != journaled_.end() && known->second.size == c.state.size &&
        known->second.mtime_ns == c.state.mtime_ns) {
      ++report.files_unchanged;
      continue;
    }
    const MicrosUtc mtime_us = c.state.mtime_ns / 1000;
    if (now - mtime_us < std::chrono::duration_cast<std::chrono::microseconds>(config_.settle).count()) {
      ++report.unsettled;
      continue;
    }
    ToRead f;
    auto folder = ParseRunFolder(c.folder);
    f.folder_ok = folder.ok();
    f.event_time = mtime_us;
    if (folder.ok()) {
      auto t = CivilToUtc(folder->run_time, config_.site_zone);
      if (!t.ok()) return t.status();  // the zone is config, already checked
      f.event_time = *t;
      f.time_text = folder->time_text;
      if (config_.since && f.event_time < *config_.since) {
        ++report.too_old;
        continue;
      }
    } else {
      f.reason = folder.status().message();
    }
    if (f.reason.empty() && !c.not_regular.empty()) f.reason = NotRegularReason(c.not_regular);
    f.file = std::move(c);
    to_read.push_back(std::move(f));
    if (to_read.size() >= config_.batch_size) {
      QCFLOW_RETURN_IF_ERROR(ReadAndJournal(&to_read, now, &report));
    }
  }
  QCFLOW_RETURN_IF_ERROR(ReadAndJournal(&to_read, now, &report));
  if (progress) progress(report);
  return report;
}

}  // namespace qcflow::mpc
