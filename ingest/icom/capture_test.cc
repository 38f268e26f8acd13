#include "ingest/icom/capture.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include "store/content_hash.h"
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ingest/icom/icom_format.h"
#include "ingest/icom/sim/linac_generator.h"
#include "ingest/icom/sim/linac_server.h"
#include "store/journal.h"
#include "store/store.h"
#include "tests/testing/icom_archives.h"
#include "tests/testing/temp_dir.h"

namespace qcflow::icom {
namespace {

using namespace std::chrono_literals;

// Polls `done` every 10 ms for at most `limit`; true once it holds.
bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

struct Journaled {
  std::vector<Record> icom, events;
};

Journaled ReadJournal(Journal& j) {
  Journaled out;
  auto r = j.Scan(1, 1 << 20, [&](uint64_t, const RecordView& v) {
    (v.kind == Kind::kIcom ? out.icom : out.events).push_back(v.ToRecord());
    return true;
  });
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return out;
}

size_t CountEvents(const Journaled& j, const std::string& what) {
  size_t n = 0;
  for (const Record& r : j.events) n += r.meta.find(what) != std::string::npos;
  return n;
}

// The messages a fault-free generator with `c` produces, in order.
std::vector<std::string> Generate(LinacGeneratorConfig c) {
  return qcflow::testing::GenerateIcomMessages(c);
}

LinacGeneratorConfig TwoMessages() {
  LinacGeneratorConfig c;
  c.messages = 2;
  return c;
}

IcomCaptureConfig Linac(uint16_t port) {
  IcomCaptureConfig c;
  c.linac = "LA1";
  c.port = port;
  c.backoff_initial = 20ms;
  c.backoff_max = 200ms;
  c.read_timeout = 5s;
  return c;
}

class CaptureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::Open(dir_.path());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  Journal& journal() { return store_->journal(); }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

// A server run on its own thread, stopped and joined on destruction.
struct RunningServer {
  explicit RunningServer(LinacServerOptions o) {
    o.port = 0;
    auto s = LinacServer::Start(std::move(o));
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    if (!s.ok()) return;
    server = std::move(*s);
    thread = std::thread([this] { server->Run(); });
  }
  ~RunningServer() {
    if (server) server->Stop();
    if (thread.joinable()) thread.join();
  }
  uint16_t port() const { return server ? server->port() : 0; }
  std::unique_ptr<LinacServer> server;
  std::thread thread;
};

TEST_F(CaptureTest, JournalsEachMessageOnceWithItsDedupKey) {
  LinacServerOptions o;
  o.rate = 0;
  o.generator.messages = 100;
  const std::vector<std::string> expected = Generate(o.generator);
  RunningServer server(o);
  CaptureGroup group(&journal());
  ASSERT_TRUE(group.Add(Linac(server.port())).ok());
  // The server FINs after message 99, whose end a live reader cannot know.
  ASSERT_TRUE(WaitFor([&] { return journal().last_seq() >= 99; }));
  group.Stop();
  Journaled j = ReadJournal(journal());
  ASSERT_EQ(j.icom.size(), 99u);
  for (size_t i = 0; i < j.icom.size(); ++i) {
    const Record& r = j.icom[i];
    EXPECT_EQ(r.source_id, "LA1");
    EXPECT_EQ(r.payload, expected[i]) << i;
    EXPECT_EQ(r.dedup_key, IcomDedupKey("LA1", expected[i]));
    EXPECT_EQ(r.event_time_text, expected[i].substr(kTimestampOffset, kTimestampSize));
    EXPECT_EQ(FormatUtcIso(r.event_time).substr(0, 10), r.event_time_text.substr(0, 10));
    EXPECT_FALSE(r.quarantined());
  }
  // 2026-01-05 08:00:00 UTC is the generator's first timestamp.
  EXPECT_EQ(j.icom[0].event_time, int64_t{1767600000} * kMicrosPerSecond);
  EXPECT_EQ(CountEvents(j, "counter gap"), 0u);
  EXPECT_EQ(CountEvents(j, "capture loss"), 0u);
  auto stats = group.Stats();
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].messages, 99u);
  EXPECT_EQ(stats[0].journaled, 99u);
  EXPECT_EQ(stats[0].dropped, 0u);
  EXPECT_FALSE(stats[0].connected);
}

