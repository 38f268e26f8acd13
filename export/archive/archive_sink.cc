#include "export/archive/archive_sink.h"

#include <algorithm>
#include <map>

#include "store/derived.h"
#include "store/outbox.h"

namespace qcflow::archive {
namespace {

struct Entry {
  OutboxItem item;    // as listed (attempts before this round)
  QcSession session;
};

}  // namespace

Result<std::unique_ptr<ArchiveSink>> ArchiveSink::Create(Store* store, ArchiveSinkConfig config) {
  if (config.name.empty()) return Status::InvalidArgument("an archive sink needs a name");
  if (config.dir.empty()) return Status::InvalidArgument("sink " + config.name + ": dir is not set");
  if (!config.format.open) return Status::InvalidArgument("sink " + config.name + ": no format");
  if (config.backoff_initial <= 0 || config.backoff_max < config.backoff_initial) {
    return Status::InvalidArgument("sink " + config.name + ": backoff must be positive and max >= initial");
  }
  config.batch_limit = std::max<size_t>(1, config.batch_limit);
  return std::unique_ptr<ArchiveSink>(new ArchiveSink(store, std::move(config)));
}

MicrosUtc ArchiveSink::Backoff(uint32_t attempts) const {
  MicrosUtc delay = config_.backoff_initial;
  for (uint32_t i = 1; i < attempts && delay < config_.backoff_max; ++i) delay *= 2;
  return std::min(delay, config_.backoff_max);
}

Result<ArchiveReport> ArchiveSink::DeliverOnce(MicrosUtc now) {
  auto listed = store_->outbox().List(config_.name, config_.batch_limit);
  if (!listed.ok()) return listed.status();
  ArchiveReport report;
  std::vector<OutboxItem> updates;  // dead letters and backoffs, written by the settle
  std::vector<std::pair<OutboxItem, MicrosUtc>> acks;
  std::vector<Outbox::SinkError> errors;
  auto dead = [&](OutboxItem item, std::string why) {
    item.attempts += 1;
    item.state = OutboxState::kDeadLetter;
    item.last_error = std::move(why);
    item.updated_at = now;
    updates.push_back(std::move(item));
    ++report.dead_lettered;
  };

  // Load every due item's session and find its document; keep enqueue order.
  std::vector<std::string> order;  // document paths, first-seen order
  std::map<std::string, std::vector<Entry>> by_document;
  for (OutboxItem& item : *listed) {
    if (item.next_try_at > now) continue;
    ++report.attempted;
    auto record = store_->derived().Get(item.ref_ns, item.ref_key);
    if (!record.ok()) return record.status();
    if (!record->has_value()) {
      std::string why = "session record " + item.ref_ns + "/" + item.ref_key + " is missing";
      dead(std::move(item), std::move(why));
      continue;
    }
    auto session = DecodeQcSession(**record);
    if (!session.ok()) {
      std::string why = "session record " + item.ref_key + " cannot be decoded: " +
                        session.status().message();
      dead(std::move(item), std::move(why));
      continue;
    }
    auto path = DocumentPath(config_.dir, *session, config_.period, config_.format.extension);
    if (!path.ok()) {
      dead(std::move(item), "session " + session->user_key + ": " + path.status().message());
      continue;
    }
    auto [it, fresh] = by_document.try_emplace(*path);
    if (fresh) order.push_back(*path);
    it->second.push_back(Entry{std::move(item), std::move(*session)});
  }

  // Write-ahead: a later round knows these may be in their documents already.
  std::vector<OutboxItem> ahead;
  for (const std::string& path : order) {
    for (const Entry& e : by_document[path]) {
      ahead.push_back(e.item);
      ahead.back().attempts += 1;
      ahead.back().updated_at = now;
    }
  }
  if (!ahead.empty()) QCFLOW_RETURN_IF_ERROR(store_->outbox().UpdateMany(ahead));

  for (const std::string& path : order) {
    const std::vector<Entry>& entries = by_document[path];
    std::vector<SessionToWrite> writes;
    for (const Entry& e : entries) writes.push_back({&e.session, /*check_held=*/e.item.attempts > 0});
    auto update = UpdateDocument(config_.format, path, writes, JournalSources(store_->journal()));
    if (!update.ok()) {
      if (report.first_error.empty()) report.first_error = update.status().message();
      errors.push_back({config_.name, update.status().message(), now});
      for (const Entry& e : entries) {
        OutboxItem item = e.item;
        item.attempts += 1;
        item.last_error = update.status().message();
        item.next_try_at = now + Backoff(item.attempts);
        item.updated_at = now;
        updates.push_back(std::move(item));
        ++report.deferred;
      }
      continue;
    }
    bool wrote = false;
    for (size_t i = 0; i < entries.size(); ++i) {
      switch (update->outcomes[i]) {
        case WriteOutcome::kWritten:
          wrote = true;
          ++report.written;
          acks.emplace_back(entries[i].item, now);
          break;
        case WriteOutcome::kHeld:
          ++report.already_held;
          acks.emplace_back(entries[i].item, now);
          break;
        case WriteOutcome::kRefused:
          dead(entries[i].item, update->refusals[i]);
          break;
      }
    }
    if (wrote) ++report.documents;
  }
  if (config_.crash_before_settle && config_.crash_before_settle()) {
    return Status::Internal("crash_before_settle (test hook)");
  }
  // Acked items carry their pre-round state: AckMany only needs them queued.
  QCFLOW_RETURN_IF_ERROR(store_->outbox().Settle(updates, acks, errors));
  return report;
}

}  // namespace qcflow::archive
