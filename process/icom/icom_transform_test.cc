#include "process/icom/icom_transform.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "ingest/icom/encoder.h"
#include "process/common/qc_session.h"
#include "process/common/session_index.h"
#include "process/icom/delivery_session.h"
#include "store/outbox.h"
#include "store/derived.h"
#include "store/journal.h"
#include "store/store.h"
#include "tests/testing/icom_journal.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::icom {
namespace {

using qcflow::testing::AppendGeneratedIcom;
using qcflow::testing::IcomTestRecord;
using qcflow::testing::TempDir;

LinacGeneratorConfig Generator(uint64_t seed, uint64_t messages) {
  LinacGeneratorConfig c;
  c.seed = seed;
  c.messages = messages;
  c.fields_per_patient = 3;
  return c;
}

constexpr int64_t kT0 = 1767600000;  // 2026-01-05 08:00:00 UTC, Unix seconds

// A beam-on message of field 1 (name "HIDDEN, NAME").
MessageBuilder Beam(int64_t unix_seconds, int counter, const std::string& patient, double mu) {
  MessageBuilder b(FormatIcomTimestamp(unix_seconds), static_cast<uint8_t>(counter));
  b.Add(kGroupPatient, el::kPatientId, "LO", 'P', patient);
  b.Add(kGroupPatient, el::kPatientName, "PN", 'P', "HIDDEN, NAME");
  b.Add(kGroupRt, el::kFieldId, "LO", 'P', "1");
  b.AddNumber(kGroupRt, el::kDeliveryMu, 'R', mu, 1);
  return b;
}

class IcomTransformTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = Open(dir_.Sub("store")); }

  static std::unique_ptr<Store> Open(const std::string& path) {
    auto s = Store::Open(path);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return std::move(*s);
  }

  GeneratorTruth Fill(Store* store, const std::string& linac, uint64_t seed, uint64_t n) {
    auto truth = AppendGeneratedIcom(&store->journal(), linac, Generator(seed, n));
    EXPECT_TRUE(truth.ok()) << truth.status().ToString();
    return *truth;
  }

  static IcomStepReport RunAll(Store* store, IcomTransformConfig config = {}) {
    IcomTransform t(store, config);
    auto r = t.RunUntilCaughtUp();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : IcomStepReport{};
  }

  // Every stored delivery of `linac`, through the by-time index, in start order.
  static std::vector<Delivery> Deliveries(Store* store, const std::string& linac) {
    std::vector<Delivery> out;
    IndexRange r = DeliveryIndexRange(linac, std::nullopt, std::numeric_limits<MicrosUtc>::min(),
                                      std::numeric_limits<MicrosUtc>::max());
    Status s = store->derived().ScanIndex(
        kDeliveryByTime, r.from, r.until, [&](std::string_view, std::string_view ns,
                                             std::string_view key) {
          auto v = store->derived().Get(ns, key);
          EXPECT_TRUE(v.ok() && v->has_value());
          auto d = DecodeDelivery(**v);
          EXPECT_TRUE(d.ok()) << d.status().ToString();
          out.push_back(*d);
          return true;
        });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  // Every derived record and index entry the transform wrote, as text.
  static std::map<std::string, std::string> Dump(Store* store) {
    std::map<std::string, std::string> all;
    for (const char* ns : {kDeliveryNs, kOpenNs, kMalformedNs}) {
      EXPECT_TRUE(store->derived()
                      .Scan(ns, "",
                            [&](std::string_view k, std::string_view v) {
                              all[std::string(ns) + "|" + std::string(k)] = v;
                              return true;
                            })
                      .ok());
    }
    for (const char* index : {kDeliveryByTime, kDeliveryByPatient, kDeliveryByField}) {
      EXPECT_TRUE(store->derived()
                      .ScanIndex(index, "", "",
                                 [&](std::string_view k, std::string_view ns, std::string_view key) {
                                   all[std::string(index) + "|" + std::string(k)] =
                                       std::string(ns) + "|" + std::string(key);
                                   return true;
                                 })
                      .ok());
    }
    return all;
  }

  static void ExpectMatchesTruth(const std::vector<Delivery>& got, const GeneratorTruth& truth) {
    ASSERT_EQ(got.size(), truth.fields.size());
    for (size_t i = 0; i < got.size(); ++i) {
      const DeliveredField& want = truth.fields[i];
      SCOPED_TRACE("delivery " + std::to_string(i));
      EXPECT_EQ(got[i].patient_id, want.patient_id);
      EXPECT_EQ(got[i].patient_name, want.patient_name);
      EXPECT_EQ(got[i].field_id, want.field_id);
      EXPECT_EQ(got[i].energies, std::vector<std::string>{want.energy});
      EXPECT_NEAR(got[i].mu, want.mu, 1e-6);
      EXPECT_GT(got[i].end, got[i].start);
      EXPECT_TRUE(got[i].gantry_min.has_value());
    }
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(IcomTransformTest, DeliveriesAndMuEqualTheGeneratorsTruth) {
  GeneratorTruth la1 = Fill(store_.get(), "LA1", 7, 3000);
  GeneratorTruth la2 = Fill(store_.get(), "LA2", 8, 2000);
  ASSERT_GT(la1.fields.size(), 5u);
  IcomStepReport r = RunAll(store_.get());
  EXPECT_EQ(r.records_read, 5000u);
  EXPECT_EQ(r.messages_decoded, 5000u);
  EXPECT_EQ(r.malformed, 0u);
  EXPECT_TRUE(r.problems.empty());
  EXPECT_TRUE(r.caught_up);
  ExpectMatchesTruth(Deliveries(store_.get(), "LA1"), la1);
  ExpectMatchesTruth(Deliveries(store_.get(), "LA2"), la2);
  size_t closed = 0;
  for (const char* linac : {"LA1", "LA2"}) {
    for (const Delivery& d : Deliveries(store_.get(), linac)) closed += !d.open;
  }
  EXPECT_EQ(r.deliveries_closed, closed);
  auto cursor = store_->GetCursor(kCursorName);
  ASSERT_TRUE(cursor.ok());
  EXPECT_EQ(*cursor, store_->journal().last_seq() + 1);
}

TEST_F(IcomTransformTest, IndexesFindDeliveriesByPatientAndField) {
  GeneratorTruth truth = Fill(store_.get(), "LA1", 11, 2500);
  RunAll(store_.get());
  const DeliveredField& pick = truth.fields.at(truth.fields.size() / 2);
  size_t want_patient = 0, want_field = 0;
  for (const DeliveredField& f : truth.fields) {
    want_patient += f.patient_id == pick.patient_id;
    want_field += f.field_id == pick.field_id;
  }
  auto count = [&](const char* index, const std::string& value) {
    IndexRange r = DeliveryIndexRange("LA1", value, std::numeric_limits<MicrosUtc>::min(),
                                      std::numeric_limits<MicrosUtc>::max());
    size_t n = 0;
    EXPECT_TRUE(store_->derived()
                    .ScanIndex(index, r.from, r.until,
                               [&](std::string_view, std::string_view, std::string_view key) {
                                 auto v = store_->derived().Get(kDeliveryNs, key);
                                 auto d = DecodeDelivery(**v);
                                 EXPECT_TRUE(index != std::string(kDeliveryByPatient) ||
                                             d->patient_id == value);
                                 EXPECT_TRUE(index != std::string(kDeliveryByField) ||
                                             d->field_id == value);
                                 ++n;
                                 return true;
                               })
                    .ok());
    return n;
  };
  EXPECT_EQ(count(kDeliveryByPatient, pick.patient_id), want_patient);
  EXPECT_EQ(count(kDeliveryByField, pick.field_id), want_field);
  EXPECT_EQ(count(kDeliveryByPatient, "nobody"), 0u);
}

TEST_F(IcomTransformTest, SmallStepsAndARestartEveryStepGiveTheSameResult) {
  Fill(store_.get(), "LA1", 21, 1500);
  Fill(store_.get(), "LA2", 22, 700);
  RunAll(store_.get());
  const auto reference = Dump(store_.get());
  ASSERT_FALSE(reference.empty());

  auto other = Open(dir_.Sub("restarted"));
  Fill(other.get(), "LA1", 21, 1500);
  Fill(other.get(), "LA2", 22, 700);
  IcomTransformConfig small;
  small.records_per_step = 37;  // deliveries straddle steps
  for (int steps = 0;; ++steps) {
    ASSERT_LT(steps, 1000);
    IcomTransform t(other.get(), small);  // a new process each step
    ASSERT_TRUE(t.Restore().ok());
    auto r = t.Step();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    if (r->caught_up) break;
  }
  EXPECT_EQ(Dump(other.get()), reference);
}

TEST_F(IcomTransformTest, RerunningOverTheSameJournalChangesNothing) {
  Fill(store_.get(), "LA1", 31, 800);
  RunAll(store_.get());
  const auto before = Dump(store_.get());
  IcomStepReport again = RunAll(store_.get());
  EXPECT_EQ(again.records_read, 0u);
  EXPECT_EQ(again.deliveries_updated, 0u);
  EXPECT_EQ(Dump(store_.get()), before);
  // The linac re-sends a burst after a reconnect: the journal dedups it.
  Fill(store_.get(), "LA1", 31, 800);
  RunAll(store_.get());
  EXPECT_EQ(Dump(store_.get()), before);
}

TEST_F(IcomTransformTest, CounterGapsTruncationAndGarbageStillGiveTheTruth) {
  LinacGeneratorConfig c = Generator(61, 3000);
  c.faults.counter_gap_rate = 0.02;
  c.faults.truncate_rate = 0.01;
  c.faults.garbage_rate = 0.01;
  auto truth = AppendGeneratedIcom(&store_->journal(), "LA1", c);
  ASSERT_TRUE(truth.ok());
  ASSERT_GT(truth->counter_gaps, 0u);
  ASSERT_GT(truth->truncated_messages, 0u);
  IcomStepReport r = RunAll(store_.get());
  EXPECT_GT(r.malformed, 0u);
  EXPECT_EQ(r.messages_decoded, 3000u);
  auto all = Deliveries(store_.get(), "LA1");
  // MU is cumulative: a damaged or missing message loses no MU.
  ExpectMatchesTruth(all, *truth);
  uint64_t gaps = 0;
  for (const Delivery& d : all) gaps += d.counter_gaps;
  EXPECT_GT(gaps, 0u);
}

TEST_F(IcomTransformTest, MalformedMessagesAreReportedWithOffsetAndNeverAbort) {
  auto beam = [](int i, double mu) { return Beam(kT0 + i, i, "SECRET42", mu); };
  std::vector<Record> records;
  records.push_back(IcomTestRecord("LA1", beam(0, 0).Finish()));
  records.push_back(IcomTestRecord("LA1", beam(1, 10).AddRaw("\x01\x02zz").Finish()));
  std::string bad_header = beam(2, 12).Finish();
  bad_header.replace(8, 4, "20x6");
  records.push_back(IcomTestRecord("LA1", bad_header));
  records.push_back(IcomTestRecord("LA1", beam(3, 20).Finish()));
  ASSERT_TRUE(store_->journal().AppendBatch(records).ok());

  IcomStepReport r = RunAll(store_.get());
  EXPECT_EQ(r.malformed, 2u);
  EXPECT_EQ(r.messages_decoded, 3u);
  ASSERT_EQ(r.problems.size(), 2u);
  EXPECT_NE(r.problems[0].find("journal seq 2"), std::string::npos) << r.problems[0];
  EXPECT_NE(r.problems[0].find("at byte "), std::string::npos) << r.problems[0];
  EXPECT_NE(r.problems[1].find("journal seq 3"), std::string::npos) << r.problems[1];
  for (const std::string& p : r.problems) {
    EXPECT_EQ(p.find("SECRET42"), std::string::npos);
    EXPECT_EQ(p.find("HIDDEN"), std::string::npos);
  }
  auto stored = store_->derived().Get(kMalformedNs, std::string("\0\0\0\0\0\0\0\2", 8));
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_NE((**stored).find("\"offset\""), std::string::npos);
  auto all = Deliveries(store_.get(), "LA1");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_DOUBLE_EQ(all[0].mu, 20);
  EXPECT_EQ(all[0].malformed, 1u);
}

TEST_F(IcomTransformTest, ABackfillWhileALiveBeamIsOpenDoesNotCountItsMuTwice) {
  auto append = [&](Store* store, int64_t t, int counter, const char* patient, double mu) {
    ASSERT_TRUE(store->journal()
                    .Append(IcomTestRecord("LA1", Beam(t, counter, patient, mu).Finish()))
                    .ok());
  };
  auto fill = [&](Store* store) {
    for (int i = 0; i < 4; ++i) append(store, kT0 + i, i, "LIVE", 10.0 * i);  // live, 0..30
    for (int i = 0; i < 4; ++i) append(store, kT0 - 86400 + i, 100 + i, "OLD", 5.0 * i);
    for (int i = 4; i < 7; ++i) append(store, kT0 + i, i, "LIVE", 10.0 * i);  // live, ..60
  };
  fill(store_.get());
  RunAll(store_.get());
  auto all = Deliveries(store_.get(), "LA1");  // by start time: OLD first
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].patient_id, "OLD");
  EXPECT_DOUBLE_EQ(all[0].mu, 15);
  EXPECT_EQ(all[1].patient_id, "LIVE");
  EXPECT_DOUBLE_EQ(all[1].mu, 60);
  EXPECT_EQ(all[1].messages, 7u);

  // The same with a restart after every record (the parked state persists).
  auto other = Open(dir_.Sub("restarted"));
  fill(other.get());
  IcomTransformConfig one;
  one.records_per_step = 1;
  for (int steps = 0;; ++steps) {
    ASSERT_LT(steps, 100);
    IcomTransform t(other.get(), one);
    auto r = t.Step();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    if (r->caught_up) break;
  }
  EXPECT_EQ(Dump(other.get()), Dump(store_.get()));
}

