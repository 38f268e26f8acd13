// postgres_chaos_worker: the process postgres_chaos_test.cc starts and SIGKILLs.
//
//   postgres_chaos_worker STORE CONNINFO SITE N BATCH   (password in QCFLOW_TEST_PG_PASSWORD)
//
// Queues the numbered couch sessions 0..N-1 (re-queueing after a restart changes
// nothing: an outbox id is queued once) and mirrors them with PostgresSink in
// batches of BATCH until none is pending; exits 0 then. Exit 1 on bad arguments
// or a store error, 2 on dead letters, 3 after 60 s of database failures.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "export/postgres/postgres_sink.h"
#include "store/outbox.h"
#include "store/store.h"
#include "tests/testing/couch_sessions.h"

namespace {

using namespace qcflow;

int Fail(const std::string& what) {
  std::fprintf(stderr, "postgres_chaos_worker: %s\n", what.c_str());
  return 1;
}

int Run(int argc, char** argv) {
  if (argc != 6) return Fail("usage: STORE CONNINFO SITE N BATCH");
  const int n = std::atoi(argv[4]);
  const int batch = std::atoi(argv[5]);
  if (n <= 0 || batch <= 0) return Fail("bad N or BATCH");
  auto store = Store::Open(argv[1]);
  if (!store.ok()) return Fail(store.status().ToString());
  postgres::PostgresSinkConfig c;
  c.name = "central";
  c.conninfo = argv[2];
  const char* pw = std::getenv("QCFLOW_TEST_PG_PASSWORD");
  c.password = pw ? pw : "";
  c.site = argv[3];
  c.batch_limit = size_t(batch);
  c.connect_timeout_seconds = 2;
  auto sink = postgres::PostgresSink::Create(store->get(), c);
  if (!sink.ok()) return Fail(sink.status().ToString());
  for (int i = 0; i < n; ++i) {
    auto q = testing::CommitSession(**store, c.name, testing::NumberedCouchSession("chaos", i));
    if (!q.ok()) return Fail(q.status().ToString());
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = (*sink)->DeliverOnce(NowMicros());
    if (!r.ok()) return Fail(r.status().ToString());
    if (r->dead_lettered > 0) return 2;
    if (!r->failure.ok()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    // Sessions found already written: a previous round died between COMMIT and ack.
    if (r->unchanged > 0) std::fprintf(stderr, "unchanged=%zu\n", r->unchanged);
    if (r->attempted == 0) return 0;
  }
  return 3;
}

}  // namespace

int main(int argc, char** argv) { return Run(argc, argv); }
