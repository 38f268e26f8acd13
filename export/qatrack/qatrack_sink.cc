#include "export/qatrack/qatrack_sink.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "export/qatrack/upload_payload.h"
#include "store/derived.h"

namespace qcflow::qatrack {
namespace {

using nlohmann::json;
using Kind = Outcome::Kind;

Outcome Dead(std::string message) {
  Outcome o;
  o.kind = Kind::kDeadLetter;
  o.message = std::move(message);
  return o;
}

// The part of a hyperlink from "/units/units/" on: the host and the /api/qa vs /api/qc
// prefix may differ between two answers for the same object.
std::string_view ObjectTail(std::string_view url, std::string_view marker) {
  size_t pos = url.find(marker);
  return pos == std::string_view::npos ? std::string_view() : url.substr(pos);
}

std::string StrField(const json& obj, const char* field) {
  auto it = obj.find(field);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A list answer with exactly one result, or why not. `what` names it for messages.
std::optional<Outcome> SingleResult(const HttpResponse& r, const std::string& what, json* out) {
  Outcome o = ClassifyLookup(r.status, r.body, r.error);
  if (o.kind != Kind::kStored) {
    if (r.error != TransportError::kNone && !r.error_message.empty()) {
      o.message += " (" + r.error_message + ")";
    }
    o.message = "looking up " + what + ": " + o.message;
    return o;
  }
  json j = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j["count"].is_number_integer() || !j["results"].is_array()) {
    return Dead("looking up " + what + ": the answer is not a QATrack+ list");
  }
  long count = j["count"].get<long>();
  if (count != 1 || j["results"].size() != 1 || !j["results"][0].is_object()) {
    return Dead("QATrack+ has " + std::to_string(count) + " " + what +
                " (exactly one is needed; check the configuration and QATrack+)");
  }
  *out = j["results"][0];
  return std::nullopt;
}

}  // namespace

Result<std::unique_ptr<QatrackSink>> QatrackSink::Create(Store* store, QatrackSinkConfig config) {
  if (config.name.empty()) return Status::InvalidArgument("QATrack+ sink needs a name");
  while (!config.api_url.empty() && config.api_url.back() == '/') config.api_url.pop_back();
  if (config.api_url.rfind("http://", 0) != 0 && config.api_url.rfind("https://", 0) != 0) {
    return Status::InvalidArgument("QATrack+ api_url must start with http:// or https://, e.g. "
                                   "https://qatrack.example.org/api");
  }
  if (config.server_zone.empty()) {
    return Status::InvalidArgument("QATrack+ server_zone is not set (the server's TIME_ZONE, "
                                   "e.g. America/Toronto)");
  }
  QCFLOW_RETURN_IF_ERROR(CheckZone(config.server_zone));
  if (config.backoff_initial <= 0 || config.backoff_max < config.backoff_initial) {
    return Status::InvalidArgument("QATrack+ backoff must be positive and max >= initial");
  }
  HttpClientOptions ho;
  ho.token = config.token;
  ho.radmachine = config.radmachine.value_or(IsRadMachineUrl(config.api_url));
  ho.connect_timeout = config.connect_timeout;
  ho.request_timeout = config.request_timeout;
  ho.verify_ssl = config.verify_ssl;
  ho.ca_bundle = config.ca_bundle;
  ho.proxy = config.proxy;
  auto http = HttpClient::Create(ho);
  if (!http.ok()) return http.status();
  if (!config.sleep) config.sleep = [](std::chrono::microseconds d) { std::this_thread::sleep_for(d); };
  return std::unique_ptr<QatrackSink>(
      new QatrackSink(store, std::move(config), std::move(http.value())));
}

QatrackSink::QatrackSink(Store* store, QatrackSinkConfig config, std::unique_ptr<HttpClient> http)
    : store_(store),
      config_(std::move(config)),
      display_url_(SafeUrl(config_.api_url)),
      http_(std::move(http)) {
  rng_.seed(config_.jitter_seed != 0 ? config_.jitter_seed : std::random_device{}());
}

std::string QatrackSink::Endpoint(const std::string& route) const {
  return config_.api_url + "/" + route;
}

Status QatrackSink::CheckConnection() { return Checks().CheckToken(); }

MicrosUtc QatrackSink::Backoff(uint32_t attempts) {
  MicrosUtc delay = config_.backoff_initial;
  for (uint32_t i = 1; i < attempts && delay < config_.backoff_max; ++i) delay *= 2;
  delay = std::min(delay, config_.backoff_max);
  // Equal jitter: half fixed, half random, so many sinks do not retry in lockstep.
  std::uniform_int_distribution<MicrosUtc> half(0, delay / 2);
  return delay - delay / 2 + half(rng_);
}

QatrackSink::Lookup QatrackSink::ResolveUnit(const QcSession& s, MicrosUtc now) {
  // By serial (MPC), else by the number or name a units map gave (DQA3).
  const char* field = !s.machine.serial.empty() ? "serial_number" : s.unit_number ? "number" : "name";
  const std::string asked = !s.machine.serial.empty() ? s.machine.serial
                            : s.unit_number        ? std::to_string(*s.unit_number)
                                                   : s.unit_name;
  const std::string key = std::string(field) + ":" + asked;
  auto cached = unit_cache_.find(key);
  if (cached != unit_cache_.end() && cached->second.second > now) return {cached->second.first, {}};
  if (asked.empty()) return {"", Dead("session " + s.user_key + " names no unit")};

  const std::string what = s.unit_number ? "units with number " + asked
                                         : std::string("units with ") +
                                               (s.machine.serial.empty() ? "name '" : "serial number '") +
                                               asked + "'";
  json unit;
  HttpResponse r = http_->Get(Endpoint("units/units/?" + std::string(field) + "=" + UrlEncode(asked)));
  if (auto failure = SingleResult(r, what, &unit)) return {"", failure};
  // A misspelt filter returns every unit; only an exact echo proves it was applied.
  const std::string echoed = s.unit_number && unit[field].is_number_integer()
                                 ? std::to_string(unit[field].get<long>())
                                 : StrField(unit, field);
  if (echoed != asked || !unit["number"].is_number_integer()) {
    return {"", Dead("looking up " + what + ": QATrack+ returned a different unit ('" + echoed +
                     "'); is the filter supported?")};
  }
  std::string value = std::to_string(unit["number"].get<long>()) + "\n" + StrField(unit, "url");
  unit_cache_[key] = {value, now + config_.cache_ttl};
  return {value, {}};
}

QatrackSink::Lookup QatrackSink::ResolveUtc(const QcSession& s, MicrosUtc now) {
  Lookup unit = ResolveUnit(s, now);
  if (unit.failure) return unit;
  const std::string number = unit.value.substr(0, unit.value.find('\n'));
  const std::string unit_url = unit.value.substr(unit.value.find('\n') + 1);
  auto key = std::make_pair(number, s.test_list_name);
  auto cached = utc_cache_.find(key);
  if (cached != utc_cache_.end() && cached->second.second > now) return {cached->second.first, {}};

  const std::string what = "active assignments of test list '" + s.test_list_name +
                           "' to unit " + number;
  json utc;
  HttpResponse r = http_->Get(Endpoint("qa/unittestcollections/?unit__number=" + number +
                                       "&name=" + UrlEncode(s.test_list_name) + "&active=true"));
  if (auto failure = SingleResult(r, what, &utc)) return {"", failure};
  const std::string url = StrField(utc, "url");
  std::string_view unit_tail = ObjectTail(unit_url, "/units/units/");
  if (StrField(utc, "name") != s.test_list_name || !utc.value("active", false) || url.empty() ||
      (!unit_tail.empty() && ObjectTail(StrField(utc, "unit"), "/units/units/") != unit_tail)) {
    return {"", Dead("looking up " + what + ": QATrack+ returned a different assignment ('" +
                     StrField(utc, "name") + "'); is the filter supported?")};
  }
  utc_cache_[key] = {url, now + config_.cache_ttl};
  return {url, {}};
}

QatrackSink::Lookup QatrackSink::PreCheck(const std::string& user_key) {
  HttpResponse r = http_->Get(Endpoint("qa/testlistinstances/?user_key=" + UrlEncode(user_key)));
  Outcome o = ClassifyLookup(r.status, r.body, r.error);
  if (o.kind != Kind::kStored) {
    o.message = "checking whether " + user_key + " is stored: " + o.message;
    return {"", o};
  }
  json j = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j["count"].is_number_integer() || !j["results"].is_array()) {
    return {"", Dead("checking whether " + user_key + " is stored: not a QATrack+ list")};
  }
  long count = j["count"].get<long>();
  if (count == 0) return {"0", {}};
  if (count == 1 && j["results"].size() == 1 && StrField(j["results"][0], "user_key") == user_key) {
    return {"1", {}};
  }
  return {"", Dead("checking whether " + user_key + " is stored: QATrack+ returned " +
                   std::to_string(count) + " instances; is the user_key filter supported?")};
}

