#include "cli/runtime/status_snapshot.h"

#include <algorithm>
#include <map>

#include "process/component/worker_state.h"
#include "store/outbox.h"

namespace qcflow::cli {
namespace {

using component::IsoOrEmpty;

// What a source's and a sink's persisted state have in common.
template <typename State>
void CopyPassFacts(const State& p, ComponentSnapshot* s) {
  s->state = p.state;
  s->last_run = p.last_run;
  s->last_ok = p.last_ok;
  s->next_run = p.next_run;
  s->last_error = p.last_error;
}

void AddSource(const component::Component& c, const std::map<std::string, component::SourceState>& states,
               const StoreStats& stats, StatusSnapshot* out) {
  ComponentSnapshot s;
  s.name = c.name();
  s.role = "source";
  s.kind = c.kind().section;
  s.state = "starting";
  uint64_t records = 0, quarantined = 0;
  for (const SourceCount& n : stats.sources) {
    if (n.source_id != c.name()) continue;
    records += n.records;
    quarantined += n.quarantined;
  }
  s.records = records;
  s.quarantined = quarantined;
  if (auto it = states.find(c.name()); it != states.end()) {
    CopyPassFacts(it->second, &s);
    s.records_last_run = it->second.records_last_run;
    s.details = it->second.extra.values();
  }
  out->components.push_back(std::move(s));
}

Status AddSink(const component::Component& c, const std::map<std::string, component::SinkState>& states,
               Store& store, MicrosUtc now, StatusSnapshot* out) {
  ComponentSnapshot s;
  s.name = c.name();
  s.role = "sink";
  s.kind = c.kind().section;
  s.state = "starting";
  if (auto it = states.find(c.name()); it != states.end()) {
    CopyPassFacts(it->second, &s);
    s.paused = it->second.paused;
  }
  auto counters = store.outbox().Counters(c.name(), now);
  if (!counters.ok()) return counters.status();
  s.pending = counters->pending;
  s.in_backoff = counters->in_backoff;
  s.dead_letters = counters->dead_letters;
  s.delivered = counters->delivered;
  s.last_success = IsoOrEmpty(counters->last_success);
  s.oldest_pending = IsoOrEmpty(counters->oldest_pending);
  // The outbox's error is the one with a time; the worker's wins while it has one.
  if (s.last_error.empty() && counters->last_error_at > counters->last_success) {
    s.last_error = counters->last_error;
  }
  if (!counters->last_error.empty()) s.last_error_at = IsoOrEmpty(counters->last_error_at);
  out->components.push_back(std::move(s));
  return Status::OK();
}

}  // namespace

Result<StatusSnapshot> TakeStatusSnapshot(Store& store, const config::Config& config, MicrosUtc now) {
  StatusSnapshot out;
  out.taken_at = IsoOrEmpty(now);
  out.store_dir = store.dir();
  auto stats = store.Stats();
  if (!stats.ok()) return stats.status();
  out.records = stats->last_seq;
  out.bytes_on_disk = stats->bytes_on_disk;
  if (auto p = component::LoadProcessState(store); p.ok()) {
    out.daemon_started_at = p->started_at;
    out.version = p->version;
  }
  auto sources = component::LoadSourceStates(store);
  if (!sources.ok()) return sources.status();
  auto sinks = component::LoadSinkStates(store);
  if (!sinks.ok()) return sinks.status();
  std::map<std::string, component::SourceState> source_by_name;
  for (auto& s : *sources) source_by_name.emplace(s.name, std::move(s));
  std::map<std::string, component::SinkState> sink_by_name;
  for (auto& s : *sinks) sink_by_name.emplace(s.name, std::move(s));
  for (const component::Component* c : config.Sources()) AddSource(*c, source_by_name, *stats, &out);
  for (const component::Component* c : config.Sinks()) {
    QCFLOW_RETURN_IF_ERROR(AddSink(*c, sink_by_name, store, now, &out));
  }
  for (const config::DisabledComponent& d : config.disabled) {
    ComponentSnapshot s;
    s.name = d.name;
    s.role = d.section.rfind("source.", 0) == 0 ? "source" : "sink";
    s.kind = d.section;
    s.state = "disabled";
    out.components.push_back(std::move(s));
  }
  return out;
}

Result<DeadLetterPage> ListDeadLetters(Store& store, const std::string& sink, size_t offset,
                                       size_t limit) {
  std::vector<std::string> sinks;
  if (sink.empty()) {
    auto all = store.outbox().Sinks();
    if (!all.ok()) return all.status();
    sinks = std::move(*all);
  } else {
    sinks.push_back(sink);
  }
  DeadLetterPage page;
  for (const std::string& name : sinks) {
    auto items = store.outbox().List(name, SIZE_MAX, /*include_dead=*/true);
    if (!items.ok()) return items.status();
    for (const OutboxItem& item : *items) {
      if (item.state != OutboxState::kDeadLetter) continue;
      const uint64_t index = page.total++;
      if (index < offset || page.items.size() >= limit) continue;
      page.items.push_back(
          DeadLetter{name, item.item_id, IsoOrEmpty(item.updated_at), item.last_error, item.attempts});
    }
  }
  return page;
}

}  // namespace qcflow::cli