TEST_F(IcomTransformTest, CaptureLossAnnotatesTheOpenDelivery) {
  Fill(store_.get(), "LA1", 41, 60);  // idle, then a session
  RunAll(store_.get());
  auto open = Deliveries(store_.get(), "LA1");
  ASSERT_FALSE(open.empty());
  ASSERT_TRUE(open.back().open);
  Record loss;
  loss.kind = Kind::kEvent;
  loss.source_id = "LA1";
  loss.event_time = open.back().end;
  loss.meta = "{\"event\":\"capture loss\",\"messages\":3}";
  Record gap = loss;
  gap.meta = "{\"event\":\"counter gap\",\"expected\":1,\"got\":4}";
  Record other = loss;
  other.source_id = "LA9";
  ASSERT_TRUE(store_->journal().AppendBatch({loss, gap, other}).ok());
  IcomStepReport r = RunAll(store_.get());
  EXPECT_EQ(r.records_read, 3u);
  auto after = Deliveries(store_.get(), "LA1");
  EXPECT_EQ(after.back().capture_losses, 1u);
  EXPECT_TRUE(after.back().open);
  EXPECT_EQ(after.size(), open.size());
}

TEST_F(IcomTransformTest, OnlyConfiguredLinacsWithTheirOwnCursor) {
  Fill(store_.get(), "LA1", 51, 600);
  GeneratorTruth la2 = Fill(store_.get(), "LA2", 52, 600);
  IcomTransformConfig only;
  only.linacs = {"LA2"};
  RunAll(store_.get(), only);
  EXPECT_TRUE(Deliveries(store_.get(), "LA1").empty());
  ExpectMatchesTruth(Deliveries(store_.get(), "LA2"), la2);
  EXPECT_EQ(IcomCursorName(only), "transform.icom/LA2");
  only.linacs = {"LB", "LA"};
  EXPECT_EQ(IcomCursorName(only), "transform.icom/LA,LB");
  auto all_cursor = store_->GetCursor(kCursorName);
  ASSERT_TRUE(all_cursor.ok());
  EXPECT_EQ(*all_cursor, 0u);
}