HttpResponse QatrackSink::Post(const std::string& body) {
  if (config_.throttle_interval.count() > 0 && last_post_ != std::chrono::steady_clock::time_point{}) {
    auto due = last_post_ + config_.throttle_interval;
    auto left = due - std::chrono::steady_clock::now();
    if (left.count() > 0) config_.sleep(std::chrono::duration_cast<std::chrono::microseconds>(left));
  }
  HttpResponse r = http_->PostJson(Endpoint("qa/testlistinstances/"), body);
  last_post_ = std::chrono::steady_clock::now();
  return r;
}

Result<DeliveryReport> QatrackSink::DeliverOnce(MicrosUtc now) {
  DeliveryReport report;
  if (store_ == nullptr) return Status::FailedPrecondition("this QATrack+ sink has no store (checks only)");
  if (paused_ || now < hold_until_) {
    auto queued = store_->outbox().List(config_.name, config_.batch_limit);
    if (!queued.ok()) return queued.status();
    report.paused = paused_;
    report.deferred = queued->size();
    return report;
  }
  // The round's plan: up to batch_limit due items whose group has no earlier item
  // waiting. The listing looks past items in backoff (and the rest of their group),
  // so one failing unit cannot starve the others; it stops at the plan's size or
  // after kMaxScan items, which bounds a round's cost on a long backlog.
  constexpr size_t kMaxScan = 4096;
  std::set<std::string> waiting;
  size_t planned_count = 0, scanned = 0;
  auto items = store_->outbox().ListWhile(config_.name, [&](const OutboxItem& item) {
    ++scanned;
    if (item.next_try_at > now || waiting.count(item.group) > 0) {
      waiting.insert(item.group);
    } else {
      ++planned_count;
    }
    return planned_count < config_.batch_limit && scanned < kMaxScan;
  });
  if (!items.ok()) return items.status();
  std::vector<bool> planned(items->size(), false);
  std::vector<OutboxItem> ahead;
  waiting.clear();
  for (size_t i = 0; i < items->size(); ++i) {
    const OutboxItem& item = (*items)[i];
    if (item.next_try_at > now || waiting.count(item.group) > 0) {
      waiting.insert(item.group);
      continue;
    }
    planned[i] = true;
    ahead.push_back(item);
    ++ahead.back().attempts;
    ahead.back().updated_at = now;
  }
  // Write-ahead, once for the round: once attempts > 0 is durable for every item that
  // may be posted, a crash after any POST leads to a pre-check instead of a second upload.
  QCFLOW_RETURN_IF_ERROR(store_->outbox().UpdateMany(ahead));
  settle_updates_.clear();
  settle_acks_.clear();
  settle_errors_.clear();
  // Planned items the round did not reach get their previous state back (never posted).
  std::vector<bool> reached(items->size(), false);
  auto unreached = [&] {
    std::vector<OutboxItem> restore;
    for (size_t i = 0; i < items->size(); ++i) {
      if (planned[i] && !reached[i]) restore.push_back((*items)[i]);
    }
    return restore;
  };

  std::set<std::string> blocked;  // groups with an earlier item still waiting
  bool stopped = false;
  for (size_t i = 0; i < items->size(); ++i) {
    OutboxItem& item = (*items)[i];
    if (stopped || !planned[i] || blocked.count(item.group) > 0) {
      blocked.insert(item.group);
      ++report.deferred;
      continue;
    }
    reached[i] = true;
    auto next = DeliverItem(item, now, &report);
    if (!next.ok()) {
      // Keep what the round learnt; the failed item keeps its write-ahead attempt.
      Status settled = Settle(unreached());
      (void)settled;  // the store already failed; report that first error
      return next.status();
    }
    if (*next == Next::kBlockGroup) blocked.insert(item.group);
    if (*next == Next::kStop) {
      blocked.insert(item.group);
      stopped = true;
    }
  }
  if (config_.crash_before_settle && config_.crash_before_settle()) {
    return Status::Internal("simulated crash before the round's outcomes were written");
  }
  QCFLOW_RETURN_IF_ERROR(Settle(unreached()));
  report.paused = paused_;
  return report;
}