TEST_F(CaptureTest, TwoLinacsOnOneGroupKeepTheirOwnSources) {
  LinacServerOptions o;
  o.rate = 0;
  o.generator.messages = 60;
  RunningServer a(o);
  o.generator.seed = 2;
  o.generator.machine_id = "LA2";
  RunningServer b(o);
  CaptureGroup group(&journal());
  IcomCaptureConfig ca = Linac(a.port()), cb = Linac(b.port());
  cb.linac = "LA2";
  cb.zone = "Europe/Paris";  // the second linac's clock reads local time
  ASSERT_TRUE(group.Add(ca).ok());
  ASSERT_TRUE(group.Add(cb).ok());
  ASSERT_TRUE(WaitFor([&] { return journal().last_seq() >= 2 * 59; }));
  group.Stop();
  Journaled j = ReadJournal(journal());
  std::map<std::string, size_t> per_source;
  for (const Record& r : j.icom) ++per_source[r.source_id];
  EXPECT_EQ(per_source["LA1"], 59u);
  EXPECT_EQ(per_source["LA2"], 59u);
  int checked = 0;
  for (const Record& r : j.icom) {
    if (r.source_id != "LA2" || r.event_time_text != "2026-01-0508:00:00") continue;
    ++checked;
    EXPECT_EQ(r.event_time, int64_t{1767600000 - 3600} * kMicrosPerSecond);  // CET = UTC+1
  }
  EXPECT_GT(checked, 0);
  auto stats = group.Stats();
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].journaled + stats[1].journaled, 118u);
}

TEST_F(CaptureTest, DedupKeyDependsOnLinacCounterAndContent) {
  const std::vector<std::string> m = Generate(TwoMessages());
  EXPECT_NE(IcomDedupKey("LA1", m[0]), IcomDedupKey("LA2", m[0]));
  EXPECT_NE(IcomDedupKey("LA1", m[0]), IcomDedupKey("LA1", m[1]));
  std::string changed = m[0];
  changed.back() ^= 1;
  EXPECT_NE(IcomDedupKey("LA1", m[0]), IcomDedupKey("LA1", changed));
  EXPECT_EQ(IcomDedupKey("LA1", m[0]).rfind("LA1|" + m[0].substr(8, 18) + "|", 0), 0u);
  // Store format 4's upgrade relies on this layout: the old key with its
  // trailing FNV-1a hex replaced by the message's XXH3 hex.
  EXPECT_EQ(IcomDedupKey("LA1", m[0]), "LA1|" + m[0].substr(8, 18) + "|" +
                                           std::to_string(uint8_t(m[0][26])) + "|" + Xxh3Hex(m[0]));
}

TEST_F(CaptureTest, MidMessageCloseAndResentBurstJournalNothingTwice) {
  LinacServerOptions o;
  o.rate = 0;
  o.generator.messages = 200;
  o.fault_close_mid_message = true;  // cuts at messages 50 and 147
  o.fault_resend_burst = true;
  o.resend_burst = 10;
  const std::vector<std::string> expected = Generate(o.generator);
  RunningServer server(o);
  CaptureGroup group(&journal());
  ASSERT_TRUE(group.Add(Linac(server.port())).ok());
  // Bursts re-send messages already journaled; the stream's last message is
  // a trailing fragment: 0..198 distinct messages in all.
  WaitFor([&] { return journal().last_seq() >= 199; });
  std::this_thread::sleep_for(100ms);  // a wrong extra record would show up
  group.Stop();
  Journaled j = ReadJournal(journal());
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < expected.size(); ++i) index[expected[i]] = i;
  std::set<size_t> seen;
  for (const Record& r : j.icom) {
    auto it = index.find(r.payload);
    ASSERT_NE(it, index.end()) << "a partial or altered message was journaled";
    EXPECT_TRUE(seen.insert(it->second).second) << "journaled twice: " << it->second;
  }
  EXPECT_EQ(j.icom.size(), 199u);
  EXPECT_EQ(seen.size(), j.icom.size());
  EXPECT_EQ(CountEvents(j, "counter gap"), 0u) << "gaps are per connection";
  auto stats = group.Stats()[0];
  EXPECT_GE(stats.reconnects, 2u);
  EXPECT_GT(stats.journaled, j.icom.size()) << "the bursts re-sent messages";
}

