#include "ingest/icom/archive_reader.h"

#include <lzma.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <tuple>

#include "ingest/icom/framer.h"
#include "ingest/icom/icom_format.h"
#include "ingest/icom/icom_record.h"
#include "store/journal.h"

namespace qcflow::icom {
namespace {

namespace fs = std::filesystem;

constexpr size_t kChunk = 64 * 1024;
constexpr uint64_t kXzMemLimit = 256u << 20;  // xz -9 needs ~65 MiB; a hostile header is refused

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

Result<File> OpenForRead(const std::string& path) {
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) return Status::IOError("cannot open: " + std::string(std::strerror(errno)));
  return f;
}

const char* LzmaError(lzma_ret r) {
  switch (r) {
    case LZMA_FORMAT_ERROR:
      return "not an xz file";
    case LZMA_OPTIONS_ERROR:
      return "unsupported xz options";
    case LZMA_DATA_ERROR:
      return "the compressed data is corrupt";
    case LZMA_BUF_ERROR:
      return "the file is cut short";
    case LZMA_MEM_ERROR:
      return "out of memory";
    case LZMA_MEMLIMIT_ERROR:
      return "it needs more than 256 MiB to decompress";
    default:
      return "xz decoder error";
  }
}

bool HasExtension(const fs::path& p, const char* ext) {
  std::string e = p.extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return std::tolower(c); });
  return e == ext;
}

void AddFile(const fs::directory_entry& e, ArchiveFileKind kind, std::vector<ArchiveFile>* out) {
  std::error_code ec;
  const uint64_t size = e.file_size(ec);
  std::error_code ec2;
  const auto mtime = e.last_write_time(ec2);
  out->push_back(ArchiveFile{e.path().string(), kind, ec ? 0 : size,
                             ec2 ? 0 : int64_t(mtime.time_since_epoch().count())});
}

void FindXz(const fs::path& root, std::vector<ArchiveFile>* out) {
  std::error_code ec;
  const auto opts = fs::directory_options::skip_permission_denied;
  for (fs::recursive_directory_iterator it(root, opts, ec), end; !ec && it != end;
       it.increment(ec)) {
    std::error_code e2;
    if (it->is_regular_file(e2) && HasExtension(it->path(), ".xz")) {
      AddFile(*it, ArchiveFileKind::kXz, out);
    }
  }
}

}  // namespace

Result<std::vector<ArchiveFile>> FindIcomArchives(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Status::NotFound(dir + " is not a directory (or does not exist)");
  }
  std::vector<ArchiveFile> out;
  const fs::path patients = fs::path(dir) / "patients", live = fs::path(dir) / "live";
  const bool has_patients = fs::is_directory(patients, ec), has_live = fs::is_directory(live, ec);
  if (has_patients) FindXz(patients, &out);
  if (has_live) {
    for (fs::directory_iterator ip(live, ec), end; !ec && ip != end; ip.increment(ec)) {
      std::error_code e2;
      if (!ip->is_directory(e2)) continue;
      for (fs::directory_iterator f(ip->path(), e2); !e2 && f != end; f.increment(e2)) {
        std::error_code e3;
        if (f->is_regular_file(e3) && HasExtension(f->path(), ".txt")) {
          AddFile(*f, ArchiveFileKind::kLiveText, &out);
        }
      }
    }
  }
  if (!has_patients && !has_live) FindXz(dir, &out);
  // Oldest first, so the journal holds each linac's messages close to time
  // order (deliveries are grouped in journal order): .xz deliveries by their
  // file name (YYYYMMDD_HHMMSS, across patients), then the live ring by write
  // time (its 000..255 names wrap).
  auto key = [](const ArchiveFile& f) {
    return std::make_tuple(int(f.kind), f.kind == ArchiveFileKind::kXz ? 0 : f.mtime,
                           fs::path(f.path).filename().string(), f.path);
  };
  std::sort(out.begin(), out.end(),
            [&](const ArchiveFile& a, const ArchiveFile& b) { return key(a) < key(b); });
  return out;
}

std::string ArchiveDisplayName(const std::string& dir, const std::string& path) {
  std::error_code ec;
  fs::path rel = fs::relative(path, dir, ec);
  if (ec || rel.empty()) rel = fs::path(path).filename();
  std::string out;
  bool after_patients = false;
  const std::string last = rel.filename().string();
  for (const fs::path& part : rel) {
    std::string p = part.string();
    // Below patients/, every directory is a patient's (or the error bucket).
    if (after_patients && p != last && p != "unknown_error_in_record") p = "<patient>";
    if (part.string() == "patients") after_patients = true;
    out += (out.empty() ? "" : "/") + p;
  }
  return out;
}