Status QatrackSink::Settle(std::vector<OutboxItem> restore) {
  for (OutboxItem& item : restore) settle_updates_.push_back(std::move(item));
  Status s = store_->outbox().Settle(settle_updates_, settle_acks_, settle_errors_);
  settle_updates_.clear();
  settle_acks_.clear();
  settle_errors_.clear();
  return s;
}

Result<QatrackSink::Next> QatrackSink::DeliverItem(OutboxItem item, MicrosUtc now,
                                                   DeliveryReport* report) {
  ++report->attempted;
  const bool tried_before = item.attempts > 0;
  ++item.attempts;
  item.updated_at = now;

  auto record = store_->derived().Get(item.ref_ns, item.ref_key);
  if (!record.ok()) return record.status();
  if (!record->has_value()) {
    return Apply(item, Dead("session record " + item.ref_ns + "/" + item.ref_key + " is missing"),
                 now, report);
  }
  auto session = DecodeQcSession(**record);
  if (!session.ok()) {
    return Apply(item, Dead("session record does not decode: " + session.status().message()), now,
                 report);
  }
  // Where it goes follows the current config, not the config it was built under.
  if (auto m = config_.mappings.find(session->source_id); m != config_.mappings.end()) {
    if (Status st = ApplySessionMapping(m->second, &*session); !st.ok()) {
      return Apply(item, Dead(st.message()), now, report);
    }
  }
  if (Status v = ValidateQcSession(*session); !v.ok()) {
    return Apply(item, Dead(v.message()), now, report);
  }
  Lookup utc = ResolveUtc(*session, now);
  if (utc.failure) return Apply(item, *utc.failure, now, report);
  PayloadOptions po;
  po.include_comments = config_.include_comments;
  auto body = BuildUploadPayload(*session, utc.value, config_.server_zone, po);
  if (!body.ok()) return Apply(item, Dead(body.status().message()), now, report);

  // The previous attempt may have stored it (timeout after send, crash before ack).
  if (tried_before) {
    Lookup stored = PreCheck(session->user_key);
    if (stored.failure) return Apply(item, *stored.failure, now, report);
    if (stored.value == "1") {
      Outcome o;
      o.kind = Kind::kAlreadyStored;
      o.message = "found on the server by user_key";
      return Apply(item, o, now, report);
    }
  }

  // The round's write-ahead (DeliverOnce) already made attempts > 0 durable.
  HttpResponse r = Post(*body);
  Outcome o = ClassifyUpload(r.status, r.body, r.error);
  if (o.kind == Kind::kMissingTests) {
    // Autoskip once: a partial session fills a multi-beam list with the rest skipped.
    po.extra_skipped = o.missing_tests;
    body = BuildUploadPayload(*session, utc.value, config_.server_zone, po);
    if (!body.ok()) return Apply(item, Dead(body.status().message()), now, report);
    ++report->autoskipped;
    r = Post(*body);
    o = ClassifyUpload(r.status, r.body, r.error);
    if (o.kind == Kind::kMissingTests) o = Dead(o.message + " (still missing after autoskip)");
  }
  // A rejected upload may come from a stale lookup (assignment or unit changed):
  // look up afresh once a person re-queues it.
  if (o.kind == Kind::kDeadLetter) {
    unit_cache_.clear();
    utc_cache_.clear();
  }
  if (r.error != TransportError::kNone && !r.error_message.empty()) {
    o.message += " (" + r.error_message + ")";
  }
  return Apply(item, o, now, report);
}

