#include "process/component/worker_state.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "store/derived.h"

namespace qcflow::component {
namespace {

using json = nlohmann::ordered_json;

std::string Dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<json> Parse(std::string_view text, const std::string& what) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status::Corruption(what + " is not a JSON object");
  return j;
}

template <typename T>
void Take(const json& j, const char* key, T* out) {
  auto it = j.find(key);
  if (it == j.end()) return;
  if constexpr (std::is_same_v<T, std::string>) {
    if (it->is_string()) *out = it->template get<std::string>();
  } else if constexpr (std::is_same_v<T, bool>) {
    if (it->is_boolean()) *out = it->template get<bool>();
  } else {
    if (it->is_number_integer()) *out = it->template get<T>();
  }
}

template <typename T, typename Decode>
Result<std::vector<T>> LoadAll(Store& store, const char* ns, Decode decode) {
  std::vector<T> out;
  Status bad;
  Status s = store.derived().Scan(ns, "", [&](std::string_view key, std::string_view value) {
    auto v = decode(key, value);
    if (!v.ok()) {
      bad = v.status();
      return false;
    }
    out.push_back(std::move(*v));
    return true;
  });
  if (!s.ok()) return s;
  if (!bad.ok()) return bad;
  return out;
}

}  // namespace

std::string IsoOrEmpty(MicrosUtc t) { return t == 0 ? "" : FormatUtcIso(t); }

namespace {

json ValueOf(const std::string& text) { return json::parse(text, nullptr, /*allow_exceptions=*/false); }

}  // namespace

void StateFields::Set(const std::string& key, uint64_t value) { values_[key] = std::to_string(value); }
void StateFields::Set(const std::string& key, bool value) { values_[key] = value ? "true" : "false"; }
void StateFields::Set(const std::string& key, const std::string& value) { values_[key] = Dump(json(value)); }
void StateFields::Set(const std::string& key, const std::vector<std::string>& value) {
  values_[key] = Dump(json(value));
}

uint64_t StateFields::Number(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) return 0;
  json v = ValueOf(it->second);
  return v.is_number_unsigned() || v.is_number_integer() ? v.get<uint64_t>() : 0;
}

bool StateFields::Flag(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) return false;
  json v = ValueOf(it->second);
  return v.is_boolean() && v.get<bool>();
}

std::string StateFields::Text(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) return "";
  json v = ValueOf(it->second);
  return v.is_string() ? v.get<std::string>() : "";
}

std::vector<std::string> StateFields::List(const std::string& key) const {
  std::vector<std::string> out;
  auto it = values_.find(key);
  if (it == values_.end()) return out;
  json v = ValueOf(it->second);
  if (!v.is_array()) return out;
  for (const json& e : v) {
    if (e.is_string()) out.push_back(e.get<std::string>());
  }
  return out;
}

std::string EncodeSourceState(const SourceState& s) {
  json j = {{"kind", s.kind},
               {"state", s.state},
               {"last_run", s.last_run},
               {"last_ok", s.last_ok},
               {"last_error", s.last_error},
               {"next_run", s.next_run},
               {"records_last_run", s.records_last_run},
               {"quarantined_total", s.quarantined_total},
               {"sessions_emitted", s.sessions_emitted},
               {"late_runs", s.late_runs},
               {"passes", s.passes},
               {"first_start", s.first_start}};
  for (const auto& [key, value] : s.extra.values()) {
    if (!j.contains(key)) j[key] = ValueOf(value);
  }
  return Dump(j);
}

std::string EncodeSinkState(const SinkState& s) {
  return Dump({{"kind", s.kind},
               {"state", s.state},
               {"paused", s.paused},
               {"last_run", s.last_run},
               {"last_ok", s.last_ok},
               {"last_error", s.last_error},
               {"next_run", s.next_run},
               {"delivered_last_run", s.delivered_last_run},
               {"dead_lettered_last_run", s.dead_lettered_last_run}});
}

std::string EncodeProcessState(const ProcessState& p) {
  return Dump({{"pid", p.pid},
               {"started_at", p.started_at},
               {"stopped_at", p.stopped_at},
               {"version", p.version},
               {"display_zone", p.display_zone}});
}

Result<SourceState> DecodeSourceState(std::string_view name, std::string_view text) {
  auto j = Parse(text, "daemon.source/" + std::string(name));
  if (!j.ok()) return j.status();
  SourceState s;
  s.name = std::string(name);
  Take(*j, "kind", &s.kind);
  Take(*j, "state", &s.state);
  Take(*j, "last_run", &s.last_run);
  Take(*j, "last_ok", &s.last_ok);
  Take(*j, "last_error", &s.last_error);
  Take(*j, "next_run", &s.next_run);
  Take(*j, "records_last_run", &s.records_last_run);
  Take(*j, "quarantined_total", &s.quarantined_total);
  Take(*j, "sessions_emitted", &s.sessions_emitted);
  Take(*j, "late_runs", &s.late_runs);
  Take(*j, "passes", &s.passes);
  Take(*j, "first_start", &s.first_start);
  for (const auto& [key, value] : j->items()) {
    static const char* kCommon[] = {"kind", "state", "last_run", "last_ok", "last_error", "next_run",
                                    "records_last_run", "quarantined_total", "sessions_emitted",
                                    "late_runs", "passes", "first_start", "source"};
    if (std::find(std::begin(kCommon), std::end(kCommon), key) == std::end(kCommon)) {
      s.extra.SetJson(key, Dump(value));
    }
  }
  return s;
}

Result<SinkState> DecodeSinkState(std::string_view name, std::string_view text) {
  auto j = Parse(text, "daemon.sink/" + std::string(name));
  if (!j.ok()) return j.status();
  SinkState s;
  s.name = std::string(name);
  Take(*j, "kind", &s.kind);
  Take(*j, "state", &s.state);
  Take(*j, "paused", &s.paused);
  Take(*j, "last_run", &s.last_run);
  Take(*j, "last_ok", &s.last_ok);
  Take(*j, "last_error", &s.last_error);
  Take(*j, "next_run", &s.next_run);
  Take(*j, "delivered_last_run", &s.delivered_last_run);
  Take(*j, "dead_lettered_last_run", &s.dead_lettered_last_run);
  return s;
}

Result<ProcessState> DecodeProcessState(std::string_view text) {
  auto j = Parse(text, "daemon/process");
  if (!j.ok()) return j.status();
  ProcessState p;
  Take(*j, "pid", &p.pid);
  Take(*j, "started_at", &p.started_at);
  Take(*j, "stopped_at", &p.stopped_at);
  Take(*j, "version", &p.version);
  Take(*j, "display_zone", &p.display_zone);  // absent before it was recorded
  return p;
}

Result<std::vector<SourceState>> LoadSourceStates(Store& store) {
  return LoadAll<SourceState>(store, kDaemonSourceNs, DecodeSourceState);
}

Result<std::vector<SinkState>> LoadSinkStates(Store& store) {
  return LoadAll<SinkState>(store, kDaemonSinkNs, DecodeSinkState);
}

Result<ProcessState> LoadProcessState(Store& store) {
  auto v = store.derived().Get(kDaemonNs, kDaemonProcessKey);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return Status::NotFound("no daemon has run on this store");
  return DecodeProcessState(**v);
}

}  // namespace qcflow::component
