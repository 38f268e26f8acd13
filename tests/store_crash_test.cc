// Crash safety of the store: a writer process is killed with SIGKILL at random
// moments, and after each kill the store is reopened and checked.
//
// How it works. The test binary re-executes itself (fork + exec of
// /proc/self/exe with --crash-child ...) to get a writer process; see main() at
// the bottom. A plain fork() without exec is not used on purpose: once the test
// process has opened a store, RocksDB's process-wide Env owns background
// threads (flush/compaction pools) that do not exist in a forked child, so a
// forked child's store would silently never flush or compact — not the process
// we want to crash. The child never returns into GoogleTest: it is killed, or
// it leaves with _exit().
//
// The child reports over a pipe what it is about to do ("intent": the ids it is
// going to append) and, after each call returned OK, what was acknowledged
// (id, seq, duplicate). A message cut short by the kill is ignored; every whole
// ack message is a genuine acknowledgement. The parent sleeps a random 5–80 ms
// (measured from the child's "store open" message, or, in some rounds, from
// fork, so that some kills land inside Store::Open and WAL recovery), kills the
// child, then reopens the same store directory (state accumulates across
// rounds) and checks the invariants listed in VerifyJournal().
//
// Every record is a pure function of an integer id (MakeRecord), and the id is
// stored in the record's meta, so any record found in the journal — acknowledged
// or not — can be compared byte for byte with what was written.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/derived.h"
#include "store/journal.h"
#include "store/outbox.h"
#include "store/record.h"
#include "store/store.h"
#include "store/write_set.h"
#include "tests/testing/temp_dir.h"

namespace qcflow {
namespace {

using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------
// Deterministic content.

// SplitMix64: tiny, seedable, identical everywhere.
struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed) {}
  uint64_t Next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return Next() % n; }  // n > 0
  uint64_t Range(uint64_t lo, uint64_t hi) { return lo + Below(hi - lo + 1); }
  bool Percent(int p) { return Below(100) < uint64_t(p); }
};

// Ids of records without a dedup key (events) carry this bit.
constexpr uint64_t kEventBit = uint64_t(1) << 40;
// Each round allocates fresh ids from its own range.
constexpr uint64_t kRoundIdSpan = 1'000'000;

bool IsEventId(uint64_t id) { return (id & kEventBit) != 0; }

// The record for `id`. Everything, including the payload bytes, derives from id.
Record MakeRecord(uint64_t id) {
  Rng rng(id * 0x2545F4914F6CDD1Dull + 7);
  Record r;
  if (IsEventId(id)) {
    r.kind = Kind::kEvent;
  } else {
    r.kind = Kind(1 + rng.Below(4));  // icom, mpc, dqa3, file
  }
  static const char* const kSources[] = {"TrueBeam-1", "TrueBeam-2", "Halcyon/\xC3\xA9\x01"};
  r.source_id = kSources[rng.Below(3)];
  r.flags = rng.Percent(7) ? kFlagQuarantined : 0;
  // Event times are not in seq order; a few are before the epoch (negative).
  r.event_time = rng.Percent(3) ? -int64_t(rng.Below(1'000'000'000'000))
                                : int64_t(1'700'000'000'000'000 + rng.Below(10'000'000'000));
  r.event_time_text = "t=" + std::to_string(r.event_time);
  r.capture_time = 1'700'000'000'000'000 + int64_t(id);
  if (!IsEventId(id)) {
    // Binary-safe keys: a NUL and a high byte in the middle.
    r.dedup_key = "key/" + std::to_string(id);
    r.dedup_key.push_back('\0');
    r.dedup_key.push_back(char(0xFF));
    r.dedup_key += std::to_string(rng.Next());
  }
  r.meta = "id=" + std::to_string(id);
  size_t n = rng.Percent(10) ? rng.Range(3000, 9000) : rng.Below(1500);
  r.payload.resize(n);
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = rng.Next();
    std::memcpy(r.payload.data() + i, &v, std::min<size_t>(8, n - i));
  }
  return r;
}

std::optional<uint64_t> IdFromMeta(std::string_view meta) {
  if (meta.substr(0, 3) != "id=") return std::nullopt;
  uint64_t id = 0;
  for (char c : meta.substr(3)) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + uint64_t(c - '0');
  }
  return id;
}

