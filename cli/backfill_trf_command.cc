// `qcflow backfill trf`: journal the Elekta TRF logs under directories (each
// log whole, dedup key = its content, as [[source.trf]] does) and derive
// their deliveries. Idempotent: a log already in the store (backfilled
// before, captured by `qcflow run`, or the same bytes under another name) is
// not journaled again, and a second run appends nothing.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli/command.h"
#include "cli/progress.h"
#include "ingest/files/file_scan.h"
#include "ingest/trf/columns.h"
#include "ingest/trf/trf_backups.h"
#include "ingest/trf/trf_capture.h"
#include "process/common/step_loop.h"
#include "process/trf/trf_transform.h"
#include "store/journal.h"

namespace qcflow::cli {
namespace {

struct TrfBackfillOptions {
  std::vector<std::string> from, patterns{"*.trf"};
  std::string linac, source, zone;
};

int RunTrfBackfill(const GlobalOptions& global, const TrfBackfillOptions& o) {
  if (o.linac.empty()) return ReportError(Status::InvalidArgument("--linac must not be empty"));
  if (!o.zone.empty()) {
    if (Status s = CheckZone(o.zone).WithContext("--zone"); !s.ok()) return ReportError(s);
  }
  for (const std::string& from : o.from) {
    std::error_code ec;
    if (!std::filesystem::is_directory(from, ec) && !std::filesystem::is_regular_file(from, ec)) {
      return ReportError(Status::NotFound("--from " + from + ": not a directory or a zip archive"));
    }
  }
  auto table = trf::ColumnsTable::LoadInstalled();
  if (!table.ok()) return ReportError(table.status());
  auto store = OpenStore(global, /*read_only=*/false);
  if (!store.ok()) return ReportError(store.status());
  auto kind = (*store)->RegisterKind(trf::kTrfKindName);
  if (!kind.ok()) return ReportBackfillError(**store, kind.status());

  trf::TrfCaptureSettings capture;
  capture.source_id = o.source.empty() ? o.linac : o.source;
  capture.linac = o.linac;
  capture.zone = o.zone;
  capture.patterns = o.patterns;
  capture.recursive = true;
  capture.settle = std::chrono::milliseconds(0);  // an archive, not a directory being written

  // One --from at a time, for the progress line: a directory's loose logs and
  // the logs inside its zip archives (any *.zip, not only SDD+*: a copied
  // backup may be renamed), or one zip. The same scanner memory as the
  // daemon's (per source id), so a repeat reads no unchanged file.
  Progress scan_progress("logs");
  files::FileScanReport total;
  trf::TrfBackupReport zips;
  for (const std::string& from : o.from) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(from, ec)) {
      trf::TrfBackupReader reader(trf::BackupOptionsFor(capture, "", *kind));
      const Status read = reader.ReadZip(from, from, &(*store)->journal(), NowMicros(), &zips);
      if (!read.ok()) return ReportBackfillError(**store, read);
    } else {
      capture.dirs = {from};
      files::FileScanner scanner(trf::TrfScanOptions(capture, *kind), store->get());
      auto r = scanner.Pass(&(*store)->journal(), NowMicros());
      if (!r.ok()) return ReportBackfillError(**store, r.status());
      total.seen += r->seen;
      total.appended += r->appended;
      total.quarantined += r->quarantined;
      total.problems.insert(total.problems.end(), r->problems.begin(), r->problems.end());
      trf::TrfBackupOptions b = trf::BackupOptionsFor(capture, from, *kind);
      b.zip_patterns = {"*.zip"};
      b.recursive = true;
      trf::TrfBackupReader reader(std::move(b), store->get());
      auto z = reader.Pass(&(*store)->journal(), NowMicros());
      if (!z.ok()) return ReportBackfillError(**store, z.status());
      zips.Add(*z);
    }
    scan_progress.Update(from + ": " + std::to_string(total.seen + zips.logs) + " logs, " +
                             std::to_string(total.appended + zips.appended) + " new (" +
                             PerSecond(total.seen + zips.logs, scan_progress.seconds()) + ")",
                         true);
  }
  total.seen += zips.logs;
  total.appended += zips.appended;
  total.quarantined += zips.quarantined;
  total.problems.insert(total.problems.end(), zips.problems.begin(), zips.problems.end());
  const double scan_seconds = scan_progress.seconds();
  scan_progress.Done(std::to_string(total.seen) + " logs, " + std::to_string(total.appended) + " new (" +
                     PerSecond(total.seen, scan_seconds) + ")");

