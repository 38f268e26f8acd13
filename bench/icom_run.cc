#include "bench/icom_run.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "bench/icom_corpus.h"
#include "bench/icom_replay.h"
#include "ingest/icom/capture.h"
#include "ingest/icom/sim/linac_server.h"
#include "ingest/icom/decoder.h"
#include "process/icom/icom_transform.h"
#include "store/journal.h"

namespace qcflow::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Follows the journal from seq 1 as the daemon's iCom path does: either the
// IcomTransform (decode + deliveries, one commit per step; latency = commit
// time - capture time of every message the step covered), or a plain decode
// of every message. Counters are read after Finish().
class Consumer {
 public:
  Consumer(Store* store, bool deliveries) : store_(store) {
    if (deliveries) transform_ = std::make_unique<icom::IcomTransform>(store, icom::IcomTransformConfig{});
    thread_ = std::thread([this] { Loop(); });
  }
  ~Consumer() { Finish(); }

  // Consumes what is journaled by now, then stops.
  void Finish() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  uint64_t decoded() const { return decoded_.load(std::memory_order_relaxed); }
  uint64_t malformed() const { return malformed_; }
  uint64_t deliveries() const { return deliveries_; }
  const LatencyHistogram& latency() const { return latency_; }
  const Status& status() const { return status_; }

 private:
  void Loop() {
    Journal& journal = store_->journal();
    uint64_t next = 1;
    for (;;) {
      const bool stopping = stop_.load();
      if (next > journal.last_seq()) {
        if (stopping) return;
        journal.WaitForAppend(next - 1, std::chrono::milliseconds(100));
        continue;
      }
      Result<uint64_t> r = transform_ ? StepTransform(next) : DecodeSome(next);
      if (!r.ok()) {
        status_ = r.status();
        return;
      }
      next = *r;
    }
  }

  Result<uint64_t> DecodeSome(uint64_t from) {
    return store_->journal().Scan(from, 4096, [&](uint64_t, const RecordView& v) {
      if (v.kind != Kind::kIcom) return true;
      Status s = icom::DecodeMessage(v.payload, &message_);
      if (!s.ok() || !message_.issues.empty()) ++malformed_;
      latency_.Add(NowMicros() - v.capture_time);
      decoded_.fetch_add(1, std::memory_order_relaxed);
      return true;
    });
  }

  Result<uint64_t> StepTransform(uint64_t from) {
    auto step = transform_->Step();
    if (!step.ok()) return step.status();
    const MicrosUtc committed = NowMicros();
    malformed_ += step->malformed;
    deliveries_ += step->deliveries_updated;
    decoded_.fetch_add(step->messages_decoded, std::memory_order_relaxed);
    // The step covered journal seqs [from, from + records_read): their capture times.
    size_t left = step->records_read;
    if (left == 0) return from;
    return store_->journal().Scan(from, left, [&](uint64_t, const RecordView& v) {
      if (v.kind == Kind::kIcom) latency_.Add(committed - v.capture_time);
      return true;
    });
  }

  Store* store_;
  std::unique_ptr<icom::IcomTransform> transform_;
  icom::IcomMessage message_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> decoded_{0};
  uint64_t malformed_ = 0, deliveries_ = 0;
  LatencyHistogram latency_;
  Status status_;
  std::thread thread_;
};

// The simulated linacs, each serving on its own thread; stopped on destruction.
class LinacFleet {
 public:
  Status Start(const IcomRunOptions& o) {
    if (o.sender == IcomSender::kReplay) {
      for (int i = 0; i < o.linacs; ++i) {
        auto s = IcomReplayServer::Start(LinacStreamConfig(i, o.seed, 0), o.replay_pool,
                                         o.rate_per_linac, o.messages_per_linac);
        if (!s.ok()) return s.status();
        ports_.push_back(s.value()->port());
        replays_.push_back(std::move(*s));
      }
      return Status::OK();
    }
    for (int i = 0; i < o.linacs; ++i) {
      icom::LinacServerOptions so;
      so.host = "127.0.0.1";
      so.port = 0;
      so.rate = o.rate_per_linac;
      so.generator = LinacStreamConfig(i, o.seed, o.messages_per_linac);
      auto s = icom::LinacServer::Start(so);
      if (!s.ok()) return s.status();
      ports_.push_back(s.value()->port());
      servers_.push_back(std::move(*s));
      icom::LinacServer* server = servers_.back().get();
      threads_.emplace_back([server] { (void)server->Run(); });
    }
    return Status::OK();
  }
  uint16_t port(int i) const { return ports_[size_t(i)]; }
  void Stop() {
    for (auto& r : replays_) r->Stop();
    for (auto& s : servers_) s->Stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }
  ~LinacFleet() { Stop(); }

