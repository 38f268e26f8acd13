// The `qcflow bench` modes: each runs one bench/ workload (qcflow_benchkit)
// in its scratch directory and turns the numbers into BenchRows.
#include <algorithm>
#include <cstdio>
#include <string>

#include "bench/dqa3_workload.h"
#include "bench/export_workload.h"
#include "bench/icom_archive.h"
#include "bench/icom_run.h"
#include "bench/icom_write.h"
#include "bench/journal_workload.h"
#include "bench/measure.h"
#include "bench/mpc_workload.h"
#include "cli/bench_command.h"

namespace qcflow::cli {
namespace {

std::string Percent(double part, double whole) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "= %.0f %% of ", whole > 0 ? 100 * part / whole : 0.0);
  return buf;
}

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

double Or(double value, double fallback) { return value > 0 ? value : fallback; }

}  // namespace

// ---- journal ---------------------------------------------------------------------------

Result<BenchModeResult> RunJournalMode(const BenchSettings& s, const std::string& dir,
                                       const BenchProgress& progress) {
  bench::JournalBenchOptions o;
  o.seconds_per_case = Or(s.duration, 10) / 5;  // five timed append cases; scans are short
  auto cases = bench::RunJournalBench(dir, o, [&](const std::string& c) { progress(c); });
  if (!cases.ok()) return cases.status();
  BenchModeResult r;
  r.mode = "journal";
  r.notes.push_back("records of " + std::to_string(o.payload_size) +
                    " B shaped like iCom captures (3 sources, ~65-byte dedup keys); group "
                    "commit (WAL written per call, fsynced every 20 ms); each case on a fresh "
                    "store or raw RocksDB database on the same disk");
  for (const bench::JournalBenchCase& c : *cases) {
    std::string note;
    for (const bench::JournalBenchCase& b : *cases) {
      if (!c.baseline.empty() && b.name == c.baseline) {
        note = Percent(c.records_per_s(), b.records_per_s()) + "raw";
      }
    }
    r.rows.push_back({c.name, c.records_per_s(), "records/s", note});
  }
  return r;
}

// ---- icom ------------------------------------------------------------------------------

namespace {

void AddLatencyRows(const bench::LatencyHistogram& h, const std::string& what,
                    BenchModeResult* r) {
  for (double q : {0.5, 0.9, 0.99}) {
    r->rows.push_back({what + " latency p" + Fixed(q * 100, 0), h.Quantile(q) / 1e3, "ms", ""});
  }
  r->rows.push_back({what + " latency max", h.max_micros() / 1e3, "ms", ""});
}

// --max: how fast a backfill of archived streams goes: PyMedPhys .xz archives
// through ImportIcomArchives, and the journal append alone next to raw RocksDB.
Result<BenchModeResult> RunIcomMax(const BenchSettings& s, const std::string& dir,
                                   const BenchProgress& progress) {
  BenchModeResult r;
  r.mode = "icom";
  bench::IcomArchiveBenchOptions a;
  a.linacs = s.linacs;
  a.messages_per_linac = size_t(std::max(200.0, Or(s.duration, 20) * 100));
  auto archive = bench::RunIcomArchiveBench(dir + "/archive", a, progress);
  if (!archive.ok()) return archive.status();
  bench::IcomWriteOptions w;
  w.linacs = s.linacs;
  w.messages = archive->messages;
  w.batch = 256;  // as the importer
  progress("journal append of the same number of messages");
  auto journal = bench::WriteIcomJournal(dir + "/journal", w);
  if (!journal.ok()) return journal.status();
  progress("raw RocksDB baseline");
  auto raw = bench::WriteIcomRaw(dir + "/raw", w);
  if (!raw.ok()) return raw.status();
  r.notes.push_back("--max: " + std::to_string(archive->files) + " PyMedPhys-style .xz files (" +
                    std::to_string(a.messages_per_file) + " simulator messages each, xz preset 6) "
                    "imported as `qcflow backfill icom` does, once per linac name (" +
                    std::to_string(s.linacs) + "); then the journal append alone and raw "
                    "RocksDB with the same number of messages, 256 per fsynced batch");
  r.rows.push_back({"backfill from .xz archives", archive->messages_per_s(), "messages/s",
                    Percent(archive->messages_per_s(), raw->messages_per_s) + "raw WriteBatch"});
  r.rows.push_back({"backfill from .xz archives", archive->mb_per_s(), "MB/s", "decompressed"});
  r.rows.push_back({"messages imported", double(archive->appended), "messages",
                    "found " + std::to_string(archive->messages)});
  r.rows.push_back({"journal append alone", journal->messages_per_s, "messages/s",
                    Percent(journal->messages_per_s, raw->messages_per_s) + "raw WriteBatch"});
  r.rows.push_back({"raw RocksDB WriteBatch, same bytes", raw->messages_per_s, "messages/s", ""});
  if (archive->appended != archive->messages) {
    return Status::Internal("the import appended " + std::to_string(archive->appended) + " of " +
                            std::to_string(archive->messages) + " messages");
  }
  return r;
}

}  // namespace

