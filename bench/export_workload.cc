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
  qatrack::QatrackSinkConfig c;
  c.name = kSink;
  c.api_url = impl_->server->base_url();
  c.token = impl_->server->token();
  c.server_zone = "America/Toronto";  // the test server's default TIME_ZONE
  c.throttle_interval = std::chrono::milliseconds(throttle_ms);
  auto sink = qatrack::QatrackSink::Create(store->get(), c);
  if (!sink.ok()) return sink.status();
  const std::string prefix = "bench/" + std::to_string(NowMicros()) + "/" + std::to_string(++impl_->run);
  // Warm-up, not timed: connects and fills the sink's unit / assignment lookup caches.
  auto warm = testing::CommitSession(**store, kSink, testing::NumberedCouchSession(prefix, uploads));
  if (!warm.ok()) return warm.status();
  auto warmed = (*sink)->DeliverOnce(NowMicros());
  if (!warmed.ok()) return warmed.status();
  if (warmed->delivered != 1) return Status::Internal("the warm-up upload was not delivered");
  for (int i = 0; i < uploads; ++i) {
    auto q = testing::CommitSession(**store, kSink, testing::NumberedCouchSession(prefix, i));
    if (!q.ok()) return q.status();
  }
  ExportRunReport report;
  report.uploads = uploads;
  report.throttle_ms = throttle_ms;
  const uint64_t writes0 = (*store)->outbox().writes();
  const auto t0 = std::chrono::steady_clock::now();
  for (int round = 0; round < uploads + 10 && report.delivered < uploads; ++round) {
    auto r = (*sink)->DeliverOnce(NowMicros());
    if (!r.ok()) return r.status();
    report.delivered += int(r->delivered);
    ++report.rounds;
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  report.store_writes = (*store)->outbox().writes() - writes0;
  if (report.delivered != uploads) {
    return Status::Internal("only " + std::to_string(report.delivered) + " of " +
                            std::to_string(uploads) + " sessions were delivered");
  }
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

#endif

}  // namespace qcflow::bench
