#include "tests/testing/crash_harness.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <thread>

#include "store/journal.h"
#include "store/outbox.h"
#include "store/store.h"
#include "store/write_set.h"
#include "tests/testing/crash_records.h"

namespace qcflow::testing::crash {
namespace {

using Clock = std::chrono::steady_clock;

// ---- child side -----------------------------------------------------------------

[[noreturn]] void ChildDie(const std::string& what) {
  std::string line = "crash child: " + what + "\n";
  (void)!write(2, line.data(), line.size());
  _exit(2);
}

void Send(int fd, const std::vector<Msg>& msgs) {
  const char* p = reinterpret_cast<const char*>(msgs.data());
  size_t left = msgs.size() * sizeof(Msg);
  while (left > 0) {
    ssize_t n = write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) ChildDie("cannot write to the parent's pipe");
    p += n;
    left -= size_t(n);
  }
}

// Idles until killed. The parent always kills; this only bounds the work.
[[noreturn]] void ChildIdle() {
  for (int i = 0; i < 600; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ChildDie("was never killed");
}

struct ChildArgs {
  std::string mode;  // "journal" or "outbox"
  std::string dir;
  int fd = -1;
  uint64_t seed = 0;
  uint64_t round = 0;
  bool group_commit = false;
  std::string acked_file;  // journal: ids known to be in the store
};

std::vector<uint64_t> ReadIds(const std::string& path) {
  std::vector<uint64_t> ids;
  std::ifstream in(path, std::ios::binary);
  uint64_t v;
  while (in.read(reinterpret_cast<char*>(&v), sizeof v)) ids.push_back(v);
  return ids;
}

std::unique_ptr<Store> ChildOpen(const ChildArgs& a) {
  StoreOptions options;
  options.durability = a.group_commit ? Durability::kGroupCommit : Durability::kSyncEveryWrite;
  auto store = Store::Open(a.dir, options);
  if (!store.ok()) ChildDie("open: " + store.status().ToString());
  return std::move(*store);
}

// Appends forever: single Appends and AppendBatches, ~25% of records re-using
// dedup keys (of records surely stored, appended this round, or guessed from
// earlier rounds' id ranges, which may or may not have landed), some
// duplicates inside one batch, ~5% events without a dedup key.
[[noreturn]] void JournalChild(const ChildArgs& a) {
  std::unique_ptr<Store> store = ChildOpen(a);
  Journal& journal = store->journal();
  Send(a.fd, {Msg{kOpened, 0, 0, 0}});
  const std::vector<uint64_t> stored = ReadIds(a.acked_file);
  std::vector<uint64_t> mine;
  Rng rng(a.seed);
  uint64_t next_new = a.round * kRoundIdSpan + 1;
  uint64_t next_event = kEventBit | (a.round * kRoundIdSpan + 1);
  constexpr size_t kMaxRecordsPerRound = 20000;
  size_t appended = 0;
  while (true) {
    if (appended >= kMaxRecordsPerRound) ChildIdle();
    const bool single = rng.Percent(40);
    const size_t n = single ? 1 : rng.Range(2, 32);
    std::vector<uint64_t> ids;
    for (size_t i = 0; i < n; ++i) {
      uint64_t id;
      if (rng.Percent(5)) {
        id = next_event++;
      } else if (i > 0 && rng.Percent(8)) {
        id = ids[rng.Below(i)];  // duplicate within the batch
      } else if (rng.Percent(25)) {
        int how = int(rng.Below(3));
        if (how == 0 && !stored.empty()) {
          id = stored[rng.Below(stored.size())];
        } else if (how == 1 && !mine.empty()) {
          id = mine[rng.Below(mine.size())];
        } else if (a.round > 0) {
          id = rng.Below(a.round) * kRoundIdSpan + 1 + rng.Below(200);
        } else {
          id = next_new++;
        }
        if (IsEventId(id)) id = next_new++;
      } else {
        id = next_new++;
      }
      ids.push_back(id);
    }
    std::vector<Record> records;
    records.reserve(n);
    std::vector<Msg> msgs;
    for (uint64_t id : ids) {
      records.push_back(MakeRecord(id));
      msgs.push_back(Msg{kIntent, 0, id, 0});
    }
    Send(a.fd, msgs);
    std::vector<AppendResult> results;
    if (single) {
      auto r = journal.Append(records[0]);
      if (!r.ok()) ChildDie("append: " + r.status().ToString());
      results.push_back(*r);
    } else {
      auto r = journal.AppendBatch(records);
      if (!r.ok()) ChildDie("append batch: " + r.status().ToString());
      results = std::move(*r);
    }
    if (results.size() != n) ChildDie("AppendBatch returned the wrong number of results");
    msgs.clear();
    for (size_t i = 0; i < n; ++i) {
      msgs.push_back(Msg{kAck, results[i].duplicate ? 1u : 0u, ids[i], results[i].seq});
      if (!results[i].duplicate && !IsEventId(ids[i])) mine.push_back(ids[i]);
    }
    Send(a.fd, msgs);
    appended += n;
  }
}

// ---- outbox / cursor child ----------------------------------------------------

// A transform and a sink in one loop: derive records for the next few seqs,
// index and enqueue them, and advance the cursor, all in one Commit (sometimes
// replaying a few seqs below the cursor, as after a restart); now and then ack
// or fail (Update) the oldest queued items.
[[noreturn]] void OutboxChild(const ChildArgs& a) {
  std::unique_ptr<Store> store = ChildOpen(a);
  Send(a.fd, {Msg{kOpened, 0, 0, 0}});
  auto cursor = store->GetCursor(kConsumer);
  if (!cursor.ok()) ChildDie("cursor: " + cursor.status().ToString());
  uint64_t c = std::max<uint64_t>(*cursor, 1);
  Rng rng(a.seed);
  while (true) {
    if (c > 200000) ChildIdle();
    uint64_t start = c;
    if (rng.Percent(20)) start = std::max<uint64_t>(1, c - rng.Below(6));
    uint64_t next = c + rng.Range(1, 16);
    WriteSet ws;
    for (uint64_t s = start; s < next; ++s) {
      ws.PutDerived(kNs, DerivedKey(s), DerivedValue(s));
      ws.PutDerivedIndex(kIndex, IndexKey(s), kNs, DerivedKey(s));
      ws.Enqueue(kSink, ItemId(s), kNs, DerivedKey(s), "unit-" + std::to_string(s % 3));
    }
    ws.SetCursor(kConsumer, next);
    auto r = store->Commit(ws);
    if (!r.ok()) ChildDie("commit: " + r.status().ToString());
    if (!r->derived_conflicts.empty()) ChildDie("unexpected conflict " + r->derived_conflicts[0]);
    c = next;
    Send(a.fd, {Msg{kCursor, 0, 0, c}});
    if (rng.Percent(40)) {
      auto items = store->outbox().List(kSink, 2, /*include_dead=*/true);
      if (!items.ok()) ChildDie("list: " + items.status().ToString());
      for (OutboxItem& item : *items) {
        if (rng.Percent(70)) {
          Status s = store->outbox().Ack(item, 1'700'000'000'000'000);
          if (!s.ok()) ChildDie("ack: " + s.ToString());
          auto seq = SeqFromDerivedKey(item.ref_key);
          if (!seq) ChildDie("odd ref key " + item.ref_key);
          Send(a.fd, {Msg{kDelivered, 0, *seq, 0}});
        } else {
          ++item.attempts;
          item.last_error = "HTTP 503 (simulated)";
          item.next_try_at = 1'700'000'000'000'000;
          if (item.attempts >= 3) item.state = OutboxState::kDeadLetter;
          Status s = store->outbox().Update(item);
          if (!s.ok()) ChildDie("update: " + s.ToString());
        }
      }
    }
  }
}

}  // namespace

void CrashChildMain(int argc, char** argv) {
  // argv: exe --crash-child mode dir fd seed round sync|group acked_file
  if (argc != 9) ChildDie("bad arguments");
  ChildArgs a;
  a.mode = argv[2];
  a.dir = argv[3];
  a.fd = std::atoi(argv[4]);
  a.seed = std::strtoull(argv[5], nullptr, 10);
  a.round = std::strtoull(argv[6], nullptr, 10);
  a.group_commit = std::string(argv[7]) == "group";
  a.acked_file = argv[8];
  if (a.mode == "journal") JournalChild(a);
  if (a.mode == "outbox") OutboxChild(a);
  ChildDie("unknown mode " + a.mode);
}

// ---- parent side ----------------------------------------------------------------

RoundPlan PlanRound(const std::string& mode, const std::string& dir, int round,
                    std::mt19937_64& rng) {
  RoundPlan plan;
  plan.mode = mode;
  plan.dir = dir;
  plan.round = uint64_t(round);
  plan.seed = rng();
  plan.delay_ms = int(5 + rng() % 76);  // 5..80 ms
  return plan;
}

RoundOutcome RunAndKill(const RoundPlan& plan) {
  RoundOutcome out;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    out.failure = "pipe2 failed";
    return out;
  }
  std::vector<std::string> args = {"/proc/self/exe", "--crash-child", plan.mode, plan.dir,
                                   std::to_string(fds[1]), std::to_string(plan.seed),
                                   std::to_string(plan.round),
                                   plan.group_commit ? "group" : "sync", plan.acked_file};
  std::vector<char*> argv;
  for (std::string& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  std::fflush(nullptr);
  const Clock::time_point forked = Clock::now();
  pid_t pid = fork();
  if (pid < 0) {
    out.failure = "fork failed";
    return out;
  }
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    fcntl(fds[1], F_SETFD, 0);  // the write end survives exec
    execv("/proc/self/exe", argv.data());
    _exit(127);
  }
  close(fds[1]);
  const int rfd = fds[0];
  std::string buf;
  auto drain = [&](int timeout_ms) {  // false on EOF
    pollfd p{rfd, POLLIN, 0};
    int r = poll(&p, 1, timeout_ms);
    if (r <= 0) return true;
    char chunk[65536];
    ssize_t n = read(rfd, chunk, sizeof chunk);
    if (n == 0) return false;
    if (n > 0) {
      buf.append(chunk, size_t(n));
      if (!out.opened) {
        for (size_t i = 0; i + sizeof(Msg) <= buf.size(); i += sizeof(Msg)) {
          Msg m;
          std::memcpy(&m, buf.data() + i, sizeof m);
          if (m.type == kOpened) out.opened = true;
        }
      }
    }
    return true;
  };
  // Start the clock at fork, or when the child says the store is open.
  Clock::time_point start = forked;
  bool eof = false;
  if (!plan.timer_from_fork) {
    const Clock::time_point give_up = forked + std::chrono::seconds(20);
    while (!out.opened && !eof && Clock::now() < give_up) eof = !drain(50);
    start = Clock::now();
  }
  const Clock::time_point kill_at = start + std::chrono::milliseconds(plan.delay_ms);
  while (!eof) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(kill_at - Clock::now());
    if (left.count() <= 0) break;
    eof = !drain(int(left.count()));
  }
  kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  while (drain(1000)) {
  }
  close(rfd);
  out.killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  if (!out.killed) {
    out.failure = WIFEXITED(status)
                      ? "child exited with status " + std::to_string(WEXITSTATUS(status)) +
                            " before it was killed (see its message above)"
                      : "child died of signal " + std::to_string(WTERMSIG(status));
  }
  for (size_t i = 0; i + sizeof(Msg) <= buf.size(); i += sizeof(Msg)) {
    Msg m;
    std::memcpy(&m, buf.data() + i, sizeof m);
    out.msgs.push_back(m);
  }
  return out;
}

}  // namespace qcflow::testing::crash
