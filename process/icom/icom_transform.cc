// One Step is a oneTBB pipeline over chunks of journal records:
//
//   read (serial, in order) -> decode (parallel) -> group (serial, in order)
//
// so reading the next chunk overlaps decoding earlier ones (decoding is per
// message and the expensive part), and the DeliveryBuilders see messages in
// journal order. After the pipeline, one WriteSet with the changed
// deliveries, the open state and the cursor. The tokens in flight bound
// memory (chunks of ~8.6 KB messages plus their decoded form) whatever
// records_per_step is.
#include "process/icom/icom_transform.h"

#include <oneapi/tbb/parallel_pipeline.h>

#include <algorithm>
#include <exception>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "process/common/session_index.h"
#include "process/common/step_loop.h"
#include "ingest/icom/decoder.h"
#include "process/icom/delivery_builder.h"
#include "process/icom/delivery_session.h"
#include "store/coding.h"
#include "store/derived.h"
#include "store/journal.h"
#include "store/store.h"
#include "store/write_set.h"

namespace qcflow::icom {
namespace {

constexpr size_t kChunk = 64;        // records per pipeline token
constexpr size_t kLiveChunks = 8;    // tokens in flight: bounds memory (~8 x 64 messages)
constexpr size_t kMaxProblemsPerStep = 20;  // sentences; the counts stay exact
// kOpenNs key of a linac's parked delivery: linac + this (a linac name has no NUL).
constexpr std::string_view kParkedSuffix("\0parked", 7);

bool IsCaptureLoss(std::string_view meta) {
  return meta.find("\"capture loss\"") != std::string_view::npos;
}

// One journal record of interest, decoded off the serial path.
struct Work {
  uint64_t seq = 0;
  Kind kind = Kind::kEvent;
  bool quarantined = false;
  std::string linac;
  MicrosUtc event_time = 0;
  std::string payload;  // iCom bytes until decoded
  IcomMessage message;
  Status decoded;       // Corruption: the header is unusable
  bool capture_loss = false;
};

void Decode(Work& w) {
  if (w.capture_loss || w.quarantined) return;
  w.decoded = DecodeMessage(w.payload, &w.message);
  std::string().swap(w.payload);  // the decoded message holds what is needed
}

}  // namespace

std::string IcomCursorName(const IcomTransformConfig& config) {
  if (config.linacs.empty()) return kCursorName;
  std::vector<std::string> sorted = config.linacs;
  std::sort(sorted.begin(), sorted.end());
  std::string name = std::string(kCursorName) + "/";
  for (size_t i = 0; i < sorted.size(); ++i) name += (i ? "," : "") + sorted[i];
  return name;
}

void IcomStepReport::Add(const IcomStepReport& s) {
  records_read += s.records_read;
  messages_decoded += s.messages_decoded;
  malformed += s.malformed;
  deliveries_updated += s.deliveries_updated;
  deliveries_closed += s.deliveries_closed;
  sessions_queued += s.sessions_queued;
  open_deliveries = s.open_deliveries;
  caught_up = s.caught_up;
  problems.insert(problems.end(), s.problems.begin(), s.problems.end());
}

struct IcomTransform::Impl {
  Store* store;
  IcomTransformConfig config;
  std::string cursor_name;
  std::set<std::string> scope;  // empty: every linac
  std::map<std::string, DeliveryBuilder> builders;
  bool restored = false;

  Impl(Store* s, IcomTransformConfig c)
      : store(s), config(std::move(c)), cursor_name(IcomCursorName(config)),
        scope(config.linacs.begin(), config.linacs.end()) {
    if (config.records_per_step == 0) config.records_per_step = 1;
  }

  bool InScope(std::string_view linac) const {
    return scope.empty() || scope.count(std::string(linac)) > 0;
  }
  DeliveryBuilder& Builder(const std::string& linac) {
    auto it = builders.find(linac);
    if (it == builders.end()) it = builders.emplace(linac, DeliveryBuilder(linac, config.grouping)).first;
    return it->second;
  }