TEST_F(IcomTransformTest, RoutedLinacsQueueEachClosedDeliveryOnceAsASession) {
  Fill(store_.get(), "LA1", 61, 900);
  Fill(store_.get(), "LA2", 62, 900);
  IcomTransformConfig routed;
  routed.routes["LA1"] = {"Europe/Berlin", {"archive", "mirror"}};
  IcomStepReport r = RunAll(store_.get(), routed);
  std::map<std::string, Delivery> closed;  // by session user_key
  for (const Delivery& d : Deliveries(store_.get(), "LA1")) {
    if (!d.open) closed["qcflow/icom/" + d.Id()] = d;
  }
  ASSERT_GT(closed.size(), 3u);
  EXPECT_EQ(r.sessions_queued, closed.size());
  for (const char* sink : {"archive", "mirror"}) {
    auto items = store_->outbox().List(sink, 100000);
    ASSERT_TRUE(items.ok()) << items.status().ToString();
    ASSERT_EQ(items->size(), closed.size()) << sink;
    for (const OutboxItem& item : *items) {
      ASSERT_EQ(closed.count(item.item_id), 1u) << item.item_id;
      EXPECT_EQ(item.ref_ns, kDeliverySessionNs);
      auto v = store_->derived().Get(item.ref_ns, item.ref_key);
      ASSERT_TRUE(v.ok() && v->has_value());
      auto s = DecodeQcSession(**v);
      ASSERT_TRUE(s.ok()) << s.status().ToString();
      EXPECT_TRUE(ValidateQcSession(*s).ok()) << ValidateQcSession(*s).ToString();
      const Delivery& d = closed[item.item_id];
      ASSERT_FALSE(d.patient_id.empty());
      EXPECT_EQ(v->value().find(d.patient_id), std::string::npos) << "no PHI reaches a sink";
      if (!d.patient_name.empty()) EXPECT_EQ(v->value().find(d.patient_name), std::string::npos);
      EXPECT_EQ(s->source_id, "LA1");
      EXPECT_EQ(s->zone, "Europe/Berlin");
      EXPECT_EQ(s->work_started, d.start);
      EXPECT_EQ(s->machine.name, "LA1");
      const TestResult* mu = nullptr;
      for (const TestResult& t : s->tests) mu = t.key == "mu" ? &t : mu;
      ASSERT_NE(mu, nullptr);
      EXPECT_NEAR(mu->number.value_or(-1), d.mu, 1e-9);
      EXPECT_EQ(mu->reference, d.prescribed_mu);
    }
  }
  // Indexed by source, so `qcflow export --kind icom` finds them; LA2 is not routed.
  size_t indexed = 0;
  ASSERT_TRUE(store_->derived()
                  .ScanIndex(kSessionsBySource, "", "",
                             [&](std::string_view, std::string_view ns, std::string_view) {
                               indexed += ns == kDeliverySessionNs;
                               return true;
                             })
                  .ok());
  EXPECT_EQ(indexed, closed.size());
  // A second pass over the same journal (a per-linac cursor starts at 0) queues nothing twice.
  routed.linacs = {"LA1"};
  EXPECT_EQ(RunAll(store_.get(), routed).deliveries_closed, closed.size());
  auto again = store_->outbox().List("archive", 100000);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->size(), closed.size());
}

}  // namespace
}  // namespace qcflow::icom
