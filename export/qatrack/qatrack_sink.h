// QatrackSink: delivers queued QcSessions from a store's outbox to QATrack+ (or
// RadMachine) and records every outcome durably in the outbox.
//
// One DeliverOnce(now) call walks the sink's pending items in enqueue order:
//   load the session (derived record) -> apply its source's current mapping (units map,
//   test list template; config.mappings) -> resolve the unit (by serial, name or number)
//   and its unit test collection (unit number + test list name + active) -> POST the upload ->
//   classify the answer (outcome.h) -> ack / dead-letter / back off in the outbox.
//
// Promises:
//   - Order within a group (e.g. one unit) is kept: while an item of a group waits
//     (backoff), later items of that group wait too. Other groups go on.
//   - Each session is stored at most once: the attempt count is persisted BEFORE a
//     POST, and any item that was attempted before is first looked up by
//     ?user_key= and acked if the server already has it (timeout after send, crash
//     between POST and ack, a 5xx from a proxy after the backend stored it).
//   - Store cost per DeliverOnce is O(1) synced writes, not O(items): one write-ahead
//     (attempts+1 for every item the round may try) before the first request, and one
//     write at the end with every ack, dead letter, backoff and sink error of the round
//     (items the round did not reach get their previous state back in it). A crash in
//     between loses only that last write: the items stay pending with attempts > 0, so
//     the next round pre-checks them and acks what the server already stored.
//   - "user key already exists" acks; "Missing data for tests" re-posts once with those
//     tests skipped (QCPump's autoskip); other 400/403/404 and failed lookups are dead
//     letters carrying the server's message (RequeueDeadLetters after a fix).
//   - 401 pauses the sink (paused() until Resume()) and records a sink error; 307 retries
//     soon; 429 waits as long as the server says; 5xx/timeouts/resets/DNS back off
//     exponentially with jitter (capped) and never give up.
//   - Lookups require count == 1 AND the returned field equal to the asked value (a
//     misspelt filter is silently ignored by the server). Successful lookups are cached
//     for cache_ttl; failures are never cached.
//   - The token never reaches the outbox, the store or a Status message.
//
// Thread safety: none; call DeliverOnce from one thread.
#ifndef QCFLOW_EXPORT_QATRACK_QATRACK_SINK_H_
#define QCFLOW_EXPORT_QATRACK_QATRACK_SINK_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "export/qatrack/http_client.h"
#include "export/qatrack/outcome.h"
#include "export/qatrack/server_checks.h"
#include "process/common/qc_session.h"
#include "process/common/session_mapping.h"
#include "store/outbox.h"
#include "store/status.h"
#include "store/store.h"

namespace qcflow::qatrack {

struct QatrackSinkConfig {
  std::string name = "qatrack";        // outbox sink name
  std::string api_url;                 // API root, e.g. "https://qatrack.example.org/api"
  std::string token;                   // 40-hex API token; never logged
  std::string server_zone;             // the server's TIME_ZONE (IANA), e.g. "America/Toronto"
  std::optional<bool> radmachine;      // default: api_url contains "radformation"
  bool include_comments = false;       // comments cancel QATrack+ auto-review
  std::chrono::milliseconds throttle_interval{0};  // minimum gap between two POSTs
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds request_timeout{60000};
  bool verify_ssl = true;
  std::string ca_bundle;
  std::string proxy;
  MicrosUtc cache_ttl = 3600 * kMicrosPerSecond;
  MicrosUtc backoff_initial = 10 * kMicrosPerSecond;
  MicrosUtc backoff_max = 10 * kMicrosPerMinute;
  MicrosUtc retry_soon = 5 * kMicrosPerSecond;  // after a 307
  size_t batch_limit = 500;            // items looked at per DeliverOnce
  uint64_t jitter_seed = 0;            // 0: seeded from std::random_device
  // Source id -> its current units map and test list template, applied to every
  // session before delivery, so queued items and dead letters follow the config
  // (a session of a source not listed keeps the unit and test list it was built with).
  std::map<std::string, SessionMapping> mappings;
  // Used to honour throttle_interval; tests may replace it.
  std::function<void(std::chrono::microseconds)> sleep;
  // When set, a delivery is stamped (outbox last_success) with clock() after the
  // server's answer instead of the round's `now`, which a long round leaves behind.
  std::function<MicrosUtc()> clock;
  // Tests only: called after a round's POSTs, just before its outcomes are written;
  // returning true makes DeliverOnce return Internal without writing them, as if the
  // process died there (the items stay pending with their write-ahead attempts).
  std::function<bool()> crash_before_settle;
};

struct DeliveryReport {
  size_t attempted = 0;      // items a POST or pre-check was tried for
  size_t delivered = 0;      // acked (stored now or found stored)
  size_t already_stored = 0; // of delivered: the server had it already
  size_t autoskipped = 0;    // re-posted with missing tests skipped
  size_t dead_lettered = 0;
  size_t deferred = 0;       // left pending: backoff, blocked group, throttled, paused
  bool paused = false;       // the token was rejected; nothing is sent until Resume()
};

class QatrackSink {
 public:
  // REQUIRES: `store` outlives the sink. Checks the config (URL, token, zone).
  // A null `store` gives a sink for CheckConnection and Checks only
  // (`qcflow validate`); its DeliverOnce fails.
  static Result<std::unique_ptr<QatrackSink>> Create(Store* store, QatrackSinkConfig config);