  Status Restore();
  Result<IcomStepReport> Step();
  Status ReadChunk(uint64_t* next, size_t limit, std::vector<Work>* works, size_t* read);
  void Group(Work& w, WriteSet* ws, std::set<std::string>* touched, IcomStepReport* report);
  void Malformed(const Work& w, WriteSet* ws, IcomStepReport* report);
  void EmitDeliveries(const std::set<std::string>& touched, WriteSet* ws,
                      IcomStepReport* report);
};

Status IcomTransform::Impl::Restore() {
  builders.clear();
  // linac -> {open, parked} as stored (absent or "": none).
  std::map<std::string, std::pair<std::optional<Delivery>, std::optional<Delivery>>> saved;
  Status failed;
  QCFLOW_RETURN_IF_ERROR(store->derived().Scan(
      kOpenNs, "", [&](std::string_view key, std::string_view value) {
        const bool parked = key.size() > kParkedSuffix.size() &&
                            key.substr(key.size() - kParkedSuffix.size()) == kParkedSuffix;
        const std::string linac(parked ? key.substr(0, key.size() - kParkedSuffix.size()) : key);
        if (!InScope(linac)) return true;
        auto& slot = saved[linac];
        if (value.empty()) return true;
        auto d = DecodeDelivery(value);
        if (!d.ok()) {
          failed = d.status().WithContext("restoring the open iCom delivery of linac " + linac);
          return false;
        }
        (parked ? slot.second : slot.first) = std::move(*d);
        return true;
      }));
  QCFLOW_RETURN_IF_ERROR(failed);
  for (auto& [linac, state] : saved) {
    Builder(linac).Restore(std::move(state.first), std::move(state.second));
  }
  restored = true;
  return Status::OK();
}

Status IcomTransform::Impl::ReadChunk(uint64_t* next, size_t limit, std::vector<Work>* works,
                                      size_t* read) {
  works->clear();
  const std::vector<Kind> kinds = {Kind::kIcom, Kind::kEvent};
  auto r = store->journal().ScanKinds(*next, limit, kinds, [&](uint64_t seq, const RecordView& rec) {
    ++*read;
    const bool icom = rec.kind == Kind::kIcom;
    if (!icom && rec.kind != Kind::kEvent) return true;
    if (!InScope(rec.source_id)) return true;
    if (!icom && !IsCaptureLoss(rec.meta)) return true;
    Work& w = works->emplace_back();
    w.seq = seq;
    w.kind = rec.kind;
    w.quarantined = rec.quarantined();
    w.linac.assign(rec.source_id);
    w.event_time = rec.event_time;
    w.capture_loss = !icom;
    if (icom) w.payload.assign(rec.payload);
    return true;
  });
  if (!r.ok()) return r.status().WithContext("reading the journal for the iCom transform");
  *next = *r;
  return Status::OK();
}

void IcomTransform::Impl::Malformed(const Work& w, WriteSet* ws, IcomStepReport* report) {
  ++report->malformed;
  nlohmann::json j;
  j["linac"] = w.linac;
  j["seq"] = w.seq;
  nlohmann::json issues = nlohmann::json::array();
  std::string first;  // the first issue, for the problem sentence
  if (w.quarantined) {
    first = "quarantined by capture (unusable timestamp)";
    issues.push_back({{"offset", 8}, {"what", first}});
  } else if (!w.decoded.ok()) {
    first = "header unusable: " + w.decoded.message();
    issues.push_back({{"offset", 0}, {"what", first}});
  } else {
    for (const DecodeIssue& i : w.message.issues) {
      issues.push_back({{"offset", i.offset}, {"what", i.what}});
    }
    const DecodeIssue& i = w.message.issues.front();
    first = "at byte " + std::to_string(i.offset) + ": " + i.what;
    if (w.message.issues.size() > 1) {
      first += " (and " + std::to_string(w.message.issues.size() - 1) + " more)";
    }
  }
  j["issues"] = std::move(issues);
  ws->PutDerived(kMalformedNs, coding::BigEndian64(w.seq), j.dump());
  if (report->problems.size() < kMaxProblemsPerStep) {
    // Decoder issue texts are fixed sentences: no message content (no PHI).
    report->problems.push_back("iCom message at journal seq " + std::to_string(w.seq) +
                               " (linac " + w.linac + ") is malformed " + first +
                               (w.quarantined || !w.decoded.ok()
                                    ? "; skipped"
                                    : "; grouped with what could be decoded"));
  }
}

void IcomTransform::Impl::Group(Work& w, WriteSet* ws, std::set<std::string>* touched,
                                IcomStepReport* report) {
  if (w.capture_loss) {
    Builder(w.linac).AddCaptureLoss();
    touched->insert(w.linac);
    return;
  }
  const bool usable = !w.quarantined && w.decoded.ok();
  if (!usable || !w.message.issues.empty()) Malformed(w, ws, report);
  if (!usable) return;
  ++report->messages_decoded;
  Builder(w.linac).Add(w.seq, w.event_time, w.message);
  touched->insert(w.linac);
}

void IcomTransform::Impl::EmitDeliveries(const std::set<std::string>& touched, WriteSet* ws,
                                         IcomStepReport* report) {
  for (const std::string& linac : touched) {
    DeliveryBuilder& b = builders.at(linac);
    for (const Delivery& d : b.TakeUpdates()) {
      const std::string key = DeliveryKey(d.linac, d.first_seq);
      ws->ReplaceDerived(kDeliveryNs, key, EncodeDelivery(d));
      ws->PutDerivedIndex(kDeliveryByTime, DeliveryTimeIndexKey(d), kDeliveryNs, key);
      ws->PutDerivedIndex(kDeliveryByPatient, DeliveryPatientIndexKey(d), kDeliveryNs, key);
      ws->PutDerivedIndex(kDeliveryByField, DeliveryFieldIndexKey(d), kDeliveryNs, key);
      ++report->deliveries_updated;
      if (!d.open) ++report->deliveries_closed;
      if (auto route = config.routes.find(d.linac); !d.open && route != config.routes.end() &&
                                                     !route->second.sinks.empty()) {
        // A delivery closes once; a repeated step rewrites the same session and
        // the outbox queues an id once, ever.
        const QcSession s = DeliverySession(d, route->second.zone);
        ws->ReplaceDerived(kDeliverySessionNs, s.user_key, EncodeQcSession(s));
        ws->PutDerivedIndex(kSessionsBySource, SessionIndexKey(s.source_id, s.work_started, s.user_key),
                            kDeliverySessionNs, s.user_key);
        for (const std::string& sink : route->second.sinks) {
          ws->Enqueue(sink, s.user_key, kDeliverySessionNs, s.user_key, SessionGroup(s));
        }
        ++report->sessions_queued;
      }
    }
    ws->ReplaceDerived(kOpenNs, linac, b.open() ? EncodeDelivery(*b.open()) : std::string());
    ws->ReplaceDerived(kOpenNs, linac + std::string(kParkedSuffix),
                       b.parked() ? EncodeDelivery(*b.parked()) : std::string());
  }
}

Result<IcomStepReport> IcomTransform::Impl::Step() {
  if (!restored) QCFLOW_RETURN_IF_ERROR(Restore());
  auto cursor = store->GetCursor(cursor_name);
  if (!cursor.ok()) return cursor.status();
  IcomStepReport report;
  WriteSet ws;
  std::set<std::string> touched;
  uint64_t next = *cursor;
  size_t read = 0;
  bool at_end = false;
  Status read_error;
  using Chunk = std::shared_ptr<std::vector<Work>>;
  namespace tbb = oneapi::tbb;
  try {
    tbb::parallel_pipeline(
        kLiveChunks,
        tbb::make_filter<void, Chunk>(
            tbb::filter_mode::serial_in_order,
            [&](tbb::flow_control& fc) -> Chunk {
              auto chunk = std::make_shared<std::vector<Work>>();
              const size_t before = read;
              if (read < config.records_per_step) {
                read_error = ReadChunk(&next, std::min(kChunk, config.records_per_step - read),
                                       chunk.get(), &read);
              }
              if (!read_error.ok() || read == before) {
                at_end = read_error.ok() && read < config.records_per_step;
                fc.stop();
                return nullptr;
              }
              return chunk;
            }) &
            tbb::make_filter<Chunk, Chunk>(tbb::filter_mode::parallel,
                                           [](Chunk chunk) {
                                             for (Work& w : *chunk) Decode(w);
                                             return chunk;
                                           }) &
            tbb::make_filter<Chunk, void>(tbb::filter_mode::serial_in_order, [&](Chunk chunk) {
              for (Work& w : *chunk) Group(w, &ws, &touched, &report);
            }));
  } catch (const std::exception& e) {  // e.g. out of memory in a task
    restored = false;
    return Status::Internal(std::string("iCom transform pipeline failed: ") + e.what());
  }
  if (!read_error.ok()) {
    restored = false;  // the next Step starts again from the stored state
    return read_error;
  }
  if (!at_end) at_end = next > store->journal().last_seq();
  report.records_read = read;
  EmitDeliveries(touched, &ws, &report);
  if (report.malformed > kMaxProblemsPerStep) {
    report.problems.push_back(std::to_string(report.malformed - kMaxProblemsPerStep) +
                              " more malformed iCom messages in this step (see " +
                              std::string(kMalformedNs) + ")");
  }
  if (next != *cursor) ws.SetCursor(cursor_name, next);
  if (!ws.empty()) {
    auto committed = store->Commit(ws);
    if (!committed.ok()) {
      restored = false;
      return committed.status().WithContext("committing the iCom transform step");
    }
  }
  for (const auto& [linac, b] : builders) {
    report.open_deliveries += b.open().has_value() + b.parked().has_value();
  }
  report.caught_up = at_end;
  return report;
}

IcomTransform::IcomTransform(Store* store, IcomTransformConfig config)
    : impl_(std::make_unique<Impl>(store, std::move(config))) {}
IcomTransform::~IcomTransform() = default;

Status IcomTransform::Restore() { return impl_->Restore(); }
Result<IcomStepReport> IcomTransform::Step() { return impl_->Step(); }

Result<IcomStepReport> IcomTransform::RunUntilCaughtUp() {
  return StepUntilCaughtUp<IcomStepReport>([&] { return impl_->Step(); });
}

Status ForEachDeliverySession(Derived& derived, const std::string& zone,
                              const std::function<bool(const QcSession&)>& visit) {
  Status bad;
  Status scan = derived.Scan(kDeliveryNs, "", [&](std::string_view, std::string_view value) {
    auto d = DecodeDelivery(value);
    if (!d.ok()) {
      bad = d.status().WithContext("a stored iCom delivery");
      return false;
    }
    if (d->open) return true;
    QcSession s = DeliverySession(*d, zone);
    auto routed = derived.Get(kDeliverySessionNs, s.user_key);
    if (!routed.ok()) {
      bad = routed.status();
      return false;
    }
    if (routed->has_value()) {
      auto stored = DecodeQcSession(**routed);
      if (!stored.ok()) {
        bad = stored.status().WithContext("the stored session " + s.user_key);
        return false;
      }
      s = std::move(*stored);
    }
    return visit(s);
  });
  return bad.ok() ? scan : bad;
}

}  // namespace qcflow::icom
