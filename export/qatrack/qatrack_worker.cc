#include "export/qatrack/qatrack_worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "export/qatrack/http_client.h"

namespace qcflow::qatrack {
namespace {

using Steady = std::chrono::steady_clock;
using component::HumanDuration;
using component::kMinInterval;
using component::Millis;
using component::RetryDelay;
using component::SteadyTime;

}  // namespace

std::string QatrackWorker::Clean(std::string msg) const {
  // The sink's messages name its URL as configured; credentials in it stay out.
  if (raw_url_ == url_ || raw_url_.empty()) return msg;
  for (size_t at = msg.find(raw_url_); at != std::string::npos; at = msg.find(raw_url_, at)) {
    msg.replace(at, raw_url_.size(), url_);
    at += url_.size();
  }
  return msg;
}

QatrackWorker::QatrackWorker(const QatrackSinkSettings& config, component::PartEnv env,
                             std::unique_ptr<QatrackSink> sink)
    : OutboxSinkWorker(config.sink.name, "qatrack", config.interval, std::move(env)),
      url_(SafeUrl(config.sink.api_url)),
      raw_url_(config.sink.api_url),
      sink_(std::move(sink)) {}

QatrackWorker::~QatrackWorker() {
  Stop();
  Join();
}




void QatrackWorker::Loop() {
  SteadyTime next = Steady::now();
  while (WaitUntil(next, /*kickable=*/connected_)) {
    MarkRun();
    next = connected_ ? Deliver() : Connect();
    Persist(next);
  }
}


SteadyTime QatrackWorker::Connect() {
  const std::string who = "sink " + name_;
  const Status st = sink_->CheckConnection();
  const std::string msg = Clean(st.message());
  if (st.ok()) {
    if (sink_->paused()) sink_->Resume();
    connected_ = true;
    failures_ = 0;
    Enter("ok", "", who + ": QATrack+ at " + url_ + " accepts the token; delivering every " +
                        HumanDuration(interval_));
    return Steady::now();  // deliver what waited at once
  }
  if (st.code() == Status::Code::kInvalidArgument) {  // 401: the token was rejected
    failures_ = 0;
    Enter("paused", msg,
          who + ": " + msg + "; uploads are paused (nothing is lost) and the token is "
                "re-checked every " + HumanDuration(interval_) + " (no restart needed)");
    return Steady::now() + interval_;
  }
  ++failures_;
  const Millis delay = RetryDelay(interval_, failures_, env_.max_backoff);
  Enter(st.code() == Status::Code::kUnavailable ? "unreachable" : "error", msg,
        who + ": " + msg + "; retrying in " + HumanDuration(delay));
  return Steady::now() + delay;
}

SteadyTime QatrackWorker::Deliver() {
  const std::string who = "sink " + name_;
  DeliveryReport total;
  Status failed;
  for (int i = 0; i < kMaxBatchesPerPass && !stopping(); ++i) {
    auto r = sink_->DeliverOnce(env_.clock());
    if (!r.ok()) {
      failed = r.status();
      break;
    }
    total.attempted += r->attempted;
    total.delivered += r->delivered;
    total.already_stored += r->already_stored;
    total.autoskipped += r->autoskipped;
    total.dead_lettered += r->dead_lettered;
    total.paused = r->paused;
    if (r->delivered > 0) {  // per batch: a long backlog shows progress
      log().info("{}: uploaded {} session(s) to {} ({} already stored there, {} with missing "
                   "tests skipped)", who, r->delivered, url_, r->already_stored, r->autoskipped);
    }
    if (r->paused || r->attempted == 0) break;
  }
  if (!failed.ok()) return StoreFailed(failed);
  failures_ = 0;
  RecordRound(total.delivered, total.dead_lettered);
  std::string item_error;
  if (total.attempted > 0 && total.delivered == 0 && total.dead_lettered == 0) item_error = HeadError();
  if (total.dead_lettered > 0) {
    const std::string reason = NewestDeadLetterReason();
    log().warn("{}: the server refused {} session(s) ({}); they are set aside as dead letters and "
                 "not retried. Fix the cause in QATrack+, then run `qcflow replay --dead-letters`",
                 who, total.dead_lettered, reason);
  }
  if (total.paused) {
    connected_ = false;
    Enter("paused", "QATrack+ rejected the API token (401)",
          who + ": QATrack+ at " + url_ + " rejected the API token (401); uploads are paused "
                "(nothing is lost) and the token is re-checked every " + HumanDuration(interval_) +
                " (no restart needed)");
    return Steady::now() + interval_;
  }
  // Nothing attempted (empty, or everything waits out a backoff) tells
  // nothing new about the server: keep the state.
  if (total.attempted > 0) {
    if (total.delivered == 0 && total.dead_lettered == 0) {
      Enter("failing", item_error,
            who + ": uploads to " + url_ + " are failing (" + item_error +
                "); each session is retried with backoff, nothing is lost");
    } else {
      Enter("ok", "", who + ": delivering to " + url_ + " again");
    }
  }
  return Steady::now() + interval_;
}






}  // namespace qcflow::qatrack