Result<QatrackSink::Next> QatrackSink::Apply(OutboxItem& item, const Outcome& outcome,
                                             MicrosUtc now, DeliveryReport* report) {
  item.updated_at = now;
  item.last_error = Redact(outcome.message, config_.token);
  Next next = Next::kContinue;
  switch (outcome.kind) {
    case Kind::kStored:
    case Kind::kAlreadyStored:
      settle_acks_.emplace_back(item, config_.clock ? config_.clock() : now);
      ++report->delivered;
      if (outcome.kind == Kind::kAlreadyStored) ++report->already_stored;
      return Next::kContinue;
    case Kind::kMissingTests:  // only reached from a lookup; treat as bad data
    case Kind::kDeadLetter:
      item.state = OutboxState::kDeadLetter;
      item.next_try_at = 0;
      ++report->dead_lettered;
      break;
    case Kind::kPauseAuth:
      paused_ = true;
      --item.attempts;  // the item did nothing wrong
      settle_errors_.push_back(
          {config_.name, item.last_error + "; sink paused until the token is fixed", now});
      ++report->deferred;
      next = Next::kStop;
      break;
    case Kind::kRetrySoon:
      item.next_try_at = now + config_.retry_soon;
      hold_until_ = item.next_try_at;
      ++report->deferred;
      next = Next::kStop;
      break;
    case Kind::kThrottled:
      item.next_try_at = now + int64_t(outcome.throttle_seconds) * kMicrosPerSecond;
      hold_until_ = item.next_try_at;
      ++report->deferred;
      next = Next::kStop;
      break;
    case Kind::kTransient:
    case Kind::kAmbiguous:
      // Keep pending forever; the pre-check on the next attempt covers "ambiguous".
      item.next_try_at = now + Backoff(item.attempts);
      settle_errors_.push_back({config_.name, item.last_error, now});
      ++report->deferred;
      next = Next::kBlockGroup;
      break;
  }
  settle_updates_.push_back(item);
  return next;
}

}  // namespace qcflow::qatrack
