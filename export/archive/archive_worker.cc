#include "export/archive/archive_worker.h"

#include <spdlog/spdlog.h>

namespace qcflow::archive {
namespace {

using Steady = std::chrono::steady_clock;

}  // namespace

ArchiveWorker::ArchiveWorker(std::string kind, component::Millis interval, component::PartEnv env,
                             std::unique_ptr<ArchiveSink> sink)
    : OutboxSinkWorker(sink->config().name, std::move(kind), interval, std::move(env)),
      sink_(std::move(sink)) {}

ArchiveWorker::~ArchiveWorker() {
  Stop();
  Join();
}

component::OutboxSinkWorker::DeadLetterWording ArchiveWorker::DeadLetters() const {
  return {"refused by the " + sink_->config().format.name + " writer",
          "fix the cause, then run qcflow replay --dead-letters"};
}

void ArchiveWorker::Loop() {
  component::SteadyTime next = Steady::now();
  while (WaitUntil(next, /*kickable=*/true)) {
    MarkRun();
    next = Deliver();
    Persist(next);
  }
}

component::SteadyTime ArchiveWorker::Deliver() {
  const std::string who = "sink " + name_;
  const ArchiveSinkConfig& config = sink_->config();
  ArchiveReport total;
  Status failed;
  for (int i = 0; i < kMaxBatchesPerPass && !stopping(); ++i) {
    auto r = sink_->DeliverOnce(env_.clock());
    if (!r.ok()) {
      failed = r.status();
      break;
    }
    total.attempted += r->attempted;
    total.written += r->written;
    total.already_held += r->already_held;
    total.dead_lettered += r->dead_lettered;
    total.deferred += r->deferred;
    if (total.first_error.empty()) total.first_error = r->first_error;
    if (r->written + r->already_held > 0) {  // per batch: a long backlog shows progress
      log().info("{}: wrote {} session(s) into {} {} document(s) under {} ({} already there)", who,
                 r->written, r->documents, config.format.name, config.dir, r->already_held);
    }
    // Stop when nothing was due or every item left waits out a backoff.
    if (r->attempted == 0 || r->written + r->already_held + r->dead_lettered == 0) break;
  }
  if (!failed.ok()) return StoreFailed(failed);
  failures_ = 0;
  RecordRound(total.written + total.already_held, total.dead_lettered);
  if (total.dead_lettered > 0) {
    log().warn("{}: {} session(s) could not be written as {} ({}); they are set aside as dead "
               "letters. Fix the cause, then run `qcflow replay --dead-letters`",
               who, total.dead_lettered, config.format.name, NewestDeadLetterReason());
  }
  if (total.deferred > 0) {
    Enter("failing", total.first_error,
          who + ": " + total.first_error + "; its sessions are retried with backoff, nothing is lost");
  } else if (total.attempted > 0) {
    Enter("ok", "", who + ": writing " + config.format.name + " documents under " + config.dir);
  }
  return Steady::now() + interval_;
}

}  // namespace qcflow::archive
