#include "cli/command.h"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "cli/progress.h"
#include "cli/runtime/display_zone.h"
#include "process/component/worker_state.h"

namespace qcflow::cli {

std::string ResolveStoreDir(const GlobalOptions& global) {
  if (!global.store_dir.empty()) return global.store_dir;
  if (const char* env = std::getenv("QCFLOW_STORE"); env && *env) return env;
  return "qcflow-store";
}

Result<std::unique_ptr<Store>> OpenStore(const GlobalOptions& global, bool read_only) {
  StoreOptions options;
  options.read_only = read_only;
  options.create_if_missing = !read_only;
  // An old store's format upgrade reads its whole journal (minutes for years of
  // iCom): say so on stderr rather than look hung. Short upgrades print nothing.
  std::shared_ptr<Progress> progress;
  options.on_upgrade = [&progress](const StoreUpgradeProgress& p) {
    const std::string label = "upgrading the store to format " + std::to_string(p.to_version);
    if (!progress) progress = std::make_shared<Progress>(label);
    const std::string text = std::to_string(p.done) + "/" + std::to_string(p.total) + " records";
    if (!p.finished) {
      progress->Update(text);
    } else {
      if (progress->seconds() >= 1) progress->Done(text + " in " + std::to_string(int(progress->seconds())) + " s");
      progress.reset();
    }
  };
  return Store::Open(ResolveStoreDir(global), options);
}

Result<TimeRange> ParseTimeRange(const std::string& since, const std::string& until,
                                 const std::string& zone) {
  QCFLOW_RETURN_IF_ERROR(CheckZone(zone).WithContext("--tz/--zone"));
  TimeRange r;
  if (!since.empty()) {
    auto t = ParseTimeArg(since, zone);
    if (!t.ok()) return t.status().WithContext("--since");
    r.from = *t;
  }
  if (!until.empty()) {
    auto t = ParseTimeArg(until, zone);
    if (!t.ok()) return t.status().WithContext("--until");
    r.until = *t;
  }
  return r;
}

void AddZoneOption(CLI::App& cmd, std::string* zone, const std::string& reads) {
  auto machine = config::ResolveDisplayZone("", std::string_view());
  const std::string what = reads.empty() ? "every time shown" : reads + " without an offset and for every time shown";
  cmd.add_option("--tz", *zone,
                 "IANA zone for " + what + " (default: $TZ, else the zone the store's `qcflow run` config names "
                 "([display] zone, else its first source's), else this machine's: " +
                     (machine.ok() ? *machine : "UTC") + ")")
      ->type_name("ZONE");
}

Status ResolveShownZone(Store* store, std::string* zone) {
  std::string configured;
  if (zone->empty() && store != nullptr) {
    // Before any `qcflow run` (a backfilled store) there is no record: fine.
    if (auto p = component::LoadProcessState(*store); p.ok()) configured = p->display_zone;
  }
  auto shown = config::ResolveDisplayZone(*zone, configured);
  if (!shown.ok()) return shown.status();
  *zone = std::move(*shown);
  return Status::OK();
}

void AddLimitOption(CLI::App& cmd, size_t* limit, const std::string& what) {
  cmd.add_option_function<size_t>(
         "--limit", [limit](const size_t& n) { *limit = n == 0 ? SIZE_MAX : n; },
         "At most this many " + what + " (default " + std::to_string(*limit) + "; 0: no limit)")
      ->type_name("N");
}

void HintLimit(size_t shown, size_t limit, const std::string& also) {
  if (shown != limit) return;
  std::cerr << "(showing the first " << limit << ": --limit N shows more, --limit 0 all"
            << (also.empty() ? "" : ", " + also + " narrows") << ")\n";
}

int ReportError(const Status& status) {
  std::cerr << "qcflow: " << status.message() << "\n";
  switch (status.code()) {
    case Status::Code::kInvalidArgument:
    case Status::Code::kNotFound:
    case Status::Code::kIncompatible:
      return kExitUsage;
    default:
      return kExitFailed;
  }
}

int ReportBackfillError(const Store& store, const Status& status) {
  if (store.Health().writable) return ReportError(status);
  std::cerr << "qcflow: " << status.message() << "\n"
            << "qcflow: the backfill stopped; what it journaled is kept. Free space on the "
               "store's disk (or repair it) and run the same command again: it continues where "
               "it stopped.\n";
  return kExitFailed;
}

}  // namespace qcflow::cli
