// The flow graph of one Step (TBB stays inside this file):
//
//   input_node ──► limiter_node ──► function_node (unlimited) ──► sequencer_node ──► function_node (serial)
//   journal reader  batches in flight  parse folder + CSV      journal order     classify, MpcGrouper::Add
//        ▲                                                                              │
//        └──────────────────────── decrement (one batch classified) ◄───────────────────┘
//
// The reader pulls records after the cursor in chunks, so parsing starts while
// later records are still being read. Parsing is the only expensive part and
// runs on every core; the sequencer restores journal order before the serial
// node, so the grouper state, the WriteSet and the report do not depend on
// thread timing. After the graph: TakeReady (at most groups_per_step), build
// those sessions, one Commit.
#include "process/mpc/mpc_transform.h"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/parallel_for.h>

#include <exception>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>

#include "ingest/mpc/results_csv.h"
#include "ingest/mpc/run_folder.h"
#include "process/common/qc_session.h"
#include "process/common/session_stage.h"
#include "process/common/step_loop.h"
#include "process/mpc/run_record.h"
#include "process/mpc/transform_problems.h"
#include "process/mpc/transform_records.h"
#include "store/coding.h"
#include "store/derived.h"
#include "store/journal.h"
#include "store/store.h"
#include "store/write_set.h"

namespace qcflow::mpc {
namespace {

using coding::BigEndian64;
using internal::CheckTypeCode;
using internal::ConflictProblem;
using internal::DecodeRun;
using internal::DecodeWindow;
using internal::EncodeRun;
using internal::EncodeWindow;
using internal::kRunNs;
using internal::kWindowNs;
using internal::LateProblem;
using internal::ParsedRun;
using internal::ParseRecord;
using internal::ReadMeta;
using internal::TableWanted;
using internal::WindowRecordKey;

// Records per graph message.
constexpr size_t kBatchSize = 16;
// Parsed tables are kept in memory for pending runs up to
// config.cache_budget_bytes, counted in the Results.csv bytes they came from
// (a parsed table takes 2-3x that). A backfill holds its whole backlog pending
// until caught up; beyond the budget tables are re-read from the journal when
// their group is built (a second parse, cheap next to the read), so memory is
// bounded whatever the tree's size. A live source's few pending runs fit.
// Batches in flight between the journal reader and the classifier: bounds the
// payloads held while parse nodes work (kBatchSize records each).
constexpr size_t kBatchesInFlight = 8;

// One journal record travelling through the graph.
struct Work {
  uint64_t seq = 0;
  bool candidate = false; // a non-quarantined MPC record
  std::string dedup_key, meta, payload;
  size_t payload_bytes = 0;  // payload.size() before the parse node drops it
  std::optional<ParsedRun> parsed;
  Status error;           // why it could not be parsed
};
// Records travel in small batches: one graph message per record costs more
// than parsing a small file, and a batch reuses one journal iterator.
struct Batch {
  size_t pos = 0;  // position within the step: the sequencer's order
  std::vector<Work> items;
};
using BatchPtr = std::shared_ptr<Batch>;

std::string Describe(const Work& w) {
  const std::string path = ReadMeta(w.meta).path;
  return "MPC journal record " + std::to_string(w.seq) + " (" +
         (path.empty() ? w.dedup_key : path) + ")";
}

}  // namespace

struct MpcTransform::Impl {
  Store* store;
  MpcTransformConfig config;
  MpcGrouper grouper;
  bool restored = false;
  // Parsed tables of runs whose group is not emitted yet (bounded by the
  // pending runs); a miss (after a restart) re-reads the journal.
  struct CachedRun {
    ParsedRun run;
    size_t bytes = 0;  // its Results.csv's size (config.cache_budget_bytes)
  };
  std::unordered_map<uint64_t, CachedRun> cache;
  size_t cache_bytes = 0;