TEST_F(CaptureTest, CounterGapIsAnEventNotAnOutage) {
  LinacServerOptions o;
  o.rate = 0;
  o.generator.messages = 150;
  o.generator.faults.counter_gap_rate = 0.05;
  RunningServer server(o);
  CaptureGroup group(&journal());
  ASSERT_TRUE(group.Add(Linac(server.port())).ok());
  ASSERT_TRUE(WaitFor([&] { return group.Stats()[0].journaled >= 149; }));
  group.Stop();
  Journaled j = ReadJournal(journal());
  EXPECT_EQ(j.icom.size(), 149u);  // every message kept across the gaps
  const uint64_t gaps = group.Stats()[0].gaps;
  EXPECT_GT(gaps, 0u);
  EXPECT_EQ(CountEvents(j, "counter gap"), gaps);
  for (const Record& e : j.events) {
    if (e.meta.find("counter gap") == std::string::npos) continue;
    EXPECT_EQ(e.source_id, "LA1");
    EXPECT_EQ(e.event_time_text.size(), kTimestampSize);
    EXPECT_FALSE(e.dedup_key.empty());
  }
}

double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// A listener that accepts and immediately closes every connection (each read
// sees EOF at once: the case where PyMedPhys spins at 100% CPU).
class ClosingListener {
 public:
  ClosingListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    socklen_t len = sizeof(a);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~ClosingListener() { ::close(fd_); }
  uint16_t port() const { return port_; }
  int fd() const { return fd_; }
  // Accepts and closes connections for `d`. Returns how many.
  int AcceptAndCloseFor(std::chrono::milliseconds d) {
    int n = 0;
    const auto deadline = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) == 1) {
        int c = ::accept(fd_, nullptr, nullptr);
        if (c >= 0) {
          ::close(c);
          ++n;
        }
      }
    }
    return n;
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

TEST_F(CaptureTest, NoBusyLoopWhenThePeerKeepsClosing) {
  ClosingListener listener;
  CaptureGroup group(&journal());
  IcomCaptureConfig c = Linac(listener.port());
  c.backoff_initial = 10ms;
  c.backoff_max = 100ms;
  ASSERT_TRUE(group.Add(c).ok());
  const double cpu0 = ProcessCpuSeconds();
  const auto t0 = std::chrono::steady_clock::now();
  const int accepted = listener.AcceptAndCloseFor(1000ms);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = ProcessCpuSeconds() - cpu0;
  const uint64_t reconnects = group.Stats()[0].reconnects;
  group.Stop();
  EXPECT_LT(cpu, 0.2 * wall) << "capture spins on EOF";
  EXPECT_GE(accepted, 3) << "capture should keep retrying";
  EXPECT_LT(accepted, 200) << "reconnects must back off";
  EXPECT_GE(reconnects, 2u);
}

TEST_F(CaptureTest, NoBusyLoopWhileConnectionsAreRefused) {
  uint16_t port;
  {
    ClosingListener gone;  // bound then closed: connections get refused
    port = gone.port();
  }
  CaptureGroup group(&journal());
  IcomCaptureConfig c = Linac(port);
  c.backoff_initial = 10ms;
  c.backoff_max = 100ms;
  ASSERT_TRUE(group.Add(c).ok());
  const double cpu0 = ProcessCpuSeconds();
  std::this_thread::sleep_for(1000ms);
  const double cpu = ProcessCpuSeconds() - cpu0;
  group.Stop();
  EXPECT_LT(cpu, 0.2) << "capture spins while refused";
  EXPECT_FALSE(group.Stats()[0].connected);
}

// A peer on the linac's port that sends only garbage (no iCom timestamp
// ever): each connection gets `chunk` bytes every `every` until closed.
// Returns how many connections it served.
int ServeGarbage(ClosingListener& listener, size_t chunk, std::chrono::milliseconds every,
                 std::chrono::milliseconds total) {
  const std::string garbage(chunk, 'z');
  int served = 0, conn = -1;
  const auto deadline = std::chrono::steady_clock::now() + total;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{listener.fd(), POLLIN, 0};
    if (::poll(&p, 1, 0) == 1) {
      if (conn >= 0) ::close(conn);
      conn = ::accept(listener.fd(), nullptr, nullptr);
      served += conn >= 0;
    }
    if (conn >= 0 && ::send(conn, garbage.data(), garbage.size(), MSG_NOSIGNAL) < 0) {
      ::close(conn);
      conn = -1;
    }
    std::this_thread::sleep_for(every);
  }
  if (conn >= 0) ::close(conn);
  return served;
}