// "" when equal, else which field differs.
std::string Diff(const RecordView& got, const Record& want) {
  if (got.kind != want.kind) return "kind";
  if (got.flags != want.flags) return "flags";
  if (got.source_id != want.source_id) return "source_id";
  if (got.event_time != want.event_time) return "event_time";
  if (got.event_time_text != want.event_time_text) return "event_time_text";
  if (got.capture_time != want.capture_time) return "capture_time";
  if (got.dedup_key != want.dedup_key) return "dedup_key";
  if (got.meta != want.meta) return "meta";
  if (got.payload != want.payload) return "payload";
  return "";
}

RecordView ViewOf(const Record& r) {
  RecordView v;
  v.kind = r.kind;
  v.flags = r.flags;
  v.source_id = r.source_id;
  v.event_time = r.event_time;
  v.event_time_text = r.event_time_text;
  v.capture_time = r.capture_time;
  v.dedup_key = r.dedup_key;
  v.meta = r.meta;
  v.payload = r.payload;
  return v;
}

// ---------------------------------------------------------------------------
// Child -> parent messages. Fixed size; the child writes each call's messages
// with one write(2), the parent ignores a trailing partial message.

enum MsgType : uint32_t {
  kOpened = 1,   // the store is open; appends start now
  kIntent = 2,   // id: about to be appended (may or may not land)
  kAck = 3,      // id, seq, flags=duplicate: the append returned OK
  kCursor = 4,   // seq: a Commit moving the cursor to seq returned OK
  kDelivered = 5 // id: Outbox::Ack of item for seq `id` returned OK
};

struct Msg {
  uint32_t type = 0;
  uint32_t flags = 0;
  uint64_t id = 0;
  uint64_t seq = 0;
};
static_assert(sizeof(Msg) == 24);

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

constexpr const char* kConsumer = "crash.transform";
constexpr const char* kNs = "crash.derived";
constexpr const char* kIndex = "crash.by_seq";
constexpr const char* kSink = "crash.sink";

std::string DerivedKey(uint64_t s) { return "s/" + std::to_string(s); }
std::string DerivedValue(uint64_t s) {
  Rng rng(s);
  std::string v = "derived from " + std::to_string(s) + ":";
  v.append(size_t(rng.Below(400)), char('a' + s % 26));
  return v;
}
std::string ItemId(uint64_t s) { return "item-" + std::to_string(s); }
std::string IndexKey(uint64_t s) {
  std::string k(8, '\0');
  for (int i = 0; i < 8; ++i) k[i] = char(s >> (56 - 8 * i));
  return k;
}
std::optional<uint64_t> SeqFromDerivedKey(std::string_view key) {
  if (key.substr(0, 2) != "s/" || key.size() == 2) return std::nullopt;
  uint64_t s = 0;
  for (char c : key.substr(2)) {
    if (c < '0' || c > '9') return std::nullopt;
    s = s * 10 + uint64_t(c - '0');
  }
  return s;
}

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