Status DecodeXzFile(const std::string& path, const std::function<void(std::string_view)>& chunk) {
  auto file = OpenForRead(path);
  if (!file.ok()) return file.status();
  lzma_stream strm = LZMA_STREAM_INIT;
  lzma_ret r = lzma_stream_decoder(&strm, kXzMemLimit, LZMA_CONCATENATED);
  if (r != LZMA_OK)
    return Status::Internal(std::string("cannot start the xz decoder: ") + LzmaError(r));
  std::unique_ptr<lzma_stream, void (*)(lzma_stream*)> guard(&strm, lzma_end);
  std::array<uint8_t, kChunk> in;
  std::array<char, kChunk> out;
  lzma_action action = LZMA_RUN;
  strm.next_out = reinterpret_cast<uint8_t*>(out.data());
  strm.avail_out = out.size();
  for (;;) {  // bounded: every pass consumes input or ends
    if (strm.avail_in == 0 && action == LZMA_RUN) {
      strm.next_in = in.data();
      strm.avail_in = std::fread(in.data(), 1, in.size(), file->get());
      if (std::ferror(file->get()))
        return Status::IOError("read failed: " + std::string(std::strerror(errno)));
      if (std::feof(file->get())) action = LZMA_FINISH;
    }
    r = lzma_code(&strm, action);
    if (strm.avail_out == 0 || r == LZMA_STREAM_END) {
      const size_t n = out.size() - strm.avail_out;
      if (n > 0) chunk(std::string_view(out.data(), n));
      strm.next_out = reinterpret_cast<uint8_t*>(out.data());
      strm.avail_out = out.size();
    }
    if (r == LZMA_STREAM_END) return Status::OK();
    if (r != LZMA_OK) {
      // Deliver what was decoded before the damage: those bytes are real.
      const size_t n = out.size() - strm.avail_out;
      if (n > 0) chunk(std::string_view(out.data(), n));
      return Status::Corruption(LzmaError(r));
    }
  }
}

namespace {

Status ReadPlainFile(const std::string& path, const std::function<void(std::string_view)>& chunk) {
  auto file = OpenForRead(path);
  if (!file.ok()) return file.status();
  std::array<char, kChunk> buf;
  for (;;) {
    const size_t n = std::fread(buf.data(), 1, buf.size(), file->get());
    if (n > 0) chunk(std::string_view(buf.data(), n));
    if (std::ferror(file->get()))
      return Status::IOError("read failed: " + std::string(std::strerror(errno)));
    if (n < buf.size()) return Status::OK();
  }
}

}  // namespace

Status ReadArchiveFile(const ArchiveFile& file,
                       const std::function<void(std::string_view)>& message,
                       ArchiveFileReport* report, size_t max_message_size) {
  Framer framer([&](const Frame& f) { message(f.bytes); },
                FramerOptions{.max_message_size = max_message_size});
  auto feed = [&](std::string_view bytes) { framer.Feed(bytes); };
  Status read = file.kind == ArchiveFileKind::kXz ? DecodeXzFile(file.path, feed)
                                                  : ReadPlainFile(file.path, feed);
  // A whole file ends with a whole message; a damaged one may end anywhere.
  if (read.ok()) {
    framer.FlushArchive();
  } else {
    framer.Flush();
  }
  const FramerStats& s = framer.stats();
  report->messages += s.messages;
  report->malformed += s.truncated_fragments + s.oversize_dropped;
  report->skipped_bytes += s.skipped_bytes;
  report->bytes += s.bytes_fed;
  return read;
}

Result<IcomImportReport> ImportIcomArchives(const std::string& dir,
                                            const std::vector<ArchiveFile>& files, Journal* journal,
                                            const IcomImportOptions& options) {
  if (options.linac.empty()) return Status::InvalidArgument("the linac name is empty");
  QCFLOW_RETURN_IF_ERROR(CheckZone(options.zone));
  const size_t batch_size = std::max<size_t>(1, options.batch);
  IcomImportReport total;
  std::vector<Record> batch;
  batch.reserve(batch_size);
  Status journal_error;
  auto flush = [&]() -> Status {
    if (batch.empty()) return Status::OK();
    auto r = journal->AppendBatch(batch);
    if (!r.ok()) return r.status();
    for (size_t i = 0; i < r->size(); ++i) {
      if ((*r)[i].duplicate) {
        ++total.duplicates;
      } else {
        ++total.appended;
        if (batch[i].quarantined()) ++total.quarantined;
      }
    }
    batch.clear();
    return Status::OK();
  };
  for (const ArchiveFile& file : files) {
    ArchiveFileReport fr;
    const MicrosUtc now = NowMicros();
    Status read = ReadArchiveFile(
        file,
        [&](std::string_view m) {
          if (!journal_error.ok()) return;
          batch.push_back(IcomMessageRecord(options.linac, options.zone, std::string(m), now));
          if (batch.size() >= batch_size) journal_error = flush();
        },
        &fr, options.max_message_size);
    QCFLOW_RETURN_IF_ERROR(journal_error);
    ++total.files;
    total.bytes += fr.bytes;
    total.messages += fr.messages;
    total.malformed += fr.malformed;
    total.skipped_bytes += fr.skipped_bytes;
    if (!read.ok()) {
      ++total.files_failed;
      total.problems.push_back(ArchiveDisplayName(dir, file.path) + ": " + read.message() +
                               (fr.messages > 0
                                    ? "; kept the " + std::to_string(fr.messages) +
                                          " whole message(s) before the damage, skipped the rest"
                                    : "; skipped"));
    }
    QCFLOW_RETURN_IF_ERROR(flush());
    if (options.progress) options.progress(total, file);
  }
  return total;
}

}  // namespace qcflow::icom