  Impl(Store* s, MpcTransformConfig c) : store(s), config(std::move(c)), grouper(config.grouping) {
    if (config.records_per_step == 0) config.records_per_step = 1;
    if (config.groups_per_step == 0) config.groups_per_step = 1;
    target = SessionTarget{kSessionNs, kSessionBySerial, config.sinks};
    scope = config.session.source_id + '\0';
    cursor_name = config.session.source_id.empty()
                      ? std::string(kCursorName)
                      : std::string(kCursorName) + "/" + config.session.source_id;
  }

  // The transform's own records ("mpc.run", "mpc.window") are keyed under its
  // source, so several MPC sources can share one store, each with its cursor.
  std::string scope;        // source id \0 (a key prefix)
  std::string cursor_name;
  SessionTarget target;     // where sessions go (derived, index, outboxes)
  bool InScope(std::string_view source_id) const {
    return config.session.source_id.empty() || source_id == config.session.source_id;
  }

  // Forgets in-memory state after a failed step: the store still holds the
  // last committed state, and the next Step restores from it.
  void Reset() {
    grouper = MpcGrouper(config.grouping);
    cache.clear();
    cache_bytes = 0;
    restored = false;
  }

  Status Restore();
  Result<StepReport> Step(MicrosUtc now);
  // Reads records after `cursor` through the graph; returns the next cursor.
  // *at_end: the reader found no record after the last one it read.
  Result<uint64_t> Consume(uint64_t cursor, WriteSet* ws, StepReport* report, bool* at_end);
  void Classify(Work& w, WriteSet* ws, StepReport* report);
  // A ready group's session, built in parallel with other groups.
  struct BuiltGroup {
    Status error;                       // the store failed: the step fails
    std::vector<std::string> problems;
    std::optional<QcSession> session;   // nullopt: nothing to emit
    std::string encoded;
  };
  // Thread-safe against other Build calls: takes the group's tables out of
  // the cache without changing its structure; misses are read from
  // `records` (the step's batched read), else from the journal.
  BuiltGroup Build(const RunGroup& g, const std::unordered_map<uint64_t, Record>& records);
  // The journal records of the groups' runs whose tables are not cached.
  Result<std::unordered_map<uint64_t, Record>> ReadUncached(const std::vector<RunGroup>& groups);
  // The seq of an earlier record of the late run's folder in its emitted window.
  Result<std::optional<uint64_t>> EarlierCopyOf(const LateRun& l,
                                                const std::vector<EmittedWindow>& emitted);
  // Serial, in group order: adds the session's writes to `ws`.
  Status Emit(const RunGroup& g, BuiltGroup& b, WriteSet* ws,
              std::set<std::string>* keys_this_step, StepReport* report);
};

Status MpcTransform::Impl::Restore() {
  grouper = MpcGrouper(config.grouping);
  cache.clear();
  Status failed;
  Derived& derived = store->derived();
  QCFLOW_RETURN_IF_ERROR(derived.Scan(kWindowNs, scope, [&](std::string_view, std::string_view v) {
    EmittedWindow w;
    failed = DecodeWindow(v, &w);
    if (failed.ok()) failed = grouper.RestoreEmitted(w);
    return failed.ok();
  }));
  QCFLOW_RETURN_IF_ERROR(failed);
  QCFLOW_RETURN_IF_ERROR(derived.Scan(kRunNs, scope, [&](std::string_view k, std::string_view v) {
    MpcRun run;
    failed = DecodeRun(k.substr(scope.size()), v, &run);
    if (failed.ok()) failed = grouper.Add(run).status();
    return failed.ok();
  }));
  QCFLOW_RETURN_IF_ERROR(failed.WithContext("restoring the MPC transform"));
  // Runs late again here were reported (mpc.late) in the step that added them.
  grouper.TakeLate();
  restored = true;
  return Status::OK();
}

void MpcTransform::Impl::Classify(Work& w, WriteSet* ws, StepReport* report) {
  if (!w.candidate) return;
  if (!w.parsed) {
    ++report->runs_unreadable;
    report->problems.push_back(Describe(w) + " skipped: " + w.error.message());
    return;
  }
  ParsedRun& p = *w.parsed;
  MpcRun run{p.folder.serial, p.folder.check_type, p.folder.run_time, p.folder.name, w.seq};
  auto t = ToNaive(run.run_time);
  auto added = t.ok() ? grouper.Add(run) : Result<MpcGrouper::Added>(t.status());
  if (!added.ok()) {
    ++report->runs_unreadable;
    report->problems.push_back(Describe(w) + " skipped: " + added.status().message());
    return;
  }
  if (*added == MpcGrouper::Added::kDuplicate) return;
  ++report->runs_added;
  ws->PutDerived(kRunNs, scope + BigEndian64(w.seq), EncodeRun(run, *t, p.path));
  const bool needed_later = *added == MpcGrouper::Added::kPending ||
                            config.grouping.late_policy == LatePolicy::kAmend;
  if (needed_later && p.has_table && cache_bytes + w.payload_bytes <= config.cache_budget_bytes) {
    cache_bytes += w.payload_bytes;
    cache.emplace(w.seq, CachedRun{std::move(p), w.payload_bytes});
  }
}

Result<uint64_t> MpcTransform::Impl::Consume(uint64_t cursor, WriteSet* ws, StepReport* report,
                                             bool* at_end) {
  namespace flow = oneapi::tbb::flow;
  Journal& journal = store->journal();
  const size_t limit = config.records_per_step;
  uint64_t next = cursor;  // these three are touched only by the (serial) reader
  size_t read = 0, batches = 0;
  Status read_error;

  flow::graph g;
  flow::input_node<BatchPtr> reader(g, [&](oneapi::tbb::flow_control& fc) -> BatchPtr {
    auto batch = std::make_shared<Batch>();
    if (read < limit && read_error.ok()) {
      auto r = journal.ScanKinds(next, std::min(kBatchSize, limit - read), {Kind::kMpc},
                            [&](uint64_t seq, const RecordView& rec) {
                              Work& w = batch->items.emplace_back();
                              w.seq = seq;
                              w.candidate = rec.kind == Kind::kMpc && !rec.quarantined() &&
                                            InScope(rec.source_id);
                              if (w.candidate) {
                                w.dedup_key.assign(rec.dedup_key);
                                w.meta.assign(rec.meta);
                                // A complete record's table is read when it is built.
                                if (!ReadMeta(rec.meta).complete) w.payload.assign(rec.payload);
                                w.payload_bytes = rec.payload.size();
                              }
                              return true;
                            });
      if (r.ok()) {
        next = *r;
      } else {
        read_error = r.status();
      }
    }
    if (batch->items.empty()) {
      *at_end = read < limit && read_error.ok();
      fc.stop();
      return nullptr;
    }
    read += batch->items.size();
    batch->pos = batches++;
    return batch;
  });
  flow::function_node<BatchPtr, BatchPtr> parser(g, flow::unlimited, [](BatchPtr batch) {
    for (Work& w : batch->items) {
      if (!w.candidate) continue;
      auto p = ParseRecord(w.dedup_key, w.meta, w.payload, TableWanted::kUnlessComplete);
      if (p.ok()) {
        w.parsed = std::move(*p);
      } else {
        w.error = p.status();
      }
      std::string().swap(w.payload);  // the table holds what is needed
    }
    return batch;
  });
  flow::sequencer_node<BatchPtr> in_order(g, [](const BatchPtr& b) { return b->pos; });
  flow::limiter_node<BatchPtr> in_flight(g, kBatchesInFlight);
  flow::function_node<BatchPtr, flow::continue_msg> classifier(
      g, flow::serial, [&](BatchPtr batch) {
        for (Work& w : batch->items) Classify(w, ws, report);
        return flow::continue_msg();
      });
  // Each classified batch lets the reader read one more.
  flow::make_edge(reader, in_flight);
  flow::make_edge(in_flight, parser);
  flow::make_edge(classifier, in_flight.decrementer());
  flow::make_edge(parser, in_order);
  flow::make_edge(in_order, classifier);
  try {
    reader.activate();
    g.wait_for_all();
  } catch (const std::exception& e) {  // e.g. out of memory in a node
    return Status::Internal(std::string("MPC transform graph failed: ") + e.what());
  }
  QCFLOW_RETURN_IF_ERROR(read_error.WithContext("reading the journal for the MPC transform"));
  report->records_read = read;
  return next;
}

Result<std::unordered_map<uint64_t, Record>> MpcTransform::Impl::ReadUncached(
    const std::vector<RunGroup>& groups) {
  std::vector<uint64_t> seqs;
  for (const RunGroup& g : groups) {
    for (const MpcRun& run : g.runs) {
      if (!cache.contains(run.seq)) seqs.push_back(run.seq);
    }
  }
  auto records = store->journal().GetMany(seqs);
  if (!records.ok()) return records.status().WithContext("re-reading MPC runs");
  std::unordered_map<uint64_t, Record> out;
  for (size_t i = 0; i < seqs.size(); ++i) {
    if ((*records)[i]) out.emplace(seqs[i], std::move(*(*records)[i]));
  }
  return out;
}

MpcTransform::Impl::BuiltGroup MpcTransform::Impl::Build(
    const RunGroup& g, const std::unordered_map<uint64_t, Record>& records) {
  BuiltGroup b;
  std::vector<RunResults> members;
  members.reserve(g.runs.size());
  for (const MpcRun& run : g.runs) {
    ParsedRun p;
    if (auto it = cache.find(run.seq); it != cache.end()) {
      p = std::move(it->second.run);  // each run is in one group only; erased after the build
    } else {
      auto read = records.find(run.seq);
      auto rec = read != records.end() ? Result<Record>(read->second) : store->journal().Get(run.seq);
      if (!rec.ok()) {
        b.error = rec.status().WithContext("re-reading MPC run " + run.folder);
        return b;
      }
      auto parsed = ParseRecord(rec->dedup_key, rec->meta, rec->payload, TableWanted::kAlways);
      // The scanner (complete records) or this transform (others) read it when
      // it was added: only a changed parser gets here.
      if (!parsed.ok()) {
        b.problems.push_back("MPC run " + run.folder + " (journal seq " +
                             std::to_string(run.seq) + ") left out of " + g.UserKey() + ": " +
                             parsed.status().message());
        continue;
      }
      p = std::move(*parsed);
    }
    members.push_back(RunResults{run.seq, std::move(p.path), std::move(p.folder),
                                 std::move(p.table)});
  }
  if (members.empty()) return b;
  auto session = BuildMpcSession(g, members, config.session);
  if (!session.ok()) {
    b.problems.push_back("MPC session " + g.UserKey() + " not built: " +
                         session.status().message());
    return b;
  }
  b.encoded = EncodeQcSession(*session);
  b.session = std::move(*session);
  return b;
}

Result<std::optional<uint64_t>> MpcTransform::Impl::EarlierCopyOf(
    const LateRun& l, const std::vector<EmittedWindow>& emitted) {
  for (const EmittedWindow& w : emitted) {
    if (w.serial != l.run.serial || w.check_type != l.run.check_type ||
        WindowKey(w.open) != l.window_key) {
      continue;
    }
    for (uint64_t seq : w.seqs) {  // late runs are rare: a lookup per member is fine
      if (seq == l.run.seq) continue;
      auto v = store->derived().Get(kRunNs, scope + BigEndian64(seq));
      if (!v.ok()) return v.status().WithContext("looking up MPC run " + std::to_string(seq));
      MpcRun run;
      if (!*v || !DecodeRun(BigEndian64(seq), **v, &run).ok() || run.folder != l.run.folder) continue;
      // A late copy that was only reported was not uploaded: not what changed after upload.
      auto late = store->derived().Get(kLateNs, BigEndian64(seq));
      if (!late.ok()) return late.status().WithContext("looking up late MPC run " + std::to_string(seq));
      if (!*late || (*late)->find("\"amended\":false") == std::string::npos) {
        return std::optional<uint64_t>(seq);
      }
    }
  }
  return std::optional<uint64_t>();
}

Status MpcTransform::Impl::Emit(const RunGroup& g, BuiltGroup& b, WriteSet* ws,
                                std::set<std::string>* keys_this_step, StepReport* report) {
  for (std::string& p : b.problems) report->problems.push_back(std::move(p));
  if (!b.session) return Status::OK();
  // QCPump's user_key has minute precision, but groups of the non-windowed check
  // types differ by seconds: two such groups in one minute share the key. Restored
  // windows are never emitted twice, so a taken key always means a different group,
  // which StageSession stores under "<key>/2", ... rather than lose its runs.
  const std::string base = b.session->user_key;
  auto staged = StageSession(store->derived(), target, g.serial, &*b.session, std::move(b.encoded),
                             keys_this_step, ws);
  if (!staged.ok()) return staged.status();
  if (staged->renamed) report->problems.push_back(ConflictProblem(std::string(kSessionNs) + "/" + base));
  if (staged->user_key.empty()) return Status::OK();
  if (g.amendment > 0) {
    ++report->amendments_emitted;
  } else {
    ++report->sessions_emitted;
  }
  return Status::OK();
}

Result<StepReport> MpcTransform::Impl::Step(MicrosUtc now) {
  if (!restored) QCFLOW_RETURN_IF_ERROR(Restore());
  auto now_naive = WallClockNaive(now, config.session.site_zone);
  if (!now_naive.ok()) return now_naive.status().WithContext("MPC transform clock");
  auto cursor = store->GetCursor(cursor_name);
  if (!cursor.ok()) return cursor.status();

  StepReport report;
  WriteSet ws;
  bool at_end = false;
  auto next = Consume(*cursor, &ws, &report, &at_end);
  if (!next.ok()) {
    Reset();
    return next.status();
  }

  // Windows close only once every journaled run was seen: journal order is
  // not run-time order (a backfill journals folders in directory order), so
  // emitting from a partial read would make runs late by arrival order.
  const bool caught_up = at_end || *next > store->journal().last_seq();
  std::vector<RunGroup> groups;
  // At most groups_per_step: a backfill's thousands of ready windows are built
  // and committed a bounded batch per step, not all in one WriteSet.
  if (caught_up) groups = grouper.TakeReady(*now_naive, config.groups_per_step);
  report.groups_taken = groups.size();
  std::vector<LateRun> late = grouper.TakeLate();
  auto uncached = ReadUncached(groups);
  if (!uncached.ok()) {
    Reset();
    return uncached.status();
  }
  // Building sessions (parsing, slugs, JSON) is the costly part: spread it.
  std::vector<BuiltGroup> built(groups.size());
  try {
    oneapi::tbb::parallel_for(oneapi::tbb::blocked_range<size_t>(0, groups.size(), 16),
                              [&](const oneapi::tbb::blocked_range<size_t>& r) {
                                for (size_t i = r.begin(); i != r.end(); ++i) {
                                  built[i] = Build(groups[i], *uncached);
                                }
                              });
  } catch (const std::exception& e) {
    Reset();
    return Status::Internal(std::string("building MPC sessions failed: ") + e.what());
  }
  std::set<std::string> keys_this_step;
  for (size_t i = 0; i < groups.size(); ++i) {
    Status s = built[i].error;
    if (s.ok()) s = Emit(groups[i], built[i], &ws, &keys_this_step, &report);
    if (!s.ok()) {
      Reset();
      return s;
    }
    for (const MpcRun& run : groups[i].runs) {  // emitted: not needed again
      if (auto it = cache.find(run.seq); it != cache.end()) {
        cache_bytes -= it->second.bytes;
        cache.erase(it);
      }
    }
  }
  const std::vector<EmittedWindow> emitted =
      late.empty() ? std::vector<EmittedWindow>() : grouper.EmittedState();
  for (const LateRun& l : late) {
    auto earlier = EarlierCopyOf(l, emitted);
    if (!earlier.ok()) {
      Reset();
      return earlier.status();
    }
    nlohmann::ordered_json j = {{"serial", l.run.serial},
                                {"check_type", CheckTypeName(l.run.check_type)},
                                {"folder", l.run.folder},
                                {"window_key", l.window_key},
                                {"user_key", l.user_key},
                                {"amended", l.amended}};
    if (*earlier) j["changed_after_upload_of_seq"] = **earlier;
    ws.PutDerived(kLateNs, BigEndian64(l.run.seq),
                  j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    // An amended late run is uploaded and needs no one; a changed or reported one does.
    if (!l.amended || *earlier) report.problems.push_back(LateProblem(l, *earlier));
  }
  report.late_runs = late.size();

  // Persist every window this step changed: emitted groups, and windows that
  // took a late run (its seq is now part of the window's state).
  if (!groups.empty() || !late.empty()) {
    using WinId = std::tuple<std::string, uint8_t, NaiveMicros>;
    std::map<WinId, const EmittedWindow*> windows;
    std::vector<EmittedWindow> state = grouper.EmittedState();
    for (const EmittedWindow& w : state) {
      auto open = ToNaive(w.open);
      if (open.ok()) windows[{w.serial, CheckTypeCode(w.check_type), *open}] = &w;
    }
    std::set<WinId> touched;
    for (const RunGroup& g : groups) {
      auto open = ToNaive(g.open);
      if (open.ok()) touched.insert({g.serial, CheckTypeCode(g.check_type), *open});
    }
    for (const LateRun& l : late) {
      auto t = ToNaive(l.run.run_time);
      if (!t.ok()) continue;
      // The window holding a late run is the latest one opening at or before it.
      auto it = windows.upper_bound({l.run.serial, CheckTypeCode(l.run.check_type), *t});
      if (it == windows.begin()) continue;
      --it;
      if (std::get<0>(it->first) == l.run.serial &&
          std::get<1>(it->first) == CheckTypeCode(l.run.check_type)) {
        touched.insert(it->first);
      }
    }
    for (const WinId& id : touched) {
      auto it = windows.find(id);
      if (it == windows.end()) continue;
      const EmittedWindow& w = *it->second;
      ws.ReplaceDerived(kWindowNs, scope + WindowRecordKey(w.serial, w.check_type, std::get<2>(id)),
                        EncodeWindow(w, std::get<2>(id)));
    }
  }

  if (*next != *cursor) ws.SetCursor(cursor_name, *next);
  if (!ws.empty()) {
    auto committed = store->Commit(ws);
    if (!committed.ok()) {
      Reset();
      return committed.status().WithContext("committing MPC sessions");
    }
    for (const std::string& c : committed->derived_conflicts) {
      report.problems.push_back(ConflictProblem(c));
    }
  }
  report.pending_runs = grouper.pending_runs();
  const std::optional<NaiveMicros> next_ready = grouper.NextReadyTime();
  report.caught_up = caught_up && !(next_ready && *next_ready <= *now_naive);
  return report;
}

void StepReport::Add(const StepReport& step) {
  records_read += step.records_read;
  runs_added += step.runs_added;
  runs_unreadable += step.runs_unreadable;
  sessions_emitted += step.sessions_emitted;
  groups_taken += step.groups_taken;
  amendments_emitted += step.amendments_emitted;
  late_runs += step.late_runs;
  pending_runs = step.pending_runs;
  caught_up = step.caught_up;
  problems.insert(problems.end(), step.problems.begin(), step.problems.end());
}

MpcTransform::MpcTransform(Store* store, MpcTransformConfig config)
    : impl_(std::make_unique<Impl>(store, std::move(config))) {}

MpcTransform::~MpcTransform() = default;

Status MpcTransform::Restore() { return impl_->Restore(); }

Result<StepReport> MpcTransform::Step(MicrosUtc now) { return impl_->Step(now); }

Result<StepReport> MpcTransform::RunUntilCaughtUp(MicrosUtc now) {
  return StepUntilCaughtUp<StepReport>([&] { return impl_->Step(now); });
}

}  // namespace qcflow::mpc
