// Test helper for the store crash test (tests/store_crash_test.cc): a writer
// process to kill with SIGKILL at a random moment, and what it reported before.
//
// RunAndKill() re-executes the test binary (fork + exec of /proc/self/exe with
// --crash-child ...), so the binary's main() must hand that argument to
// CrashChildMain() before GoogleTest starts. A plain fork() without exec is not
// used on purpose: once the test process has opened a store, RocksDB's
// process-wide Env owns background threads (flush/compaction pools) that do not
// exist in a forked child, so a forked child's store would silently never flush
// or compact — not the process we want to crash. The child never returns into
// GoogleTest: it is killed, or it leaves with _exit().
//
// The child reports over a pipe what it is about to do ("intent": the ids it is
// going to append) and, after each call returned OK, what was acknowledged
// (id, seq, duplicate). A message cut short by the kill is ignored; every whole
// ack message is a genuine acknowledgement. The parent sleeps plan.delay_ms
// (measured from the child's "store open" message, or from fork, so that some
// kills land inside Store::Open and WAL recovery) and kills the child.
//
// Children ("modes"):
//   journal  appends forever: single Appends and AppendBatches of MakeRecord(id),
//            some re-using dedup keys of earlier records, some events without one.
//   outbox   a transform and a sink in one loop: derived records, index entries,
//            outbox items and the cursor in one Commit; acks and failures of
//            queued items (crash_records.h names the namespaces).
#ifndef QCFLOW_TESTS_TESTING_CRASH_HARNESS_H_
#define QCFLOW_TESTS_TESTING_CRASH_HARNESS_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace qcflow::testing::crash {

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

// The child's entry point: argv is exe --crash-child mode dir fd seed round
// sync|group acked_file, as RunAndKill passes it. Never returns.
[[noreturn]] void CrashChildMain(int argc, char** argv);

// One round: which child, on which store, killed when.
struct RoundPlan {
  std::string mode;  // "journal" or "outbox"
  std::string dir;   // the store; state accumulates across rounds on one dir
  uint64_t seed = 0;
  uint64_t round = 0;  // journal: new ids come from round * kRoundIdSpan + 1 on
  bool group_commit = false;
  std::string acked_file = "-";  // journal: a file of ids known to be in the store
  bool timer_from_fork = false;  // kill may land inside Store::Open
  int delay_ms = 20;
};

// Round `round` of `mode` on `dir`, with the seed and a delay of 5..80 ms drawn
// from `rng` (in that order); the other fields keep their defaults.
RoundPlan PlanRound(const std::string& mode, const std::string& dir, int round,
                    std::mt19937_64& rng);

struct RoundOutcome {
  std::vector<Msg> msgs;  // every whole message the child sent
  bool opened = false;
  bool killed = false;  // died of our SIGKILL (anything else is a failure)
  std::string failure;
};

// Starts the child, kills it delay_ms later, waits for it and collects its messages.
RoundOutcome RunAndKill(const RoundPlan& plan);

}  // namespace qcflow::testing::crash

#endif  // QCFLOW_TESTS_TESTING_CRASH_HARNESS_H_
