// `qcflow replay --config FILE [--sink NAME] [--since DATE] [--dead-letters]`:
// sends sessions to QATrack+ again, then delivers what is due right away.
//
//   --dead-letters  lists the sink's dead letters with the server's reasons and
//                   moves them back to pending (after the cause was fixed: a unit's
//                   serial, a test list assignment, permissions).
//   otherwise       re-queues the sessions of the sources routed to the sink
//                   (work started at or after --since) even when they were
//                   delivered: for a QATrack+ restored from a backup. Sessions
//                   of every kind are found through one index
//                   (process/common/session_index.h), by source.
//
// Either way the unit and test list are resolved from the current config at
// delivery (QatrackSinkConfig::mappings), so a fixed units map or template
// applies to what is re-queued.
//
// Safe against duplicates: QATrack+ answers "user key already exists" for a
// session it holds (acked as "already stored"), and items attempted before are
// pre-checked by ?user_key=. The store has one writer: with the daemon running
// this command stops with a sentence saying so.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <limits>
#include <map>
#include <set>
#include <thread>

#include "cli/command.h"
#include "cli/runtime/config.h"
#include "cli/progress.h"
#include "export/qatrack/qatrack_component.h"
#include "process/common/qc_session.h"
#include "process/common/session_index.h"
#include "store/derived.h"
#include "store/outbox.h"

