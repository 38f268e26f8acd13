#include "bench/export_workload.h"

#include <chrono>

#ifdef QCFLOW_BENCHKIT_EXPORT
#include <nlohmann/json.hpp>

#include "export/qatrack/qatrack_sink.h"
#include "store/outbox.h"
#include "store/store.h"
#include "tests/testing/couch_sessions.h"
#include "tests/testing/qatrack_test_server.h"
#endif

namespace qcflow::bench {

#ifdef QCFLOW_BENCHKIT_EXPORT

Status QueueCouchSessions(Store& store, const std::string& sink, const std::string& prefix,
                          int first, int count) {
  for (int i = first; i < first + count; ++i) {
    auto q = testing::CommitSession(store, sink, testing::NumberedCouchSession(prefix, i));
    if (!q.ok()) return q.status();
  }
  return Status::OK();
}

Result<std::unique_ptr<qatrack::QatrackSink>> OpenBenchSink(Store* store, const std::string& api_url,
                                                            const std::string& token,
                                                            int throttle_ms) {
  qatrack::QatrackSinkConfig c;
  c.name = "qatrack";
  c.api_url = api_url;
  c.token = token;
  c.server_zone = "America/Toronto";  // the test server's default TIME_ZONE
  c.throttle_interval = std::chrono::milliseconds(throttle_ms);
  return qatrack::QatrackSink::Create(store, c);
}

Result<DeliverStats> DeliverQueued(Store& store, qatrack::QatrackSink& sink, int count) {
  DeliverStats d;
  const uint64_t writes0 = store.outbox().writes();
  const auto t0 = std::chrono::steady_clock::now();
  for (int round = 0; round < count + 10 && d.delivered < count; ++round) {
    auto r = sink.DeliverOnce(NowMicros());
    if (!r.ok()) return r.status();
    d.delivered += int(r->delivered);
    ++d.rounds;
  }
  d.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  d.store_writes = store.outbox().writes() - writes0;
  if (d.delivered != count) {
    return Status::Internal("only " + std::to_string(d.delivered) + " of " +
                            std::to_string(count) + " sessions were delivered");
  }
  return d;
}

struct ExportBench::Impl {
  std::unique_ptr<testing::QatrackTestServer> server;
  int run = 0;
};

ExportBench::ExportBench(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ExportBench::~ExportBench() {
  if (impl_ && impl_->server) (void)impl_->server->Stop();
}

Result<std::unique_ptr<ExportBench>> ExportBench::Start() {
  auto impl = std::make_unique<Impl>();
  auto server = testing::QatrackTestServer::Start();
  if (!server.ok()) {
    return Status::Unavailable("could not start the local QATrack+ test server: " +
                               server.status().ToString());
  }
  impl->server = std::move(*server);
  QCFLOW_RETURN_IF_ERROR(
      impl->server->Configure(R"({"user_rate":"1000000/min","tli_rate":"1000000/min"})"));
  return std::unique_ptr<ExportBench>(new ExportBench(std::move(impl)));
}

Result<ExportRunReport> ExportBench::Run(const std::string& dir, int uploads, int throttle_ms) {
  constexpr char kSink[] = "qatrack";
  auto store = Store::Open(dir + "/store");
  if (!store.ok()) return store.status();
  auto sink = OpenBenchSink(store->get(), impl_->server->base_url(), impl_->server->token(),
                            throttle_ms);
  if (!sink.ok()) return sink.status();
  const std::string prefix = "bench/" + std::to_string(NowMicros()) + "/" + std::to_string(++impl_->run);
  // Warm-up, not timed: connects and fills the sink's unit / assignment lookup caches.
  QCFLOW_RETURN_IF_ERROR(QueueCouchSessions(**store, kSink, prefix, uploads, 1));
  auto warmed = DeliverQueued(**store, **sink, 1);
  if (!warmed.ok()) return warmed.status();
  QCFLOW_RETURN_IF_ERROR(QueueCouchSessions(**store, kSink, prefix, 0, uploads));
  auto d = DeliverQueued(**store, **sink, uploads);
  if (!d.ok()) return d.status();
  ExportRunReport report;
  report.uploads = uploads;
  report.throttle_ms = throttle_ms;
  report.delivered = d->delivered;
  report.rounds = d->rounds;
  report.store_writes = d->store_writes;
  report.seconds = d->seconds;
  return report;
}

Result<int> ExportBench::StoredCount() {
  auto stored = impl_->server->Stored();
  if (!stored.ok()) return stored.status();
  auto j = nlohmann::json::parse(*stored, nullptr, false);
  if (j.is_discarded() || !j.contains("count")) return Status::Internal("bad /_control/stored answer");
  return j["count"].get<int>();
}

#else  // no test server in this build

struct ExportBench::Impl {};
ExportBench::ExportBench(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ExportBench::~ExportBench() = default;
Result<std::unique_ptr<ExportBench>> ExportBench::Start() {
  return Status::Unavailable(
      "this build has no QATrack+ test server (configure with -DQCFLOW_BUILD_TESTS=ON)");
}
Result<ExportRunReport> ExportBench::Run(const std::string&, int, int) {
  return Status::Unavailable("no QATrack+ test server in this build");
}
Result<int> ExportBench::StoredCount() { return Status::Unavailable("no test server"); }
Status QueueCouchSessions(Store&, const std::string&, const std::string&, int, int) {
  return Status::Unavailable("no test helpers in this build");
}
Result<std::unique_ptr<qatrack::QatrackSink>> OpenBenchSink(Store*, const std::string&,
                                                            const std::string&, int) {
  return Status::Unavailable("no QATrack+ sink test helpers in this build");
}
Result<DeliverStats> DeliverQueued(Store&, qatrack::QatrackSink&, int) {
  return Status::Unavailable("no QATrack+ sink test helpers in this build");
}

#endif

}  // namespace qcflow::bench