Result<BenchModeResult> RunIcomMode(const BenchSettings& s, const std::string& dir,
                                    const BenchProgress& progress) {
  if (s.max) return RunIcomMax(s, dir, progress);
  bench::IcomRunOptions o;
  o.linacs = s.linacs;
  o.seconds = Or(s.duration, 30);
  o.rate_per_linac = s.rate;
  o.sample_every = std::min(5.0, o.seconds / 4);
  o.should_stop = s.stop_requested;
  o.on_sample = [&](const bench::IcomRunSample& x) {
    progress(Fixed(x.seconds, 0) + " s, " + std::to_string(x.journaled) + " journaled, " +
             std::to_string(x.decoded) + " through deliveries, RSS " +
             Fixed(double(x.rss_kib) / 1024, 0) + " MiB");
  };
  auto run = bench::RunIcomLinacs(dir + "/store", o);
  if (!run.ok()) return run.status();
  BenchModeResult r;
  r.mode = "icom";
  r.notes.push_back(std::to_string(s.linacs) + " simulated linacs on 127.0.0.1 at " +
                    Fixed(s.rate, 0) + " messages/s each (≈8.6 KB messages) -> capture -> "
                    "journal (WAL fsynced per batch) -> IcomTransform (decode + deliveries)");
  const double offered = s.rate * s.linacs;
  r.rows.push_back({"journaled", run->messages_per_s, "messages/s",
                    s.rate > 0 ? Percent(run->messages_per_s, offered) + "offered" : ""});
  r.rows.push_back({"received", run->mb_per_s, "MB/s", ""});
  r.rows.push_back({"messages journaled", double(run->journal_records), "messages", ""});
  r.rows.push_back({"messages lost (capture queue full)", double(run->dropped), "messages",
                    run->dropped ? "the machine cannot keep up with this rate" : ""});
  r.rows.push_back({"messages through decode + deliveries", double(run->decoded), "messages", ""});
  r.rows.push_back({"malformed", double(run->malformed), "messages", ""});
  r.rows.push_back({"deliveries written", double(run->deliveries), "updates", ""});
  AddLatencyRows(run->latency, "capture -> delivery", &r);
  // Memory over the run: first, middle and last sample (flat = bounded memory).
  if (!run->samples.empty()) {
    for (const auto& [what, i] : {std::pair<const char*, size_t>{"RSS at first sample", 0},
                                  {"RSS at mid-run", run->samples.size() / 2},
                                  {"RSS at end", run->samples.size() - 1}}) {
      const bench::IcomRunSample& x = run->samples[i];
      r.rows.push_back({what, double(x.rss_kib) / 1024, "MiB", "at " + Fixed(x.seconds, 0) + " s"});
    }
  }
  r.rows.push_back({"process CPU", run->cpu_seconds / run->seconds, "cores", ""});
  r.rows.push_back({"store on disk per message",
                    run->journal_records ? double(run->store_bytes) / double(run->journal_records) : 0,
                    "bytes", "SST + WAL, includes deliveries"});
  return r;
}

// ---- mpc -------------------------------------------------------------------------------

Result<BenchModeResult> RunMpcMode(const BenchSettings& s, const std::string& dir,
                                   const BenchProgress& progress) {
  bench::MpcBenchOptions o;
  o.folders = s.run_folders;
  auto run = bench::RunMpcBench(dir, o, [&](const std::string& step) { progress(step); });
  if (!run.ok()) return run.status();
  BenchModeResult r;
  r.mode = "mpc";
  r.notes.push_back("synthetic TDS tree of " + std::to_string(run->folders) +
                    " run folders (4 serials, 100-row Results.csv) on the scratch disk, "
                    "in the page cache (a cold network share is slower)");
  // Each figure beside its floor, measured on the same tree in the same run.
  auto times = [](double s, double floor, const char* which) {
    return floor > 0 ? "= " + Fixed(s / floor, 1) + "x " + which : std::string();
  };
  const double backfill_s = run->first_scan_s + run->transform_s;
  r.rows.push_back({"floor: stat of every file", run->stat_walk_s * 1e3, "ms", ""});
  r.rows.push_back({"floor: read every file, one thread", run->read_all_s * 1e3, "ms", ""});
  r.rows.push_back({"first scan", run->folders_per_s(), "folders/s",
                    Fixed(run->first_scan_s, 2) + " s " +
                        times(run->first_scan_s, run->read_all_s, "the read")});
  r.rows.push_back({"re-scan, unchanged tree", run->rescan_s * 1e3, "ms",
                    times(run->rescan_s, run->stat_walk_s, "the stat walk")});
  r.rows.push_back({"transform to sessions", run->sessions_per_s(), "sessions/s",
                    Fixed(run->transform_s, 2) + " s"});
  r.rows.push_back({"backfill (first scan + transform)", backfill_s, "s",
                    times(backfill_s, run->read_all_s, "the read")});
  r.rows.push_back({"sessions", double(run->sessions), "sessions",
                    "expected " + std::to_string(run->sessions_expected)});
  r.rows.push_back({"peak RSS", double(run->peak_rss_kib) / 1024, "MiB", "of the process so far"});
  if (run->sessions != run->sessions_expected) {
    return Status::Internal("the transform emitted " + std::to_string(run->sessions) +
                            " sessions, the synthetic tree has " +
                            std::to_string(run->sessions_expected));
  }
  return r;
}

