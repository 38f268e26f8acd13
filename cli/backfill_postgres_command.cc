// `qcflow backfill postgres`: mirror every session an existing store holds
// (MPC, DQA3, iCom and TRF deliveries, ...) into the central PostgreSQL, as
// the [[sink.postgres]] would have, bypassing the outbox: the store is opened
// read-only, so it may run next to the daemon. Idempotent: each session is an
// upsert keyed by (site, user_key) that writes nothing when its content hash is
// the stored one, so a second run writes no row.
#include <CLI/CLI.hpp>

#include <iostream>
#include <limits>

#include "cli/central_db.h"
#include "cli/command.h"
#include "cli/progress.h"
#include "process/common/session_index.h"
#include "store/derived.h"

namespace qcflow::cli {
namespace {

struct PgBackfillOptions {
  CentralDbOptions central;
  size_t batch = 200;
};

int RunPgBackfill(const GlobalOptions& global, const PgBackfillOptions& o) {
  if (o.batch == 0) return ReportError(Status::InvalidArgument("--batch must be at least 1"));
  auto db = ResolveCentralDb(o.central, /*need_site=*/true);
  if (!db.ok()) return ReportError(db.status());
  GlobalOptions where = global;
  if (where.store_dir.empty()) where.store_dir = db->store_dir;
  auto store = OpenStore(where, /*read_only=*/true);
  if (!store.ok()) return ReportError(store.status());
  auto sink = postgres::PostgresSink::Create(nullptr, db->sink);
  if (!sink.ok()) return ReportError(sink.status());

  Progress progress("sessions");
  postgres::PgDeliveryReport total;
  std::vector<QcSession> batch;
  auto flush = [&] {
    total.Add((*sink)->Mirror(std::move(batch)));
    batch.clear();
    progress.Update(std::to_string(total.attempted) + " read, " + std::to_string(total.inserted + total.updated) +
                    " written (" + PerSecond(total.attempted, progress.seconds()) + ")");
    return total.failure.ok();
  };
  Status scan = ForEachSession((*store)->derived(), std::numeric_limits<MicrosUtc>::min(),
                               [&](const StoredSession& s) {
                                 batch.push_back(s.session);
                                 return batch.size() < o.batch || flush();
                               });
  if (scan.ok() && total.failure.ok() && !batch.empty()) flush();
  progress.Done(std::to_string(total.attempted) + " sessions read in " +
                std::to_string(static_cast<long long>(progress.seconds())) + " s");
  if (!scan.ok()) return ReportError(scan);
  if (!total.failure.ok()) {
    std::cerr << "qcflow: " << total.failure.message() << "\n"
              << "qcflow: what was committed before is kept; run the same command again to continue.\n";
    return kExitFailed;
  }
  std::cout << "Site " << db->sink.site << " into schema \"" << db->sink.schema << "\": " << total.attempted
            << " sessions: " << total.inserted << " new, " << total.updated << " changed, " << total.unchanged
            << " already there; " << total.deliveries << " delivery rows written; " << total.dead_lettered
            << " refused\n";
  PrintProblems(total.refused);
  return total.refused.empty() ? kExitOk : kExitPartial;
}

}  // namespace

void RegisterBackfillPostgresCommand(CLI::App* backfill, const GlobalOptions& global, Action* action) {
  auto o = std::make_shared<PgBackfillOptions>();
  auto* cmd = backfill->add_subcommand(
      "postgres",
      "Mirror every session of the store into the central PostgreSQL (as [[sink.postgres]] would).\n"
      "Safe to repeat: a second run writes nothing. The store is only read.\n"
      "Examples:\n"
      "  qcflow backfill postgres --config /etc/qcflow/qcflow.toml\n"
      "  qcflow backfill postgres --store ./history --conninfo 'host=db dbname=qa user=qcflow' \\\n"
      "      --password-file /etc/qcflow/pg.pw --site north");
  AddCentralDbOptions(*cmd, &o->central, /*for_backfill=*/true);
  cmd->add_option("--batch", o->batch, "Sessions per transaction (default 200)");
  cmd->callback([action, &global, o] {
    *action = [&global, o] { return RunPgBackfill(global, *o); };
  });
}

}  // namespace qcflow::cli
