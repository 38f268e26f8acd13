#include "bench/icom_archive.h"

#include <lzma.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

#include "bench/icom_corpus.h"
#include "ingest/icom/archive_reader.h"
#include "ingest/icom/icom_record.h"
#include "ingest/icom/sim/linac_generator.h"
#include "store/store.h"

namespace qcflow::bench {
namespace {

// Writes `raw` xz-compressed (preset 6, CRC64: Python's lzma defaults) to `path`.
Status WriteXz(const std::string& path, const std::string& raw, uint64_t* written) {
  std::string out(lzma_stream_buffer_bound(raw.size()), '\0');
  size_t pos = 0;
  if (lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, nullptr,
                              reinterpret_cast<const uint8_t*>(raw.data()), raw.size(),
                              reinterpret_cast<uint8_t*>(out.data()), &pos, out.size()) != LZMA_OK) {
    return Status::Internal("xz compression failed for " + path);
  }
  std::ofstream f(path, std::ios::binary);
  f.write(out.data(), std::streamsize(pos));
  if (!f) return Status::IOError("cannot write " + path);
  *written += pos;
  return Status::OK();
}

// "YYYYMMDD_HHMMSS" from a message's "YYYY-MM-DDhh:mm:ss".
std::string FileStem(std::string_view message) {
  const std::string_view t = icom::IcomTimestampText(message);
  std::string s;
  for (char c : t) {
    if (c >= '0' && c <= '9') s += c;
  }
  return s.substr(0, 8) + "_" + s.substr(8);
}

}  // namespace

Result<IcomArchiveBenchReport> RunIcomArchiveBench(
    const std::string& dir, const IcomArchiveBenchOptions& o,
    const std::function<void(const std::string&)>& progress) {
  using Clock = std::chrono::steady_clock;
  if (o.linacs < 1 || o.messages_per_linac == 0 || o.messages_per_file == 0) {
    return Status::InvalidArgument("need at least one linac, message and message per file");
  }
  IcomArchiveBenchReport report;
  const std::string archive = dir + "/archive";
  const std::string patient = archive + "/patients/000000_BENCH^SYNTHETIC";
  std::error_code ec;
  std::filesystem::create_directories(patient, ec);
  if (ec) return Status::IOError("cannot create " + patient + ": " + ec.message());
  if (progress) progress("writing .xz archives (" + std::to_string(o.messages_per_linac) + " messages)");
  Clock::time_point t0 = Clock::now();
  icom::LinacGenerator generator(LinacStreamConfig(0, o.seed, o.messages_per_linac));
  std::string raw, message, stem;
  for (size_t n = 0;;) {
    message.clear();
    const bool more = generator.Next(&message);
    if (more) {
      if (raw.empty()) stem = FileStem(message);
      raw += message;
      ++n;
    }
    if (!raw.empty() && (!more || n % o.messages_per_file == 0)) {
      QCFLOW_RETURN_IF_ERROR(WriteXz(patient + "/" + stem + ".xz", raw, &report.xz_bytes));
      raw.clear();
    }
    if (!more) break;
  }
  report.write_archives_s = std::chrono::duration<double>(Clock::now() - t0).count();

  auto files = icom::FindIcomArchives(archive);
  if (!files.ok()) return files.status();
  auto store = Store::Open(dir + "/store");
  if (!store.ok()) return store.status();
  t0 = Clock::now();
  for (int i = 0; i < o.linacs; ++i) {
    if (progress) progress("importing as " + LinacName(i));
    icom::IcomImportOptions io;
    io.linac = LinacName(i);
    auto r = icom::ImportIcomArchives(archive, *files, &(*store)->journal(), io);
    if (!r.ok()) return r.status();
    if (!r->problems.empty()) return Status::Internal("archive import: " + r->problems.front());
    report.files += r->files;
    report.messages += r->messages;
    report.appended += r->appended;
    report.bytes += r->bytes;
  }
  report.import_s = std::chrono::duration<double>(Clock::now() - t0).count();
  return report;
}

}  // namespace qcflow::bench