TEST_F(CaptureTest, APeerSendingOnlyGarbageIsDisconnectedAfterTheByteLimit) {
  ClosingListener listener;
  CaptureGroup group(&journal());
  IcomCaptureConfig c = Linac(listener.port());
  c.garbage_bytes = 256 << 10;
  ASSERT_TRUE(group.Add(c).ok());
  // 64 KiB every 5 ms: the limit is passed within the first 25 ms of each connection.
  const int served = ServeGarbage(listener, 64 << 10, 5ms, 1500ms);
  const IcomCaptureStats st = group.Stats()[0];
  group.Stop();
  EXPECT_GE(st.garbage_disconnects, 2u);
  EXPECT_GE(served, 2);
  EXPECT_EQ(st.messages, 0u);
  // Each connection read about the limit, not everything the peer sent.
  EXPECT_LT(st.bytes, (st.garbage_disconnects + 1) * (c.garbage_bytes + (256u << 10)));
}

TEST_F(CaptureTest, APeerTricklingGarbageIsDisconnectedAfterTheTimeLimit) {
  ClosingListener listener;
  CaptureGroup group(&journal());
  IcomCaptureConfig c = Linac(listener.port());
  c.garbage_time = 300ms;
  ASSERT_TRUE(group.Add(c).ok());
  const int served = ServeGarbage(listener, 100, 20ms, 1500ms);
  const IcomCaptureStats st = group.Stats()[0];
  group.Stop();
  EXPECT_GE(st.garbage_disconnects, 1u);
  EXPECT_GE(served, 2);
}

TEST_F(CaptureTest, ALinacPausingBetweenMessagesIsNotGarbage) {
  // Each message's end is only known when the next one starts: a quiet linac
  // keeps its last message pending far longer than garbage_time.
  ClosingListener listener;
  CaptureGroup group(&journal());
  IcomCaptureConfig c = Linac(listener.port());
  c.garbage_time = 100ms;
  c.garbage_bytes = 1;
  ASSERT_TRUE(group.Add(c).ok());
  pollfd p{listener.fd(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 5000), 1);
  const int conn = ::accept(listener.fd(), nullptr, nullptr);
  ASSERT_GE(conn, 0);
  LinacGeneratorConfig g;
  g.messages = 4;
  for (const std::string& m : Generate(g)) {
    ASSERT_EQ(::send(conn, m.data(), m.size(), MSG_NOSIGNAL), ssize_t(m.size()));
    std::this_thread::sleep_for(300ms);
  }
  ASSERT_TRUE(WaitFor([&] { return group.Stats()[0].journaled >= 3; }));
  const IcomCaptureStats st = group.Stats()[0];
  group.Stop();
  ::close(conn);
  EXPECT_EQ(st.garbage_disconnects, 0u);
  EXPECT_EQ(st.reconnects, 0u);
}

TEST_F(CaptureTest, StalledJournalDropsWithLossAccountingNeverBlocksTheSocket) {
  std::atomic<bool> release{false};
  CaptureGroupOptions go;
  go.before_batch = [&] {
    // Bounded: a failing test cannot hang here.
    for (int i = 0; i < 2000 && !release.load(); ++i) std::this_thread::sleep_for(5ms);
  };
  LinacServerOptions o;
  o.rate = 0;
  o.generator.messages = 100;
  RunningServer server(o);
  CaptureGroup group(&journal(), go);
  IcomCaptureConfig c = Linac(server.port());
  c.queue_messages = 5;
  ASSERT_TRUE(group.Add(c).ok());
  // The whole stream is read while the writer is stalled.
  ASSERT_TRUE(WaitFor([&] { return group.Stats()[0].messages >= 99; }));
  auto stalled = group.Stats()[0];
  EXPECT_EQ(stalled.dropped, 99u - 5u);
  EXPECT_EQ(journal().last_seq(), 0u);
  release = true;
  ASSERT_TRUE(WaitFor([&] { return group.Stats()[0].journaled >= 5; }));
  group.Stop();
  Journaled j = ReadJournal(journal());
  EXPECT_EQ(j.icom.size(), 5u);
  ASSERT_EQ(CountEvents(j, "capture loss"), 1u);
  const Record* loss = nullptr;
  for (const Record& e : j.events) {
    if (e.meta.find("capture loss") != std::string::npos) loss = &e;
  }
  EXPECT_NE(loss->meta.find("\"messages\":94"), std::string::npos) << loss->meta;
  // The loss starts with the 6th message's timestamp.
  const std::vector<std::string> expected = Generate(o.generator);
  EXPECT_EQ(loss->event_time_text, expected[5].substr(kTimestampOffset, kTimestampSize));
  EXPECT_NE(loss->meta.find("\"last\":\"" + expected[98].substr(kTimestampOffset, kTimestampSize)),
            std::string::npos)
      << loss->meta;
}