 private:
  std::vector<uint16_t> ports_;
  std::vector<std::unique_ptr<icom::LinacServer>> servers_;
  std::vector<std::thread> threads_;
  std::vector<std::unique_ptr<IcomReplayServer>> replays_;
};

struct Totals {
  uint64_t messages = 0, journaled = 0, bytes = 0, dropped = 0, reconnects = 0, gaps = 0;
};
Totals Sum(const std::vector<icom::IcomCaptureStats>& stats) {
  Totals t;
  for (const auto& s : stats) {
    t.messages += s.messages;
    t.journaled += s.journaled;
    t.bytes += s.bytes;
    t.dropped += s.dropped;
    t.reconnects += s.reconnects;
    t.gaps += s.gaps;
  }
  return t;
}

void Keep(std::vector<IcomRunSample>* samples, size_t max, IcomRunSample s) {
  if (samples->size() >= max && max >= 2) {  // thin: keep every other sample
    std::vector<IcomRunSample> kept;
    for (size_t i = 0; i < samples->size(); i += 2) kept.push_back((*samples)[i]);
    samples->swap(kept);
  }
  samples->push_back(s);
}

}  // namespace

Result<IcomRunReport> RunIcomLinacs(const std::string& store_dir, const IcomRunOptions& o) {
  if (o.linacs < 1) return Status::InvalidArgument("--linacs must be at least 1");
  if (!(o.seconds > 0)) return Status::InvalidArgument("--duration must be positive");
  StoreOptions so;
  so.durability = o.durability;
  auto opened = Store::Open(store_dir, so);
  if (!opened.ok()) return opened.status();
  std::unique_ptr<Store> store = std::move(*opened);

  IcomRunReport report;
  report.linacs = o.linacs;
  {
    LinacFleet fleet;
    QCFLOW_RETURN_IF_ERROR(fleet.Start(o));
    std::unique_ptr<Consumer> consumer;
    if (o.stage != IcomRunOptions::Stage::kNone) {
      consumer = std::make_unique<Consumer>(store.get(),
                                            o.stage == IcomRunOptions::Stage::kDeliveries);
    }
    icom::CaptureGroupOptions go;
    go.max_batch = o.max_batch;
    icom::CaptureGroup group(&store->journal(), go);
    for (int i = 0; i < o.linacs; ++i) {
      icom::IcomCaptureConfig c;
      c.linac = LinacName(i);
      c.host = "127.0.0.1";
      c.port = fleet.port(i);
      c.backoff_initial = std::chrono::milliseconds(50);
      c.backoff_max = std::chrono::milliseconds(500);
      QCFLOW_RETURN_IF_ERROR(group.Add(c));
    }
    const uint64_t expected =
        o.messages_per_linac ? uint64_t(o.linacs) * (o.messages_per_linac - 1) : 0;
    const Clock::time_point t0 = Clock::now();
    const double cpu0 = ProcessCpuSeconds();
    Totals at_end;
    for (int tick = 1;; ++tick) {
      const double next = std::min(o.seconds, tick * o.sample_every);
      const auto until = t0 + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(next));
      // Poll in small steps so a bounded run ends soon after its last message.
      while (Clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (expected && Sum(group.Stats()).journaled >= expected) break;
        if (o.should_stop && o.should_stop()) break;
      }
      at_end = Sum(group.Stats());
      IcomRunSample s{Since(t0), at_end.journaled, consumer ? consumer->decoded() : 0,
                      CurrentRssKib()};
      Keep(&report.samples, o.max_samples, s);
      if (o.on_sample) o.on_sample(s);
      if (s.seconds >= o.seconds || (expected && at_end.journaled >= expected)) break;
      if (o.should_stop && o.should_stop()) break;
    }
    report.seconds = Since(t0);
    report.cpu_seconds = ProcessCpuSeconds() - cpu0;
    fleet.Stop();
    group.Stop();
    if (consumer) {
      consumer->Finish();
      QCFLOW_RETURN_IF_ERROR(consumer->status());
      report.decoded = consumer->decoded();
      report.malformed = consumer->malformed();
      report.deliveries = consumer->deliveries();
      report.latency = consumer->latency();
    }
    const Totals final_totals = Sum(group.Stats());
    report.messages = at_end.journaled;
    report.bytes = at_end.bytes;
    report.dropped = final_totals.dropped;
    report.reconnects = final_totals.reconnects;
    report.gaps = final_totals.gaps;
  }
  report.messages_per_s = double(report.messages) / report.seconds;
  report.mb_per_s = double(report.bytes) / 1e6 / report.seconds;
  for (const SourceCount& c : store->journal().Counts()) {
    if (c.kind == Kind::kIcom) report.journal_records += c.records;
  }
  auto stats = store->Stats();
  if (stats.ok()) report.store_bytes = stats->bytes_on_disk;
  return report;
}

}  // namespace qcflow::bench