[[noreturn]] void ChildMain(int argc, char** argv) {
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

// ---------------------------------------------------------------------------
// Parent side.

struct RoundPlan {
  std::string mode;
  std::string dir;
  uint64_t seed = 0;
  uint64_t round = 0;
  bool group_commit = false;
  std::string acked_file = "-";
  bool timer_from_fork = false;  // kill may land inside Store::Open
  int delay_ms = 20;
};

struct RoundOutcome {
  std::vector<Msg> msgs;
  bool opened = false;
  bool killed = false;  // died of our SIGKILL (anything else is a failure)
  std::string failure;
};

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

// What the parent knows the child did.
struct JournalModel {
  std::map<uint64_t, uint64_t> acked;         // id (with dedup key) -> seq
  std::map<uint64_t, uint64_t> acked_events;  // seq -> id (no dedup key)
  std::set<uint64_t> attempted;               // every id the child tried to append
  uint64_t max_acked_new_seq = 0;
};

void WriteIds(const std::string& path, const std::map<uint64_t, uint64_t>& acked) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (const auto& [id, seq] : acked) out.write(reinterpret_cast<const char*>(&id), sizeof id);
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

// Folds a round's acknowledgements into the model, checking them on the way:
// a dedup key is never appended twice, duplicates name the seq first reported,
// new seqs only grow.
void ApplyAcks(const std::vector<Msg>& msgs, JournalModel* model, int round) {
  for (const Msg& m : msgs) {
    if (m.type == kIntent) {
      model->attempted.insert(m.id);
      continue;
    }
    if (m.type != kAck) continue;
    const bool dup = m.flags != 0;
    if (IsEventId(m.id)) {
      EXPECT_FALSE(dup) << "round " << round << ": a record without dedup key reported duplicate";
      EXPECT_TRUE(model->acked_events.emplace(m.seq, m.id).second)
          << "round " << round << ": seq " << m.seq << " acknowledged twice";
    } else {
      auto [it, inserted] = model->acked.emplace(m.id, m.seq);
      if (!inserted) {
        EXPECT_TRUE(dup) << "round " << round << ": id " << m.id
                         << " appended again although acknowledged at seq " << it->second;
        EXPECT_EQ(it->second, m.seq) << "round " << round << ": id " << m.id;
      }
    }
    if (!dup) {
      EXPECT_GT(m.seq, model->max_acked_new_seq) << "round " << round << ": seqs went backwards";
      model->max_acked_new_seq = std::max(model->max_acked_new_seq, m.seq);
    }
  }
}

#define CHECK_OR_STOP(cond, msg)                               \
  do {                                                         \
    if (!(cond)) {                                             \
      ADD_FAILURE() << "round " << round << ": " << msg;       \
      if (++failures >= 10) {                                  \
        ADD_FAILURE() << "round " << round << ": giving up";   \
        return;                                                \
      }                                                        \
    }                                                          \
  } while (0)

// Reopens the store and checks:
//  1. it opens (no corruption reported);
//  2. a scan from seq 1 yields contiguous seqs 1..last_seq, each record equal
//     byte for byte to MakeRecord(its id) — nothing torn, nothing foreign;
//  3. (kind, dedup key) is unique in the journal and FindDedup finds each at
//     its seq; ids the child attempted that are not in the journal have no
//     dedup entry (no half-written record);
//  4. every acknowledged append (new or duplicate) is present at its seq
//     (in group-commit rounds too: a process crash loses no WAL write);
//  5. the index holds exactly the journal's records: Query per kind, per
//     (kind, source) and over a time window returns the same seqs as a scan,
//     ordered by (event time, seq), each decoding to the journal's record;
//  6. Journal::Counts equals the records and quarantined records counted by scan;
//  7. re-appending every acknowledged record reports duplicate with the same seq
//     and writes nothing.
void VerifyJournal(const std::string& dir, const JournalModel& model, int round) {
  int failures = 0;
  auto opened = Store::Open(dir);
  ASSERT_TRUE(opened.ok()) << "round " << round << ": reopen: " << opened.status().ToString();
  std::unique_ptr<Store> store = std::move(*opened);
  Journal& journal = store->journal();

  struct Seen {
    uint64_t id;
    Kind kind;
    std::string source;
    MicrosUtc time;
  };
  std::map<uint64_t, Seen> by_seq;
  std::map<std::pair<Kind, std::string>, uint64_t> dedup;
  std::map<std::pair<Kind, std::string>, std::pair<uint64_t, uint64_t>> tally;  // records, quarantined
  uint64_t expect = 1;
  std::string scan_error;
  auto scanned = journal.Scan(1, SIZE_MAX, [&](uint64_t seq, const RecordView& v) {
    if (seq != expect) {
      scan_error = "gap: expected seq " + std::to_string(expect) + ", found " + std::to_string(seq);
      return false;
    }
    ++expect;
    auto id = IdFromMeta(v.meta);
    if (!id) {
      scan_error = "seq " + std::to_string(seq) + " has foreign meta";
      return false;
    }
    std::string diff = Diff(v, MakeRecord(*id));
    if (!diff.empty()) {
      scan_error = "seq " + std::to_string(seq) + " (id " + std::to_string(*id) +
                   ") differs in " + diff;
      return false;
    }
    by_seq[seq] = Seen{*id, v.kind, std::string(v.source_id), v.event_time};
    if (!v.dedup_key.empty()) {
      auto [it, inserted] = dedup.emplace(std::make_pair(v.kind, std::string(v.dedup_key)), seq);
      if (!inserted) {
        scan_error = "dedup key of seq " + std::to_string(seq) + " also at seq " +
                     std::to_string(it->second);
        return false;
      }
    }
    auto& t = tally[{v.kind, std::string(v.source_id)}];
    ++t.first;
    if (v.quarantined()) ++t.second;
    return true;
  });
  ASSERT_TRUE(scanned.ok()) << "round " << round << ": scan: " << scanned.status().ToString();
  ASSERT_EQ(scan_error, "") << "round " << round;
  const uint64_t last = expect - 1;
  ASSERT_EQ(journal.last_seq(), last) << "round " << round;

  // 3. Dedup entries: present for every record, absent for attempts that did not land.
  for (const auto& [kd, seq] : dedup) {
    auto f = journal.FindDedup(kd.first, kd.second);
    CHECK_OR_STOP(f.ok() && *f == std::optional<uint64_t>(seq),
                  "FindDedup of seq " << seq << "'s key does not find it");
  }
  std::set<uint64_t> ids_in_journal;
  for (const auto& [seq, s] : by_seq) ids_in_journal.insert(s.id);
  for (uint64_t id : model.attempted) {
    if (IsEventId(id) || ids_in_journal.count(id)) continue;
    Record r = MakeRecord(id);
    auto f = journal.FindDedup(r.kind, r.dedup_key);
    CHECK_OR_STOP(f.ok() && !f->has_value(),
                  "id " << id << " is not in the journal but its dedup key is (half-written)");
  }

  // 4. Acknowledged appends.
  {
    for (const auto& [id, seq] : model.acked) {
      auto it = by_seq.find(seq);
      CHECK_OR_STOP(it != by_seq.end() && it->second.id == id,
                    "acknowledged id " << id << " at seq " << seq << " is missing");
      Record r = MakeRecord(id);
      auto f = journal.FindDedup(r.kind, r.dedup_key);
      CHECK_OR_STOP(f.ok() && *f == std::optional<uint64_t>(seq),
                    "FindDedup of acknowledged id " << id << " does not give seq " << seq);
      auto got = journal.Get(seq);
      CHECK_OR_STOP(got.ok() && Diff(ViewOf(*got), r).empty(),
                    "Get(" << seq << ") is not acknowledged id " << id);
    }
    for (const auto& [seq, id] : model.acked_events) {
      auto it = by_seq.find(seq);
      CHECK_OR_STOP(it != by_seq.end() && it->second.id == id,
                    "acknowledged event id " << id << " at seq " << seq << " is missing");
    }
  }

  // 5. Index == journal.
  auto query = [&](const IndexQuery& q, std::vector<uint64_t>* seqs) {
    MicrosUtc prev_t = std::numeric_limits<MicrosUtc>::min();
    uint64_t prev_seq = 0;
    std::string error;
    Status s = journal.Query(q, [&](uint64_t seq, const RecordView& v) {
      auto it = by_seq.find(seq);
      auto id = IdFromMeta(v.meta);
      if (it == by_seq.end() || !id || *id != it->second.id) {
        error = "index hit " + std::to_string(seq) + " is not the journal's record";
        return false;
      }
      if (v.event_time < prev_t || (v.event_time == prev_t && seq <= prev_seq)) {
        error = "index hits out of (time, seq) order at seq " + std::to_string(seq);
        return false;
      }
      prev_t = v.event_time;
      prev_seq = seq;
      seqs->push_back(seq);
      return true;
    });
    if (!s.ok()) return s.ToString();
    return error;
  };
  for (Kind kind : {Kind::kIcom, Kind::kMpc, Kind::kDqa3, Kind::kFile, Kind::kEvent}) {
    std::vector<uint64_t> want_all;
    std::map<std::string, std::vector<uint64_t>> want_by_source;
    for (const auto& [seq, s] : by_seq) {
      if (s.kind != kind) continue;
      want_all.push_back(seq);
      want_by_source[s.source].push_back(seq);
    }
    IndexQuery q;
    q.kind = kind;
    std::vector<uint64_t> got;
    std::string err = query(q, &got);
    CHECK_OR_STOP(err.empty(), "Query(" << KindName(kind) << "): " << err);
    std::sort(got.begin(), got.end());
    CHECK_OR_STOP(got == want_all, "Query(" << KindName(kind) << ") finds " << got.size()
                                            << " records, the journal has " << want_all.size());
    for (const auto& [source, want] : want_by_source) {
      IndexQuery qs;
      qs.kind = kind;
      qs.source_id = source;
      // A window: the middle half of this source's time range.
      std::vector<MicrosUtc> times;
      for (uint64_t seq : want) times.push_back(by_seq[seq].time);
      std::sort(times.begin(), times.end());
      qs.from = times[times.size() / 4];
      qs.until = times[times.size() * 3 / 4];
      std::vector<uint64_t> want_window;
      for (uint64_t seq : want) {
        MicrosUtc t = by_seq[seq].time;
        if (t >= qs.from && t < qs.until) want_window.push_back(seq);
      }
      std::vector<uint64_t> got_window;
      err = query(qs, &got_window);
      CHECK_OR_STOP(err.empty(), "windowed Query: " << err);
      std::sort(got_window.begin(), got_window.end());
      CHECK_OR_STOP(got_window == want_window,
                    "windowed Query(" << KindName(kind) << ", " << source << ") finds "
                                      << got_window.size() << ", expected " << want_window.size());
    }
  }

  // 6. Counters.
  std::map<std::pair<Kind, std::string>, std::pair<uint64_t, uint64_t>> counted;
  for (const SourceCount& c : journal.Counts()) {
    if (c.records == 0 && c.quarantined == 0) continue;
    counted[{c.kind, c.source_id}] = {c.records, c.quarantined};
  }
  CHECK_OR_STOP(counted == tally, "Journal::Counts disagrees with the journal");

  // 7. Dedup still holds: re-append everything acknowledged.
  std::vector<Record> again;
  std::vector<uint64_t> again_seq;
  for (const auto& [id, seq] : model.acked) {
    again.push_back(MakeRecord(id));
    again_seq.push_back(seq);
  }
  // Plus everything in the journal, which covers unacknowledged records that landed.
  for (const auto& [seq, s] : by_seq) {
    if (IsEventId(s.id) || model.acked.count(s.id)) continue;
    again.push_back(MakeRecord(s.id));
    again_seq.push_back(seq);
  }
  auto re = journal.AppendBatch(again);
  ASSERT_TRUE(re.ok()) << "round " << round << ": re-append: " << re.status().ToString();
  for (size_t i = 0; i < again.size(); ++i) {
    CHECK_OR_STOP((*re)[i].duplicate && (*re)[i].seq == again_seq[i],
                  "re-appending seq " << again_seq[i] << " was not a duplicate of it");
  }
  EXPECT_EQ(journal.last_seq(), last) << "round " << round << ": re-append wrote records";
}

TEST(StoreCrashTest, KilledAppenderLeavesConsistentJournal) {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("store");
  std::mt19937_64 rng(20240611);
  JournalModel model;
  // 30 rounds with the default durability (fsync per append). Rounds 9 and 17
  // use group commit instead (see below). Every fourth round starts the kill
  // timer at fork, so the kill usually lands inside Store::Open / WAL recovery;
  // the other 23 kill an appender that is running.
  constexpr int kRounds = 30;
  int rounds_with_acks = 0;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    RoundPlan plan;
    plan.mode = "journal";
    plan.dir = dir;
    plan.round = uint64_t(round);
    plan.seed = rng();
    plan.delay_ms = int(5 + rng() % 76);  // 5..80 ms
    plan.timer_from_fork = round > 0 && round % 4 == 3;
    // Group commit: the WAL is written on every append but fsynced only every
    // 20 ms, so after a power cut, records acknowledged since the last fsync may
    // be lost; for that failure only consistency (no torn or half-indexed
    // record, dedup intact) can be required. SIGKILL is a process crash, not a
    // power cut: the kernel already holds every WAL write, and store.h promises
    // that group commit survives a process crash. So these rounds check the same
    // invariants as the others, acknowledged records included.
    plan.group_commit = round == 9 || round == 17;
    plan.acked_file = tmp.Sub("acked.bin");
    WriteIds(plan.acked_file, model.acked);
    RoundOutcome out = RunAndKill(plan);
    ASSERT_TRUE(out.killed) << out.failure;
    size_t acks_before = model.acked.size() + model.acked_events.size();
    ApplyAcks(out.msgs, &model, round);
    size_t acks = model.acked.size() + model.acked_events.size() - acks_before;
    size_t dup_acks = 0, intents = 0;
    for (const Msg& m : out.msgs) {
      dup_acks += m.type == kAck && m.flags != 0;
      intents += m.type == kIntent;
    }
    if (acks > 0) ++rounds_with_acks;
    std::printf("[ crash    ] round %2d %-5s kill %2d ms after %-4s: %4zu intents, %4zu new "
                "acknowledged, %4zu duplicates acknowledged\n",
                round, plan.group_commit ? "group" : "sync", plan.delay_ms,
                plan.timer_from_fork ? "fork" : "open", intents, acks, dup_acks);
    VerifyJournal(dir, model, round);
    if (HasFatalFailure() || HasFailure()) return;
  }
  // The test is only meaningful if the child actually got to append.
  EXPECT_GE(rounds_with_acks, kRounds / 2);
  std::printf("[ crash    ] %d rounds, %zu acknowledged records with dedup keys, %zu events, "
              "last seq %llu\n",
              kRounds, model.acked.size(), model.acked_events.size(),
              (unsigned long long)model.max_acked_new_seq);
}