  // Deliveries: the same transform and cursor as a [[source.trf]] of that name.
  trf::TrfTransform transform(store->get(), &*table, trf::TrfTransformConfig{capture.source_id, *kind});
  Progress derive_progress("deliveries");
  trf::TrfStepReport derived;
  const Status stepped = RunSteps([&] { return transform.Step(); }, &derived,
                                  {.after_step = [&](const trf::TrfStepReport& t) {
                                    derive_progress.Update(std::to_string(t.deliveries_written) +
                                                           " deliveries derived");
                                  }});
  if (!stepped.ok()) return ReportBackfillError(**store, stepped);
  derive_progress.Done(std::to_string(derived.deliveries_written) + " deliveries derived (" +
                       PerSecond(derived.deliveries_written, derive_progress.seconds()) + ")");

  std::string dirs;
  for (const std::string& d : o.from) dirs += (dirs.empty() ? "" : ", ") + d;
  std::cout << "Backfill of " << dirs << " (linac " << o.linac << ", source " << capture.source_id << ")\n"
            << "  logs found            " << total.seen << " (" << zips.logs << " inside " << zips.zips_read
            << " zip archive(s))\n"
            << "  appended              " << total.appended;
  if (total.quarantined) std::cout << " (" << total.quarantined << " not TRF logs, quarantined)";
  std::cout << "\n"
            << "  already in the store  " << total.seen - total.appended
            << " (backfilled before, captured by qcflow run, or the same log under another name)\n"
            << "  deliveries derived    " << derived.deliveries_written << " (" << derived.damaged
            << " from damaged logs)\n";
  std::vector<std::string> problems = total.problems;
  problems.insert(problems.end(), derived.problems.begin(), derived.problems.end());
  PrintProblems(problems, "qcflow query records --kind trf shows quarantined files");
  return problems.empty() ? kExitOk : kExitPartial;
}

}  // namespace

void RegisterBackfillTrfCommand(CLI::App* backfill, const GlobalOptions& global, Action* action) {
  auto o = std::make_shared<TrfBackfillOptions>();
  auto* cmd = backfill->add_subcommand(
      "trf",
      "Import Elekta TRF delivery logs found under directories (walked recursively; loose, and\n"
      "inside zip archives such as the NSS's SDD+*.zip diagnostic backups) or in zip archives,\n"
      "and derive one delivery per log. Safe to repeat, and safe next to [[source.trf]]: a log\n"
      "already in the store, under any name or in any archive, is never stored twice. A file\n"
      "that is not a TRF log is kept\n"
      "quarantined and reported (exit 3). Needs the store to itself: stop `qcflow run` first.\n"
      "Example:\n"
      "  qcflow backfill trf --from /srv/trf/LA1 --linac LA1 --source la1-trf --store ./s");
  cmd->add_option("--from", o->from, "Directories holding .trf logs or zip archives of them, or zip archives (repeatable)")
      ->required()
      ->type_name("DIR|ZIP");
  cmd->add_option("--linac", o->linac, "The linac the logs are from (as its [[source.trf]] linac)")
      ->required();
  cmd->add_option("--source", o->source,
                  "Source name in the store (default: the linac); use the [[source.trf]] name to "
                  "continue with `qcflow run`");
  cmd->add_option("--pattern", o->patterns, "File name globs (default *.trf; repeatable)");
  cmd->add_option("--zone", o->zone, "IANA zone of the linac, kept with each log");
  cmd->callback([action, &global, o] { *action = [&global, o] { return RunTrfBackfill(global, *o); }; });
}

}  // namespace qcflow::cli