// ---- dqa3 ------------------------------------------------------------------------------

Result<BenchModeResult> RunDqa3Mode(const BenchSettings& s, const std::string& dir,
                                    const BenchProgress& progress) {
  bench::Dqa3BenchOptions o;
  o.rows = s.dqa3_rows;
  if (!s.firebird_database.empty()) {
    dqa3::Dqa3Connection c;
    c.backend = dqa3::Dqa3Backend::kFirebird;
    c.firebird.host = s.firebird_host;
    c.firebird.port = s.firebird_port;
    c.firebird.database = s.firebird_database;
    c.firebird.user = s.firebird_user;
    c.firebird.password = s.firebird_password;
    QCFLOW_RETURN_IF_ERROR(dqa3::ValidateConnection(c));
    o.existing = c;
    o.db_zone = s.firebird_zone;
  }
  auto run = bench::RunDqa3Bench(dir, o, [&](const std::string& step) { progress(step); });
  if (!run.ok()) return run.status();
  BenchModeResult r;
  r.mode = "dqa3";
  r.notes.push_back(o.existing ? "read-only polls of " + run->database + " (schema " +
                                     run->schema + ") into a scratch store"
                               : "synthetic DQA3 database (schema " + run->schema + ", SQLite, " +
                                     std::to_string(run->rows_expected) +
                                     " measurement rows) polled into a scratch store");
  r.rows.push_back({"rows journaled", run->rows_per_s(), "rows/s",
                    std::to_string(run->appended) + " in " + Fixed(run->first_poll_s, 2) + " s"});
  r.rows.push_back({"re-poll, every row known", run->repoll_rows_per_s(), "rows/s", ""});
  r.rows.push_back({"rows read", double(run->rows_read), "rows",
                    o.existing ? "" : "expected " + std::to_string(run->rows_expected)});
  if (!o.existing && run->rows_read != run->rows_expected) {
    return Status::Internal("the poll read " + std::to_string(run->rows_read) + " rows, the "
                            "synthetic database has " + std::to_string(run->rows_expected));
  }
  return r;
}

// ---- export ----------------------------------------------------------------------------

Result<BenchModeResult> RunExportMode(const BenchSettings& s, const std::string& dir,
                                      const BenchProgress& progress) {
  BenchModeResult r;
  r.mode = "export";
  progress("starting the local QATrack+ test server");
  auto server = bench::ExportBench::Start();
  if (!server.ok()) {
    if (server.status().code() != Status::Code::kUnavailable) return server.status();
    r.available = false;
    r.unavailable_reason = server.status().message();
    return r;
  }
  progress("uploading " + std::to_string(s.uploads) + " sessions, no throttle");
  auto fast = (*server)->Run(dir + "/fast", s.uploads, 0);
  if (!fast.ok()) return fast.status();
  const int throttled_uploads = std::max(10, s.uploads / 4);
  progress("uploading " + std::to_string(throttled_uploads) + " sessions, throttle 10 ms");
  auto slow = (*server)->Run(dir + "/throttled", throttled_uploads, 10);
  if (!slow.ok()) return slow.status();
  auto stored = (*server)->StoredCount();
  if (!stored.ok()) return stored.status();
  r.notes.push_back("QatrackSink::DeliverOnce into the local QATrack+ test server "
                    "(tests/qatrack_server, 127.0.0.1, rate limits lifted); store fsyncs as in "
                    "production; MPC couch sessions");
  r.rows.push_back({"uploads, no throttle", fast->uploads_per_s(), "uploads/s",
                    std::to_string(fast->delivered) + " in " + std::to_string(fast->rounds) +
                        " rounds"});
  r.rows.push_back({"uploads, throttle 10 ms", slow->uploads_per_s(), "uploads/s", "limit 100/s"});
  r.rows.push_back({"synced store writes per round",
                    fast->rounds ? double(fast->store_writes) / double(fast->rounds) : 0, "writes",
                    ""});
  r.rows.push_back({"sessions stored by the server", double(*stored), "sessions",
                    "expected " + std::to_string(fast->uploads + slow->uploads + 2) +
                        " (with one warm-up per run)"});
  return r;
}

}  // namespace qcflow::cli
