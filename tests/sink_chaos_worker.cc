// sink_chaos_worker: the process tests/sink_chaos_test.cc starts and SIGKILLs.
//
// One process holds the store (it is single-writer): a producer thread commits sessions
// 0..n-1 in order (PutDerived + Enqueue; re-producing after a restart changes nothing,
// since an outbox id is queued at most once), pausing `produce_ms` after each session
// it newly queued, while the main thread runs QatrackSink::DeliverOnce in a loop.
//
//   sink_chaos_worker --store=DIR --url=API --token=KEY --zone=ZONE --n=N
//                     [--produce_ms=40] [--until_empty] [--limit_s=60]
//
// Without --until_empty it delivers until killed (or limit_s passes: exit 3).
// With --until_empty it exits 0 and prints "outbox empty delivered=<n>" once every
// session is produced and the outbox holds nothing pending; exit 2 on dead letters,
// exit 3 when limit_s passes first. Exit 1: bad arguments or a store/sink error.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>

#include "export/qatrack/qatrack_sink.h"
#include "store/outbox.h"
#include "store/store.h"
#include "tests/testing/couch_sessions.h"

namespace {

using namespace qcflow;

constexpr char kSink[] = "qatrack";
constexpr char kKeyPrefix[] = "chaos";

int Fail(const std::string& what) {
  std::fprintf(stderr, "sink_chaos_worker: %s\n", what.c_str());
  return 1;
}

int Run(std::map<std::string, std::string> args) {
  for (const char* required : {"store", "url", "token", "zone", "n"}) {
    if (args[required].empty()) return Fail(std::string("missing --") + required);
  }
  const int n = std::atoi(args["n"].c_str());
  const int produce_ms = args.count("produce_ms") ? std::atoi(args["produce_ms"].c_str()) : 40;
  const int limit_s = args.count("limit_s") ? std::atoi(args["limit_s"].c_str()) : 60;
  const bool until_empty = args.count("until_empty") > 0;
  if (n <= 0 || produce_ms < 0 || limit_s <= 0) return Fail("bad --n, --produce_ms or --limit_s");

  auto store = Store::Open(args["store"]);
  if (!store.ok()) return Fail(store.status().ToString());

  qatrack::QatrackSinkConfig c;
  c.name = kSink;
  c.api_url = args["url"];
  c.token = args["token"];
  c.server_zone = args["zone"];
  c.throttle_interval = std::chrono::milliseconds(0);
  c.connect_timeout = std::chrono::milliseconds(1000);
  c.request_timeout = std::chrono::milliseconds(400);  // < the test's timeout_after_store hold
  c.backoff_initial = 50 * 1000;
  c.backoff_max = 500 * 1000;
  c.retry_soon = 100 * 1000;
  auto sink = qatrack::QatrackSink::Create(store->get(), c);
  if (!sink.ok()) return Fail(sink.status().ToString());

  std::atomic<bool> stop{false};
  std::atomic<bool> produced{false};
  std::atomic<bool> producer_failed{false};
  std::thread producer([&] {
    for (int i = 0; i < n && !stop; ++i) {
      auto queued = testing::CommitSession(**store, kSink, testing::NumberedCouchSession(kKeyPrefix, i));
      if (!queued.ok()) {
        std::fprintf(stderr, "sink_chaos_worker: producing %d: %s\n", i,
                     queued.status().ToString().c_str());
        producer_failed = true;
        return;
      }
      if (*queued && produce_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(produce_ms));
    }
    produced = true;
  });

  int rc = 3;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(limit_s);
  while (std::chrono::steady_clock::now() < deadline) {
    if (producer_failed) {
      rc = 1;
      break;
    }
    auto report = (*sink)->DeliverOnce(NowMicros());
    if (!report.ok()) {
      std::fprintf(stderr, "sink_chaos_worker: %s\n", report.status().ToString().c_str());
      rc = 1;
      break;
    }
    if (until_empty && produced) {
      auto counters = (*store)->outbox().Counters(kSink, NowMicros());
      if (!counters.ok()) {
        std::fprintf(stderr, "sink_chaos_worker: %s\n", counters.status().ToString().c_str());
        rc = 1;
        break;
      }
      if (counters->dead_letters > 0) {
        std::fprintf(stderr, "sink_chaos_worker: %llu dead letters, last error: %s\n",
                     (unsigned long long)counters->dead_letters, counters->last_error.c_str());
        rc = 2;
        break;
      }
      if (counters->pending == 0) {
        std::printf("outbox empty delivered=%llu\n", (unsigned long long)counters->delivered);
        rc = 0;
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stop = true;
  producer.join();
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0) return Fail("unexpected argument " + a);
    size_t eq = a.find('=');
    if (eq == std::string::npos) {
      args[a.substr(2)] = "1";
    } else {
      args[a.substr(2, eq - 2)] = a.substr(eq + 1);
    }
  }
  return Run(std::move(args));
}