namespace qcflow::cli {
namespace {

struct ReplayOptions {
  std::string config = "qcflow.toml";
  std::string sink;
  std::string since;
  std::string max_duration = "5m";
  bool dead_letters = false;
  bool dry_run = false;
};

struct SinkTally {
  size_t requeued = 0, still_queued = 0;  // sessions mode
  size_t dead_requeued = 0;               // --dead-letters mode
  qatrack::DeliveryReport delivered;      // summed over rounds
  SinkCounters after;
  std::string failure;                    // why delivery did not run or stopped
};

std::string N(size_t n) { return std::to_string(n); }

// Re-queues the sessions of the sources routed to `sink` (from --since on), of
// whatever kind: every source that stores sessions is a component::SessionSource.
Status RequeueSessions(Store& store, const config::Config& c, const std::string& sink,
                       const ReplayOptions& o, SinkTally* t) {
  WriteSet ws;
  auto commit = [&]() -> Status {
    if (o.dry_run || ws.empty()) return Status::OK();
    auto r = store.Commit(ws);
    if (!r.ok()) return r.status();
    t->requeued += size_t(r->enqueued);
    t->still_queued += size_t(r->enqueue_duplicates);
    ws = WriteSet();
    return Status::OK();
  };
  Status failed;
  auto requeue = [&](const StoredSession& s) {
    if (o.dry_run) {
      ++t->requeued;
      return true;
    }
    ws.Requeue(sink, s.key, s.ns, s.key, SessionGroup(s.session));
    if (ws.size() >= 1000) failed = commit();
    return failed.ok();
  };
  std::set<std::string> done;  // a source id two sources share is replayed once
  for (const config::SessionSource& s : config::SessionSources(c)) {
    if (std::find(s.sinks.begin(), s.sinks.end(), sink) == s.sinks.end()) continue;
    MicrosUtc from = std::numeric_limits<MicrosUtc>::min();
    if (!o.since.empty()) {
      auto t0 = ParseTimeArg(o.since, s.zone);
      if (!t0.ok()) return t0.status().WithContext("--since");
      from = *t0;
    }
    for (const std::string& id : s.source_ids) {
      if (!done.insert(id).second) continue;
      QCFLOW_RETURN_IF_ERROR(ForEachStoredSession(store.derived(), id, from, requeue));
      QCFLOW_RETURN_IF_ERROR(failed);
    }
  }
  return commit();
}

// Runs DeliverOnce until nothing is due; waits for short holds (429, 307, a
// first backoff) but never past `deadline`.
Status Deliver(Store& store, qatrack::QatrackSink& sink, const std::string& name,
               std::chrono::steady_clock::time_point deadline, SinkTally* t) {
  Progress progress("deliver " + name);
  auto line = [&] {
    return N(t->delivered.delivered) + " delivered (" + N(t->delivered.already_stored) +
           " already stored), " + N(t->delivered.dead_lettered) + " dead letters, " +
           N(t->after.pending) + " pending";
  };
  constexpr int kMaxRounds = 100000;  // a bound far above any real queue / batch size
  for (int round = 0; round < kMaxRounds; ++round) {
    auto r = sink.DeliverOnce(NowMicros());
    if (!r.ok()) return r.status();
    t->delivered.attempted += r->attempted;
    t->delivered.delivered += r->delivered;
    t->delivered.already_stored += r->already_stored;
    t->delivered.autoskipped += r->autoskipped;
    t->delivered.dead_lettered += r->dead_lettered;
    const MicrosUtc now = NowMicros();
    auto counters = store.outbox().Counters(name, now);
    if (!counters.ok()) return counters.status();
    t->after = *counters;
    progress.Update(line());
    if (r->paused) {
      t->failure = "QATrack+ rejected the token (401); the sink is paused. Fix the token, then run "
                   "qcflow replay again.";
      break;
    }
    if (t->after.pending == 0) break;
    if (r->attempted > 0) continue;
    // Nothing could be sent now: everything due waits behind a backoff or a hold.
    MicrosUtc next = 0;
    auto items = store.outbox().List(name, 100000);
    if (!items.ok()) return items.status();
    for (const OutboxItem& item : *items) {
      if (item.next_try_at > now && (next == 0 || item.next_try_at < next)) next = item.next_try_at;
    }
    auto wait = std::chrono::microseconds(next > now ? next - now : kMicrosPerSecond);
    if (wait > std::chrono::seconds(60) || std::chrono::steady_clock::now() + wait > deadline) break;
    std::this_thread::sleep_for(wait);
  }
  progress.Done(line());
  return Status::OK();
}

// Lists the dead letters of `sink` with the server's reason (the outbox keeps it).
void PrintDeadLetters(const std::string& sink, const std::vector<OutboxItem>& items) {
  constexpr size_t kShown = 50;
  size_t n = 0;
  for (const OutboxItem& item : items) {
    if (item.state != OutboxState::kDeadLetter) continue;
    if (n++ == 0) std::cout << "Dead letters of sink " << sink << ":\n";
    if (n > kShown) continue;
    std::cout << "  " << item.item_id << "\n      " << (item.last_error.empty() ? "(no reason recorded)" : item.last_error)
              << "\n";
  }
  if (n > kShown) std::cout << "  ... and " << n - kShown << " more\n";
  if (n == 0) std::cout << "Sink " << sink << " has no dead letters.\n";
}

int RunReplay(const GlobalOptions& global, const ReplayOptions& o) {
  auto loaded = config::LoadConfig(o.config);
  if (!loaded.ok()) return ReportError(loaded.status());
  const config::Config& c = *loaded;
  auto max_duration = config::ParseDuration(o.max_duration);
  if (!max_duration.ok()) return ReportError(max_duration.status().WithContext("--max-duration"));

  std::vector<const qatrack::QatrackSinkSettings*> sinks;
  std::string names;
  for (const qatrack::QatrackComponent* q : c.Of<qatrack::QatrackComponent>()) {
    const qatrack::QatrackSinkSettings& k = q->settings();
    names += (names.empty() ? "" : ", ") + k.sink.name;
    if (o.sink.empty() || k.sink.name == o.sink) sinks.push_back(&k);
  }
  if (sinks.empty()) {
    return ReportError(Status::InvalidArgument(
        o.sink.empty() ? o.config + " has no [[sink.qatrack]]; nothing to replay"
                       : "no [[sink.qatrack]] named '" + o.sink + "' in " + o.config +
                             (names.empty() ? "" : " (there is: " + names + ")")));
  }

  const std::string dir = global.store_dir.empty() ? c.store.path : global.store_dir;
  StoreOptions so;
  so.durability = c.store.durability;
  so.read_only = o.dry_run;
  so.create_if_missing = false;
  auto store = Store::Open(dir, so);
  if (!store.ok()) {
    if (store.status().code() == Status::Code::kUnavailable) {
      std::cerr << "qcflow replay: the store at " << dir << " is in use by the running qcflow "
                << "daemon. Stop the service first (sudo systemctl stop qcflow), run the replay, "
                << "then start it again (sudo systemctl start qcflow).\n";
      return kExitFailed;
    }
    return ReportError(store.status());
  }

  std::map<std::string, SinkTally> tally;
  for (const auto* k : sinks) {
    const std::string& name = k->sink.name;
    SinkTally& t = tally[name];
    if (o.dead_letters) {
      auto items = (*store)->outbox().List(name, SIZE_MAX, /*include_dead=*/true);
      if (!items.ok()) return ReportError(items.status());
      PrintDeadLetters(name, *items);
      if (o.dry_run) {
        for (const OutboxItem& item : *items) t.dead_requeued += item.state == OutboxState::kDeadLetter;
        continue;
      }
      auto n = (*store)->outbox().RequeueDeadLetters(name, NowMicros());
      if (!n.ok()) return ReportError(n.status());
      t.dead_requeued = *n;
    } else if (Status s = RequeueSessions(**store, c, name, o, &t); !s.ok()) {
      return ReportError(s);
    }
  }
  if (o.dry_run) {
    for (const auto& [name, t] : tally) {
      std::cout << "sink " << name << ": would re-queue "
                << N(o.dead_letters ? t.dead_requeued : t.requeued)
                << (o.dead_letters ? (t.dead_requeued == 1 ? " dead letter" : " dead letters")
                                   : (t.requeued == 1 ? " session" : " sessions"))
                << " (dry run: nothing changed)\n";
    }
    return kExitOk;
  }

  const auto deadline = std::chrono::steady_clock::now() + *max_duration;
  bool failed = false, partial = false;
  for (const auto* k : sinks) {
    const std::string& name = k->sink.name;
    SinkTally& t = tally[name];
    qatrack::QatrackSinkConfig sink_config = k->sink;
    sink_config.mappings = config::SessionMappings(c);  // a fixed config applies to the replay
    auto sink = qatrack::QatrackSink::Create(store->get(), sink_config);
    if (!sink.ok()) return ReportError(sink.status());
    if (Status conn = (*sink)->CheckConnection(); !conn.ok()) {
      t.failure = conn.message() + ". The sessions stay queued; qcflow run (or another replay) "
                  "delivers them once the server is reachable.";
    } else if (Status d = Deliver(**store, **sink, name, deadline, &t); !d.ok()) {
      return ReportError(d);
    }
    auto counters = (*store)->outbox().Counters(name, NowMicros());
    if (counters.ok()) t.after = *counters;

    std::cout << "Replay to sink " << name << " (" << qatrack::SafeUrl(k->sink.api_url) << ")\n";
    if (o.dead_letters) {
      std::cout << "  dead letters re-queued  " << t.dead_requeued << "\n";
    } else {
      std::cout << "  sessions re-queued      " << t.requeued
                << (o.since.empty() ? "" : " (work started from " + o.since + ")");
      if (t.still_queued) std::cout << "; " << t.still_queued << " already in the queue";
      std::cout << "\n";
    }
    std::cout << "  delivered               " << t.delivered.delivered << " ("
              << t.delivered.already_stored << " were already stored on the server";
    if (t.delivered.autoskipped) std::cout << ", " << t.delivered.autoskipped << " with missing tests skipped";
    std::cout << ")\n"
              << "  new dead letters        " << t.delivered.dead_lettered;
    if (t.after.dead_letters) {
      std::cout << " (" << t.after.dead_letters << " in all; qcflow replay --dead-letters --dry-run "
                << "lists them with the reasons; fix the cause, then qcflow replay --dead-letters)";
    }
    std::cout << "\n  still pending           " << t.after.pending;
    if (t.after.pending) std::cout << " (waiting to retry after errors; qcflow run delivers them)";
    std::cout << "\n";
    if (!t.failure.empty()) std::cout << "  ! " << t.failure << "\n";
    failed = failed || !t.failure.empty();
    partial = partial || t.after.pending > 0 || t.delivered.dead_lettered > 0;
  }
  if (failed) return kExitFailed;
  return partial ? kExitPartial : kExitOk;
}

}  // namespace

void RegisterReplayCommand(CLI::App& app, const GlobalOptions& global, Action* action) {
  auto o = std::make_shared<ReplayOptions>();
  auto* cmd = app.add_subcommand(
      "replay",
      "Send sessions to QATrack+ again, then deliver them now.\n"
      "  --dead-letters: after fixing what the dead letters complain about (a unit's serial\n"
      "    number, the units map or test list template in the config, a test list or its\n"
      "    assignment, permissions), retry them.\n"
      "  without it: re-queue every session (MPC, DQA3) of the sources routed to the sink\n"
      "    (from --since), even those delivered before, e.g. after QATrack+ was restored\n"
      "    from a backup.\n"
      "Units and test lists are resolved from the configuration as it is now.\n"
      "Never creates duplicates: QATrack+ keeps one instance per user_key, and sessions it\n"
      "already holds are counted as 'already stored'. Needs the store to itself: stop the\n"
      "daemon first (systemctl stop qcflow) and start it again afterwards.\n"
      "Example: qcflow replay --config /etc/qcflow/qcflow.toml --since 2024-05-01");
  cmd->add_option("--config,-c", o->config, "The configuration file (default ./qcflow.toml)");
  cmd->add_option("--sink", o->sink, "Only this [[sink.qatrack]] (default: all)");
  cmd->add_option("--since", o->since,
                  "Only sessions whose work started at or after this time, YYYY-MM-DD[ HH:MM], "
                  "in the source's zone (default: all)");
  cmd->add_flag("--dead-letters", o->dead_letters, "Retry the dead letters instead of re-queueing sessions");
  cmd->add_flag("--dry-run", o->dry_run,
                "Change nothing: say how many would be re-queued (with --dead-letters: list them "
                "with the server's reasons)");
  cmd->add_option("--max-duration", o->max_duration,
                  "Stop delivering after this long (default 5m); the rest stays queued");
  cmd->callback([action, &global, o] {
    if (o->dead_letters && !o->since.empty()) {
      throw CLI::ValidationError("--since", "does not apply to --dead-letters (all dead letters are retried)");
    }
    *action = [&global, o] { return RunReplay(global, *o); };
  });
}

}  // namespace qcflow::cli
