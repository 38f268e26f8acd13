#include "ingest/icom/sim/linac_server.h"

#include <boost/asio.hpp>

#include <chrono>
#include <deque>
#include <set>

namespace qcflow::icom {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Bytes = std::shared_ptr<const std::string>;  // nullptr in a queue = close here

constexpr size_t kMaxQueue = 4096;   // a client this far behind is dropped
constexpr size_t kDrainedQueue = 8;  // rate 0: generate when every queue is this short
constexpr size_t kHistory = 256;

}  // namespace

struct LinacServer::Impl {
  struct Client {
    tcp::socket socket;
    std::deque<Bytes> queue;
    bool writing = false;
    explicit Client(tcp::socket s) : socket(std::move(s)) {}
  };

  LinacServerOptions options;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  asio::steady_timer timer{io};
  asio::signal_set signals{io};
  LinacGenerator generator;
  std::set<std::shared_ptr<Client>> clients;
  std::deque<Bytes> history;
  Counters counters;
  bool started = false, finished = false, stopping = false, waiting_drain = false;
  bool paused = false;  // rate 0 and no client: wait for one rather than spin
  std::chrono::steady_clock::time_point next_tick;

  explicit Impl(LinacServerOptions o) : options(std::move(o)), generator(options.generator) {}

  void Accept() {
    acceptor.async_accept([this](const error_code& ec, tcp::socket s) {
      if (ec || stopping) return;
      auto c = std::make_shared<Client>(std::move(s));
      c->socket.set_option(tcp::no_delay(true));
      counters.connections++;
      if (options.fault_resend_burst && counters.connections > 1) {
        // A linac re-sends earlier messages to a listener that reconnects.
        const size_t n = std::min(options.resend_burst, history.size());
        for (size_t i = history.size() - n; i < history.size(); ++i) c->queue.push_back(history[i]);
      }
      if (finished) c->queue.push_back(nullptr);  // the stream is over: FIN
      clients.insert(c);
      Write(c);
      if (!started || paused) {
        started = true;
        paused = false;
        next_tick = std::chrono::steady_clock::now();
        Tick();
      }
      Accept();
    });
  }

  void Close(const std::shared_ptr<Client>& c) {
    error_code ignored;
    c->socket.shutdown(tcp::socket::shutdown_send, ignored);  // FIN
    c->socket.close(ignored);
    clients.erase(c);
    MaybeFinish();
  }

  void Write(const std::shared_ptr<Client>& c) {
    if (c->writing || c->queue.empty()) return;
    Bytes b = c->queue.front();
    if (!b) {
      Close(c);
      return;
    }
    c->writing = true;
    asio::async_write(c->socket, asio::buffer(*b), [this, c, b](const error_code& ec, size_t) {
      c->writing = false;
      if (ec) {  // the client went away
        Close(c);
        return;
      }
      c->queue.pop_front();
      Write(c);
      if (waiting_drain && AllDrained()) {
        waiting_drain = false;
        asio::post(io, [this] { Tick(); });
      }
      MaybeFinish();
    });
  }

  bool AllDrained() const {
    for (const auto& c : clients) {
      if (c->queue.size() > kDrainedQueue) return false;
    }
    return true;
  }

  void Broadcast(Bytes b) {
    for (auto it = clients.begin(); it != clients.end();) {
      auto c = *it++;
      if (c->queue.size() >= kMaxQueue) {
        Close(c);  // too slow: bounded memory beats an ever-growing queue
        continue;
      }
      c->queue.push_back(b);
      Write(c);
    }
  }

  void Tick() {
    if (stopping || finished) return;
    if (options.rate <= 0 && clients.empty()) {
      paused = true;  // resumed by the next Accept
      return;
    }
    std::string msg;
    if (!generator.Next(&msg)) {
      finished = true;
      for (const auto& c : clients) c->queue.push_back(nullptr);  // FIN after the last
      for (auto it = clients.begin(); it != clients.end();) Write(*it++);
      MaybeFinish();
      return;
    }
    const uint64_t i = counters.generated++;
    auto bytes = std::make_shared<const std::string>(std::move(msg));
    history.push_back(bytes);
    if (history.size() > kHistory) history.pop_front();
    if (options.fault_close_mid_message && i % 97 == 50) {
      Broadcast(std::make_shared<const std::string>(bytes->substr(0, bytes->size() / 2)));
      Broadcast(nullptr);
    } else {
      Broadcast(bytes);
    }
    auto delay = std::chrono::steady_clock::duration::zero();
    if (options.fault_stall && i % 101 == 60) {
      delay = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(options.stall_seconds));
    }
    if (options.rate > 0) {
      next_tick += std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                       std::chrono::duration<double>(1.0 / options.rate)) + delay;
      timer.expires_at(next_tick);
    } else if (delay.count() > 0) {
      timer.expires_after(delay);
    } else if (!AllDrained()) {
      waiting_drain = true;
      return;
    } else {
      asio::post(io, [this] { Tick(); });
      return;
    }
    timer.async_wait([this](const error_code& ec) {
      if (!ec) Tick();
    });
  }

  void MaybeFinish() {
    if (finished && clients.empty() && !stopping) StopNow();
  }

  void StopNow() {
    stopping = true;
    error_code ignored;
    acceptor.close(ignored);
    timer.cancel();
    signals.cancel(ignored);
    auto all = clients;
    for (const auto& c : all) {
      c->socket.shutdown(tcp::socket::shutdown_send, ignored);
      c->socket.close(ignored);
    }
    clients.clear();
  }
};

Result<std::unique_ptr<LinacServer>> LinacServer::Start(LinacServerOptions options) {
  error_code ec;
  const asio::ip::address addr = asio::ip::make_address(options.host, ec);
  if (ec) return Status::InvalidArgument("--host: not an IP address: " + options.host);
  if (!addr.is_loopback()) {
    return Status::InvalidArgument("--host " + options.host +
                                   ": the simulator listens on loopback only (127.0.0.1 or ::1)");
  }
  auto impl = std::make_unique<Impl>(std::move(options));
  const tcp::endpoint ep(addr, impl->options.port);
  impl->acceptor.open(ep.protocol(), ec);
  if (!ec) impl->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(ep, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::IOError("cannot listen on " + impl->options.host + ":" +
                           std::to_string(impl->options.port) + ": " + ec.message());
  }
  return std::unique_ptr<LinacServer>(new LinacServer(std::move(impl)));
}

LinacServer::LinacServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LinacServer::~LinacServer() = default;

uint16_t LinacServer::port() const {
  error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

Status LinacServer::Run() {
  Impl& s = *impl_;
  if (s.options.handle_signals) {
    s.signals.add(SIGINT);
    s.signals.add(SIGTERM);
    s.signals.async_wait([&s](const error_code& ec, int) {
      if (!ec) s.StopNow();
    });
  }
  if (s.options.on_listening) s.options.on_listening(port());
  s.Accept();
  s.io.run();
  return Status::OK();
}

void LinacServer::Stop() {
  asio::post(impl_->io, [impl = impl_.get()] { impl->StopNow(); });
}

LinacServer::Counters LinacServer::counters() const { return impl_->counters; }

}  // namespace qcflow::icom
