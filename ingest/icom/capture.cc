#include "ingest/icom/capture.h"

#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "ingest/icom/framer.h"
#include "ingest/icom/icom_format.h"
#include "store/journal.h"
#include "store/record.h"

namespace qcflow::icom {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

struct Loss {
  uint64_t count = 0;
  std::string first, last;  // raw timestamps
};

struct Gap {
  std::string timestamp;
  int expected = 0, got = 0;
};

constexpr size_t kMaxPendingGaps = 256;
constexpr auto kDrainOnClose = std::chrono::milliseconds(300);

}  // namespace

// What a connection shares with its group (CaptureGroup::Impl is private).
struct GroupCore {
  asio::io_context io;
  mutable std::mutex mu;  // guards the linacs' queues, loss, gaps, stats
  std::condition_variable cv;
};

// One linac's connection. Lives on the io_context thread; the queue, loss,
// gaps and stats are shared with the writer under Impl::mu.
class IcomCapture {
 public:
  IcomCapture(GroupCore* group, IcomCaptureConfig config, uint64_t seed);

  void Start() { Connect(); }
  void BeginStop();  // io thread

  // Guarded by GroupCore::mu (config is immutable).
  IcomCaptureConfig config;
  std::deque<std::string> queue;
  size_t queue_bytes = 0;
  Loss loss;
  std::vector<Gap> gaps;
  uint64_t gaps_unrecorded = 0;
  IcomCaptureStats stats;

 private:
  void Connect();
  void Read();
  void ArmTimer(std::chrono::milliseconds d);
  void OnFrame(const Frame& f);
  // After a read that framed nothing: true when the peer has sent only garbage
  // for too long (the caller disconnects).
  bool TooMuchGarbage();
  void CloseAndRetry();
  void CloseGracefully();
  void ScheduleReconnect();

  GroupCore* group_;
  tcp::socket socket_;
  tcp::resolver resolver_;
  asio::steady_timer timer_;
  Framer framer_;
  std::array<char, 64 * 1024> buf_;
  std::mt19937_64 rng_;
  int attempt_ = 0;
  bool got_message_ = false;  // this connection framed one: backoff resets
  int last_counter_ = -1;     // within the current connection
  uint64_t frames_ = 0;       // framed on this connection
  // Skipped bytes (framer stats) when the last message was framed, and when
  // the first garbage byte after it arrived.
  uint64_t skipped_at_message_ = 0;
  std::optional<std::chrono::steady_clock::time_point> garbage_since_;
  bool stopping_ = false;
  bool ever_connected_ = false;
  uint64_t generation_ = 0;   // invalidates stale timer callbacks
  uint64_t conn_ = 0;         // invalidates handlers of a closed connection
};

struct CaptureGroup::Impl : GroupCore {
  Journal* journal;
  CaptureGroupOptions options;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::thread io_thread, writer_thread;

  std::vector<std::unique_ptr<IcomCapture>> linacs;  // guarded by mu
  bool stopped = false;         // Stop() called: no more Add
  bool stopped_writer = false;  // sockets closed: the writer drains and exits
  uint64_t seed = 0x9e3779b97f4a7c15ull;

  void WriterLoop();
  bool Pending() const;  // REQUIRES: mu held
  // Counts records the journal never took as dropped loss. REQUIRES: mu held.
  void AccountUnwritten(const std::vector<Record>& records);
};

IcomCapture::IcomCapture(GroupCore* group, IcomCaptureConfig c, uint64_t seed)
    : config(std::move(c)),
      group_(group),
      socket_(group->io),
      resolver_(group->io),
      timer_(group->io),
      framer_([this](const Frame& f) { OnFrame(f); },
              FramerOptions{.max_message_size = config.max_message_size}),
      rng_(seed) {
  stats.linac = config.linac;
}

void IcomCapture::ArmTimer(std::chrono::milliseconds d) {
  uint64_t gen = ++generation_;
  timer_.expires_after(d);
  timer_.async_wait([this, gen](const error_code& ec) {
    if (ec || gen != generation_) return;
    // Connect or read timeout, or the drain-on-close deadline.
    if (stopping_) {
      error_code ignored;
      socket_.close(ignored);
      return;
    }
    CloseAndRetry();
  });
}