// A store killed while it is being created (first Open: RocksDB files, column
// families, format marker) must open afterwards — finishing the creation — and
// hold a consistent journal, instead of being refused as "not a qcflow store".
TEST(StoreCrashTest, KilledWhileCreatingStoreOpensAfterwards) {
  std::mt19937_64 rng(4242);
  int killed_before_open = 0;
  for (int round = 0; round < 20; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    testing::TempDir tmp;
    RoundPlan plan;
    plan.mode = "journal";
    plan.dir = tmp.Sub("store");
    plan.seed = rng();
    plan.delay_ms = int(1 + rng() % 40);  // mostly inside the first Store::Open
    plan.timer_from_fork = true;
    if (round % 2 == 1) std::filesystem::create_directories(plan.dir);  // an empty dir given
    RoundOutcome out = RunAndKill(plan);
    ASSERT_TRUE(out.killed) << out.failure;
    if (!out.opened) ++killed_before_open;
    JournalModel model;
    ApplyAcks(out.msgs, &model, round);
    VerifyJournal(plan.dir, model, round);
    if (HasFatalFailure() || HasFailure()) return;
  }
  EXPECT_GE(killed_before_open, 3) << "too few kills landed inside the store's creation";
}

// ---- outbox / cursor ------------------------------------------------------------