  // ServerChecks::CheckToken (GET units/units/?limit=1; /api/auth/ answers anyone):
  // OK when the token is accepted. Retries a 307 a few times.
  Status CheckConnection();

  // The read-only server checks (`qcflow validate`) over this sink's connection.
  ServerChecks Checks() { return ServerChecks(http_.get(), config_.api_url, config_.sleep); }

  // Delivers what is due at `now` (UTC µs; also the time written to the outbox).
  // Returns non-OK only when the store fails; delivery problems end up in the outbox.
  Result<DeliveryReport> DeliverOnce(MicrosUtc now);

  bool paused() const { return paused_; }
  void Resume() { paused_ = false; }

 private:
  struct Lookup {  // a resolved value, or the outcome that stopped the lookup
    std::string value;
    std::optional<Outcome> failure;
  };
  enum class Next { kContinue, kBlockGroup, kStop };

  QatrackSink(Store* store, QatrackSinkConfig config, std::unique_ptr<HttpClient> http);
  std::string Endpoint(const std::string& route) const;
  Result<Next> DeliverItem(OutboxItem item, MicrosUtc now, DeliveryReport* report);
  // Writes the round's collected outcomes (and `restore`) in one store write.
  Status Settle(std::vector<OutboxItem> restore);
  Result<Next> Apply(OutboxItem& item, const Outcome& outcome, MicrosUtc now,
                     DeliveryReport* report);
  Lookup ResolveUnit(const QcSession& s, MicrosUtc now);
  Lookup ResolveUtc(const QcSession& s, MicrosUtc now);
  // count of instances with this user_key (0 or 1) in `value`, or a failure.
  Lookup PreCheck(const std::string& user_key);
  HttpResponse Post(const std::string& body);
  MicrosUtc Backoff(uint32_t attempts);

  Store* store_;
  QatrackSinkConfig config_;
  std::string display_url_;  // SafeUrl(api_url): the only form messages show
  std::unique_ptr<HttpClient> http_;
  bool paused_ = false;
  MicrosUtc hold_until_ = 0;  // 429 / 307: the whole server asked us to wait
  std::chrono::steady_clock::time_point last_post_{};
  std::mt19937_64 rng_;
  // key -> (value, expiry). Unit: "serial:<s>" / "name:<n>" -> "<number>\n<url>".
  std::map<std::string, std::pair<std::string, MicrosUtc>> unit_cache_;
  std::map<std::pair<std::string, std::string>, std::pair<std::string, MicrosUtc>> utc_cache_;
  // Outcomes of the current round, written together by Settle.
  std::vector<OutboxItem> settle_updates_;
  std::vector<std::pair<OutboxItem, MicrosUtc>> settle_acks_;
  std::vector<Outbox::SinkError> settle_errors_;
};

}  // namespace qcflow::qatrack

#endif  // QCFLOW_EXPORT_QATRACK_QATRACK_SINK_H_