void IcomCapture::Connect() {
  if (stopping_) return;
  ArmTimer(config.connect_timeout);
  uint64_t id = conn_;
  resolver_.async_resolve(
      config.host, std::to_string(config.port),
      [this, id](const error_code& ec, tcp::resolver::results_type results) {
        if (stopping_ || id != conn_) return;
        if (ec) return CloseAndRetry();
        asio::async_connect(socket_, results, [this, id](const error_code& ec2,
                                                         const tcp::endpoint&) {
          if (stopping_ || id != conn_) return;
          if (ec2) return CloseAndRetry();
          framer_.Reset();
          last_counter_ = -1;
          got_message_ = false;
          skipped_at_message_ = framer_.stats().skipped_bytes;
          garbage_since_.reset();
          {
            std::lock_guard l(group_->mu);
            stats.connected = true;
            if (ever_connected_) ++stats.reconnects;
          }
          ever_connected_ = true;
          ArmTimer(config.read_timeout);
          Read();
        });
      });
}

void IcomCapture::Read() {
  uint64_t id = conn_;
  socket_.async_read_some(asio::buffer(buf_), [this, id](const error_code& ec, size_t n) {
    if (stopping_) {
      // Draining after our FIN: discard until the peer's EOF, then close.
      if (ec || n == 0) {
        ++generation_;
        timer_.cancel();
        error_code ignored;
        socket_.close(ignored);
        return;
      }
      return Read();
    }
    if (id != conn_) return;
    if (ec) return CloseAndRetry();  // EOF included: never read a closed socket again
    {
      std::lock_guard l(group_->mu);
      stats.bytes += n;
    }
    const uint64_t frames_before = frames_;
    framer_.Feed(std::string_view(buf_.data(), n));
    if (frames_ != frames_before) {
      skipped_at_message_ = framer_.stats().skipped_bytes;
      garbage_since_.reset();
    } else if (TooMuchGarbage()) {
      {
        std::lock_guard l(group_->mu);
        ++stats.garbage_disconnects;
      }
      return CloseAndRetry();
    }
    ArmTimer(config.read_timeout);
    Read();
  });
}

bool IcomCapture::TooMuchGarbage() {
  // Only bytes the framer gave up on count: a message still arriving (its end
  // is known when the next one starts) is not garbage, however long it waits.
  const uint64_t garbage = framer_.stats().skipped_bytes - skipped_at_message_;
  if (garbage == 0) return false;
  const auto now = std::chrono::steady_clock::now();
  if (!garbage_since_) garbage_since_ = now;
  return garbage >= config.garbage_bytes || now - *garbage_since_ >= config.garbage_time;
}

void IcomCapture::OnFrame(const Frame& f) {
  if (f.bytes.size() < kHeaderSize) return;  // the framer never emits these
  got_message_ = true;
  ++frames_;
  int counter = static_cast<uint8_t>(f.bytes[kCounterOffset]);
  std::string_view ts = IcomTimestampText(f.bytes);
  std::lock_guard l(group_->mu);
  ++stats.messages;
  stats.last_message_time = NowMicros();
  if (last_counter_ >= 0 && counter != (last_counter_ + 1) % 256) {
    ++stats.gaps;
    if (gaps.size() < kMaxPendingGaps) {
      gaps.push_back(Gap{std::string(ts), (last_counter_ + 1) % 256, counter});
    } else {
      ++gaps_unrecorded;
    }
  }
  last_counter_ = counter;
  if (queue.size() >= config.queue_messages ||
      queue_bytes + f.bytes.size() > config.queue_bytes) {
    // Journal stalled: drop rather than stop reading the linac's socket.
    ++stats.dropped;
    if (loss.count++ == 0) loss.first = std::string(ts);
    loss.last = std::string(ts);
    group_->cv.notify_one();
    return;
  }
  queue.emplace_back(f.bytes);
  queue_bytes += f.bytes.size();
  group_->cv.notify_one();
}