#undef CHECK_OR_STOP
#define CHECK_OR_STOP(cond, msg)                               \
  do {                                                         \
    if (!(cond)) {                                             \
      ADD_FAILURE() << "round " << round << ": " << msg;       \
      if (++failures >= 10) return;                            \
    }                                                          \
  } while (0)

// After a kill, with c = the transform's cursor:
//  - the cursor is at least the last acknowledged one;
//  - derived records exist for exactly the seqs 1..c-1, with their exact bytes,
//    and the derived index points at each of them;
//  - every derived record has its outbox item, either queued (pending or dead
//    letter) or delivered — never both, never neither; no item is queued twice;
//  - items acknowledged as delivered are remembered as delivered;
//  - the sink counters agree with the queue; a new item gets a higher order
//    than every queued one.
void VerifyOutbox(const std::string& dir, uint64_t acked_cursor,
                  const std::set<uint64_t>& acked_delivered, int round) {
  int failures = 0;
  auto opened = Store::Open(dir);
  ASSERT_TRUE(opened.ok()) << "round " << round << ": reopen: " << opened.status().ToString();
  std::unique_ptr<Store> store = std::move(*opened);
  auto cursor = store->GetCursor(kConsumer);
  ASSERT_TRUE(cursor.ok()) << cursor.status().ToString();
  const uint64_t c = std::max<uint64_t>(*cursor, 1);
  ASSERT_GE(c, acked_cursor) << "round " << round << ": an acknowledged cursor move was lost";

  uint64_t derived_count = 0;
  std::string error;
  Status s = store->derived().Scan(kNs, "", [&](std::string_view key, std::string_view value) {
    auto seq = SeqFromDerivedKey(key);
    if (!seq || *seq == 0 || *seq >= c) {
      error = "derived record " + std::string(key) + " is beyond cursor " + std::to_string(c);
      return false;
    }
    if (value != DerivedValue(*seq)) {
      error = "derived record " + std::string(key) + " is torn";
      return false;
    }
    ++derived_count;
    return true;
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(error, "") << "round " << round;
  ASSERT_EQ(derived_count, c - 1) << "round " << round << ": derived records missing below cursor";

  uint64_t indexed = 0;
  s = store->derived().ScanIndex(kIndex, "", "", [&](std::string_view k, std::string_view ns,
                                                     std::string_view key) {
    uint64_t seq = 0;
    for (char ch : k) seq = (seq << 8) | uint8_t(ch);
    if (ns != kNs || key != DerivedKey(seq) || seq >= c) {
      error = "index entry for seq " + std::to_string(seq) + " is wrong";
      return false;
    }
    ++indexed;
    return true;
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(error, "") << "round " << round;
  EXPECT_EQ(indexed, c - 1) << "round " << round;

  auto items = store->outbox().List(kSink, SIZE_MAX, /*include_dead=*/true);
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  std::set<uint64_t> queued;
  uint64_t max_order = 0;
  uint64_t dead = 0, pending = 0;
  for (const OutboxItem& item : *items) {
    auto seq = SeqFromDerivedKey(item.ref_key);
    CHECK_OR_STOP(seq && item.item_id == ItemId(*seq) && item.ref_ns == kNs,
                  "queued item " << item.item_id << " refers to " << item.ref_key);
    if (!seq) continue;
    CHECK_OR_STOP(*seq < c, "queued item for seq " << *seq << " is beyond cursor " << c);
    CHECK_OR_STOP(queued.insert(*seq).second, "item for seq " << *seq << " queued twice");
    CHECK_OR_STOP(item.order > max_order, "outbox order not increasing");
    max_order = std::max(max_order, item.order);
    (item.state == OutboxState::kDeadLetter ? dead : pending)++;
  }
  uint64_t delivered = 0;
  for (uint64_t seq = 1; seq < c; ++seq) {
    auto d = store->outbox().WasDelivered(kSink, ItemId(seq));
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    if (*d) ++delivered;
    CHECK_OR_STOP(*d != (queued.count(seq) == 1),
                  "item for seq " << seq << (*d ? " is both delivered and queued"
                                                : " is neither queued nor delivered"));
  }
  for (uint64_t seq : acked_delivered) {
    auto d = store->outbox().WasDelivered(kSink, ItemId(seq));
    CHECK_OR_STOP(d.ok() && *d, "acknowledged delivery of seq " << seq << " was lost");
  }
  auto counters = store->outbox().Counters(kSink, 0);
  ASSERT_TRUE(counters.ok()) << counters.status().ToString();
  EXPECT_EQ(counters->pending, pending) << "round " << round;
  EXPECT_EQ(counters->dead_letters, dead) << "round " << round;
  EXPECT_EQ(counters->delivered, delivered) << "round " << round;

  // The persisted order counter moved with the items: a fresh item sorts last.
  WriteSet probe;
  probe.Enqueue("crash.probe", "probe-" + std::to_string(round), kNs, "none", "");
  auto committed = store->Commit(probe);
  ASSERT_TRUE(committed.ok()) << committed.status().ToString();
  auto probes = store->outbox().List("crash.probe", SIZE_MAX);
  ASSERT_TRUE(probes.ok() && !probes->empty());
  EXPECT_GT(probes->back().order, max_order) << "round " << round;
}

TEST(StoreCrashTest, KilledTransformKeepsDerivedCursorAndOutboxTogether) {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("store");
  std::mt19937_64 rng(77);
  uint64_t acked_cursor = 0;
  std::set<uint64_t> acked_delivered;
  constexpr int kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    RoundPlan plan;
    plan.mode = "outbox";
    plan.dir = dir;
    plan.round = uint64_t(round);
    plan.seed = rng();
    plan.delay_ms = int(5 + rng() % 76);
    RoundOutcome out = RunAndKill(plan);
    ASSERT_TRUE(out.killed) << out.failure;
    for (const Msg& m : out.msgs) {
      if (m.type == kCursor) acked_cursor = std::max(acked_cursor, m.seq);
      if (m.type == kDelivered) acked_delivered.insert(m.id);
    }
    VerifyOutbox(dir, acked_cursor, acked_delivered, round);
    if (HasFatalFailure() || HasFailure()) return;
  }
  EXPECT_GT(acked_cursor, 1u) << "the transform never committed";
}

}  // namespace
}  // namespace qcflow

// Our own main: the same binary is the crash child when run with
// --crash-child (GoogleTest is never initialised there). gtest_main's main is
// not linked in: the linker takes main from this object first.
int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--crash-child") == 0) qcflow::ChildMain(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
