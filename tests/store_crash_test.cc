// Crash safety of the store: a writer process is killed with SIGKILL at random
// moments, and after each kill the store is reopened and checked.
//
// How it works. The test binary re-executes itself as the writer (main() at the
// bottom hands --crash-child to the harness); tests/testing/crash_harness.h
// describes the child, the pipe protocol and the kill. The parent kills the
// child 5–80 ms after its "store open" message (or, in some rounds, after
// fork, so that some kills land inside Store::Open and WAL recovery), then
// reopens the same store directory (state accumulates across rounds) and
// checks the invariants listed in VerifyJournal().
//
// Every record is a pure function of an integer id (MakeRecord,
// tests/testing/crash_records.h), and the id is stored in the record's meta, so
// any record found in the journal — acknowledged or not — can be compared byte
// for byte with what was written.
//
// This file: the journal scenarios (a killed appender, a store killed while it
// is being created). store_crash_outbox_test.cc: the transform/outbox scenario.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
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
#include <vector>

#include "store/journal.h"
#include "store/record.h"
#include "store/store.h"
#include "tests/testing/crash_harness.h"
#include "tests/testing/crash_records.h"
#include "tests/testing/temp_dir.h"

namespace qcflow {
namespace {

using namespace testing::crash;  // NOLINT: the crash test's own helpers

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
      CHECK_OR_STOP(got.ok() && Diff(got->View(), r).empty(),
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
    RoundPlan plan = PlanRound("journal", dir, round, rng);
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

}  // namespace
}  // namespace qcflow

// Our own main: the same binary is the crash child when run with
// --crash-child (GoogleTest is never initialised there). gtest_main's main is
// not linked in: the linker takes main from this object first.
int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--crash-child") == 0) {
    qcflow::testing::crash::CrashChildMain(argc, argv);
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