TEST_F(CaptureTest, JournalFailureRetriesTheBatchInsteadOfDroppingIt) {
  std::atomic<int> failures{0};
  CaptureGroupOptions go;
  go.fail_append = [&]() -> Status {
    // The first three attempts fail, as a full disk would.
    if (failures.load() < 3) {
      ++failures;
      return Status::IOError("no space left on device (simulated)");
    }
    return Status::OK();
  };
  LinacServerOptions o;
  o.rate = 0;
  o.generator.messages = 20;
  RunningServer server(o);
  CaptureGroup group(&journal(), go);
  ASSERT_TRUE(group.Add(Linac(server.port())).ok());
  ASSERT_TRUE(WaitFor([&] { return group.Stats()[0].journaled >= 19; }));
  group.Stop();
  EXPECT_EQ(failures.load(), 3);
  EXPECT_EQ(group.Stats()[0].dropped, 0u);
  Journaled j = ReadJournal(journal());
  // Every framed message (the last one waits for the next message's start) is kept.
  const std::vector<std::string> expected = Generate(o.generator);
  ASSERT_EQ(j.icom.size(), 19u);
  for (size_t i = 0; i < j.icom.size(); ++i) EXPECT_EQ(j.icom[i].payload, expected[i]) << i;
  EXPECT_EQ(CountEvents(j, "capture loss"), 0u);
}

TEST_F(CaptureTest, StopClosesWithAFinNotAReset) {
  ClosingListener listener;  // used here as a plain listener
  CaptureGroup group(&journal());
  ASSERT_TRUE(group.Add(Linac(listener.port())).ok());
  pollfd p{listener.fd(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 5000), 1);
  const int c = ::accept(listener.fd(), nullptr, nullptr);
  ASSERT_GE(c, 0);
  // Stream two messages so the connection is a live one.
  for (const std::string& m : Generate(TwoMessages())) {
    ASSERT_EQ(::send(c, m.data(), m.size(), 0), static_cast<ssize_t>(m.size()));
  }
  ASSERT_TRUE(WaitFor([&] { return group.Stats()[0].messages >= 1; }));
  std::thread stopper([&] { group.Stop(); });
  timeval tv{5, 0};
  ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  char buf[16];
  const ssize_t n = ::recv(c, buf, sizeof(buf), 0);
  const int err = errno;
  EXPECT_EQ(n, 0) << "expected EOF (FIN), got errno " << err;
  // A linac mid-beam keeps streaming after our FIN: capture must still read
  // (and discard) rather than close with unread bytes, which would RST.
  const std::string more = Generate(TwoMessages())[0];
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(::send(c, more.data(), more.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(more.size()))
        << "reset by the capture side, errno " << errno;
    std::this_thread::sleep_for(50ms);
  }
  ::close(c);  // lets the capture's drain see EOF and close
  stopper.join();
  EXPECT_EQ(group.Stats()[0].journaled, 1u);  // the second one's end was never seen
}

TEST_F(CaptureTest, AddRejectsBadConfig) {
  CaptureGroup group(&journal());
  IcomCaptureConfig c = Linac(1);
  c.linac = "";
  EXPECT_FALSE(group.Add(c).ok());
  c = Linac(1);
  c.zone = "Not/AZone";
  EXPECT_FALSE(group.Add(c).ok());
  c = Linac(1);
  c.queue_messages = 0;
  EXPECT_FALSE(group.Add(c).ok());
  ASSERT_TRUE(group.Add(Linac(1)).ok());
  EXPECT_FALSE(group.Add(Linac(1)).ok()) << "duplicate linac";
  group.Stop();
  EXPECT_EQ(group.Add(Linac(2)).code(), Status::Code::kFailedPrecondition);
}

}  // namespace
}  // namespace qcflow::icom