void IcomCapture::CloseGracefully() {
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

void IcomCapture::CloseAndRetry() {
  ++conn_;
  ++generation_;
  timer_.cancel();
  resolver_.cancel();
  framer_.Reset();  // a partial message never crosses connections
  // Reached after EOF, an error or a timeout: nothing unread that matters.
  CloseGracefully();
  {
    std::lock_guard l(group_->mu);
    stats.connected = false;
  }
  ScheduleReconnect();
}

void IcomCapture::ScheduleReconnect() {
  if (stopping_) return;
  if (got_message_) attempt_ = 0;
  got_message_ = false;
  // Capped exponential backoff; jitter in [d/2, d] spreads reconnect storms.
  auto d = config.backoff_initial * (int64_t{1} << std::min(attempt_, 20));
  d = std::min<std::chrono::milliseconds>(d, config.backoff_max);
  ++attempt_;
  std::uniform_int_distribution<int64_t> jitter(d.count() / 2, std::max<int64_t>(d.count(), 1));
  uint64_t gen = ++generation_;
  timer_.expires_after(std::chrono::milliseconds(jitter(rng_)));
  timer_.async_wait([this, gen](const error_code& ec) {
    if (ec || gen != generation_ || stopping_) return;
    Connect();
  });
}

void IcomCapture::BeginStop() {
  stopping_ = true;
  resolver_.cancel();
  {
    std::lock_guard l(group_->mu);
    stats.connected = false;
  }
  framer_.Reset();
  if (!socket_.is_open()) {
    ++generation_;
    timer_.cancel();
    return;
  }
  // FIN first; keep reading (the pending read sees stopping_) until the
  // peer's EOF or a deadline, so close() finds no unread bytes (no RST).
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
  ArmTimer(kDrainOnClose);
}

bool CaptureGroup::Impl::Pending() const {
  for (const auto& l : linacs) {
    if (!l->queue.empty() || l->loss.count > 0 || !l->gaps.empty() || l->gaps_unrecorded > 0) {
      return true;
    }
  }
  return false;
}

namespace {

Record EventRecord(const std::string& linac, MicrosUtc event_time, std::string meta) {
  Record r;
  r.kind = Kind::kEvent;
  r.source_id = linac;
  r.event_time = event_time;
  r.capture_time = NowMicros();
  r.meta = std::move(meta);
  return r;
}

}  // namespace

void CaptureGroup::Impl::WriterLoop() {
  struct Item {
    IcomCapture* linac;
    std::string bytes;
  };
  size_t rotate = 0;
  for (;;) {
    if (options.before_batch) options.before_batch();
    std::vector<Item> items;
    std::vector<Record> events;
    {
      std::unique_lock l(mu);
      cv.wait(l, [&] { return stopped_writer || Pending(); });
      if (!Pending() && stopped_writer) return;
      ++rotate;
      // Rotate the first linac so one busy linac cannot starve the others.
      const size_t n = linacs.size();
      for (size_t k = 0; k < n; ++k) {
        IcomCapture* c = linacs[(rotate + k) % n].get();
        while (!c->queue.empty() && items.size() < options.max_batch) {
          c->queue_bytes -= c->queue.front().size();
          items.push_back(Item{c, std::move(c->queue.front())});
          c->queue.pop_front();
        }
        MicrosUtc now = NowMicros();
        for (const Gap& g : c->gaps) {
          Record r = EventRecord(c->config.linac,
                                 IcomTimestampToUtc(g.timestamp, c->config.zone, now),
                                 "{\"event\":\"counter gap\",\"expected\":" +
                                     std::to_string(g.expected) +
                                     ",\"got\":" + std::to_string(g.got) + "}");
          r.event_time_text = g.timestamp;
          // Keyed so a replayed stream does not record the same gap twice.
          r.dedup_key = "icom-gap|" + c->config.linac + "|" + g.timestamp + "|" +
                        std::to_string(g.expected) + "|" + std::to_string(g.got);
          events.push_back(std::move(r));
        }
        c->gaps.clear();
        if (c->loss.count > 0 || c->gaps_unrecorded > 0) {
          Record r = EventRecord(
              c->config.linac, IcomTimestampToUtc(c->loss.first, c->config.zone, now),
              "{\"event\":\"capture loss\",\"messages\":" + std::to_string(c->loss.count) +
                  ",\"first\":\"" + c->loss.first + "\",\"last\":\"" + c->loss.last +
                  "\",\"unrecorded_gaps\":" + std::to_string(c->gaps_unrecorded) + "}");
          r.event_time_text = c->loss.first;
          events.push_back(std::move(r));
          c->loss = Loss{};
          c->gaps_unrecorded = 0;
        }
      }
    }
    std::vector<Record> records;
    records.reserve(items.size() + events.size());
    MicrosUtc now = NowMicros();
    for (Item& it : items) {
      const IcomCaptureConfig& cfg = it.linac->config;  // immutable after Add
      Record r = IcomMessageRecord(cfg.linac, cfg.zone, std::move(it.bytes), now);
      records.push_back(std::move(r));
    }
    for (Record& e : events) records.push_back(std::move(e));
    if (records.empty()) continue;
    // Retry the same batch until the journal takes it: what was taken from the
    // queues is not dropped for a transient failure.
    for (;;) {
      Status failure = options.fail_append ? options.fail_append() : Status::OK();
      if (failure.ok()) {
        auto res = journal->AppendBatch(records);
        if (res.ok()) break;
        failure = res.status();
      }
      std::unique_lock l(mu);
      if (stopped_writer) {
        // Shutting down with a broken journal: account the messages as lost
        // (in stats; the journal cannot take a loss event) instead of looping.
        AccountUnwritten(records);
        return;
      }
      cv.wait_for(l, std::chrono::milliseconds(200));
    }
    std::unique_lock l(mu);
    for (const Item& it : items) ++it.linac->stats.journaled;
  }
}

void CaptureGroup::Impl::AccountUnwritten(const std::vector<Record>& records) {
  for (const Record& r : records) {
    if (r.kind != Kind::kIcom) continue;
    for (auto& lp : linacs) {
      if (lp->config.linac != r.source_id) continue;
      ++lp->stats.dropped;
      Loss& loss = lp->loss;
      if (loss.count++ == 0 || r.event_time_text < loss.first) loss.first = r.event_time_text;
      if (r.event_time_text > loss.last) loss.last = r.event_time_text;
    }
  }
}

CaptureGroup::CaptureGroup(Journal* journal, CaptureGroupOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->journal = journal;
  impl_->options = std::move(options);
  if (impl_->options.max_batch == 0) impl_->options.max_batch = 1;
  impl_->io_thread = std::thread([this] { impl_->io.run(); });
  impl_->writer_thread = std::thread([this] { impl_->WriterLoop(); });
}

CaptureGroup::~CaptureGroup() { Stop(); }

Status CaptureGroup::Add(IcomCaptureConfig config) {
  if (config.linac.empty()) return Status::InvalidArgument("icom capture: empty linac name");
  if (config.queue_messages == 0 || config.queue_bytes == 0) {
    return Status::InvalidArgument("icom capture " + config.linac + ": zero queue capacity");
  }
  if (config.backoff_initial.count() <= 0 || config.backoff_max < config.backoff_initial) {
    return Status::InvalidArgument("icom capture " + config.linac + ": bad backoff");
  }
  QCFLOW_RETURN_IF_ERROR(CheckZone(config.zone));
  IcomCapture* c;
  {
    std::lock_guard l(impl_->mu);
    if (impl_->stopped) return Status::FailedPrecondition("icom capture: group stopped");
    for (const auto& lp : impl_->linacs) {
      if (lp->config.linac == config.linac) {
        return Status::InvalidArgument("icom capture: duplicate linac " + config.linac);
      }
    }
    impl_->linacs.push_back(
        std::make_unique<IcomCapture>(impl_.get(), std::move(config), impl_->seed++));
    c = impl_->linacs.back().get();
  }
  asio::post(impl_->io, [c] { c->Start(); });
  return Status::OK();
}

void CaptureGroup::Stop() {
  {
    std::lock_guard l(impl_->mu);
    impl_->stopped = true;
  }
  if (impl_->io_thread.joinable()) {
    asio::post(impl_->io, [this] {
      // linacs only grows before stopped is set; safe to walk here.
      for (auto& c : impl_->linacs) c->BeginStop();
      impl_->work.reset();
    });
    impl_->io_thread.join();  // returns once every socket is closed
  }
  {
    std::lock_guard l(impl_->mu);
    impl_->stopped_writer = true;
  }
  impl_->cv.notify_all();
  if (impl_->writer_thread.joinable()) impl_->writer_thread.join();  // drains first
}

std::vector<IcomCaptureStats> CaptureGroup::Stats() const {
  std::lock_guard l(impl_->mu);
  std::vector<IcomCaptureStats> out;
  for (const auto& c : impl_->linacs) out.push_back(c->stats);
  return out;
}

}  // namespace qcflow::icom
