#include "cli/runtime/metrics_server.h"

#include <boost/asio.hpp>

#include <cstdio>
#include <set>
#include <thread>

#include "cli/runtime/listen_address.h"

namespace qcflow::cli {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr size_t kMaxRequestBytes = 8192;
constexpr auto kRequestDeadline = std::chrono::seconds(5);

std::string Response(int code, const char* reason, const std::string& content_type,
                     const std::string& body) {
  return "HTTP/1.1 " + std::to_string(code) + " " + reason + "\r\nContent-Type: " + content_type +
         "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

}  // namespace

struct MetricsServer::Impl {
  struct Conn : std::enable_shared_from_this<Conn> {
    Conn(Impl* impl, tcp::socket s)
        : impl(impl), sock(std::move(s)), timer(impl->io), buf(kMaxRequestBytes) {}

    void Start() {
      auto self = shared_from_this();
      timer.expires_after(kRequestDeadline);
      timer.async_wait([self](const error_code& ec) {
        if (!ec) self->Close();  // deadline passed: drop the client
      });
      asio::async_read_until(sock, buf, "\r\n\r\n",
                             [self](const error_code& ec, size_t) { self->OnRequest(ec); });
    }

    void OnRequest(const error_code& ec) {
      if (ec || closed) {  // includes "request larger than 8 KiB"
        Close();
        return;
      }
      std::istream in(&buf);
      std::string method, target;
      in >> method >> target;
      target = target.substr(0, target.find('?'));
      out = Answer(method, target);
      if (method == "HEAD") out.resize(out.find("\r\n\r\n") + 4);
      auto self = shared_from_this();
      asio::async_write(sock, asio::buffer(out), [self](const error_code&, size_t) { self->Close(); });
    }

    std::string Answer(const std::string& method, const std::string& target) {
      constexpr const char* kText = "text/plain; charset=utf-8";
      if (method != "GET" && method != "HEAD") {
        return Response(405, "Method Not Allowed", kText,
                        "only GET /metrics, /healthz and /readyz are served here\n");
      }
      if (target == "/metrics") {
        return Response(200, "OK", "text/plain; version=0.0.4; charset=utf-8", impl->render());
      }
      if (target == "/healthz") return Response(200, "OK", kText, "ok\n");
      if (target == "/readyz") {
        const std::string why = impl->not_ready ? impl->not_ready() : "";
        return why.empty() ? Response(200, "OK", kText, "ready\n")
                           : Response(503, "Service Unavailable", kText, "not ready: " + why + "\n");
      }
      return Response(404, "Not Found", kText,
                      "not found; Prometheus metrics are at /metrics, probes at /healthz and /readyz\n");
    }

    void Close() {
      if (closed) return;
      closed = true;
      timer.cancel();
      error_code ignored;
      sock.shutdown(tcp::socket::shutdown_both, ignored);
      sock.close(ignored);
      impl->conns.erase(shared_from_this());
    }

    Impl* impl;
    tcp::socket sock;
    asio::steady_timer timer;
    asio::streambuf buf;
    std::string out;
    bool closed = false;
  };

  void Accept() {
    acceptor.async_accept([this](const error_code& ec, tcp::socket s) {
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;  // stopping
        Accept();  // e.g. EMFILE: skip this client, keep serving
        return;
      }
      auto conn = std::make_shared<Conn>(this, std::move(s));
      conns.insert(conn);
      conn->Start();
      Accept();
    });
  }

  asio::io_context io;
  tcp::acceptor acceptor{io};
  tcp::endpoint bound;
  Render render;
  Readiness not_ready;
  std::set<std::shared_ptr<Conn>> conns;  // touched only on the io thread
  std::thread thread;
};

Result<std::unique_ptr<MetricsServer>> MetricsServer::Start(const std::string& listen,
                                                            Render render, Readiness not_ready) {
  auto parsed = config::ParseLoopbackListen(listen);
  if (!parsed.ok()) return parsed.status();
  error_code ec;
  asio::ip::address addr = asio::ip::make_address(parsed->ip, ec);
  if (ec) return Status::InvalidArgument("[metrics].listen '" + listen + "': " + ec.message());
  const int port = parsed->port;

  auto impl = std::make_unique<Impl>();
  impl->render = std::move(render);
  impl->not_ready = std::move(not_ready);
  tcp::endpoint ep(addr, static_cast<unsigned short>(port));
  impl->acceptor.open(ep.protocol(), ec);
  if (!ec) impl->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(ep, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) impl->bound = impl->acceptor.local_endpoint(ec);
  if (ec) {
    return Status::Unavailable("cannot listen for metrics on " + listen + ": " + ec.message() +
                               " (is another program using that port? change [metrics].listen)");
  }
  impl->Accept();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MetricsServer::~MetricsServer() {
  Impl* impl = impl_.get();
  // Closing on the io thread: handlers finish with operation_aborted, run() returns.
  asio::post(impl->io, [impl] {
    error_code ignored;
    impl->acceptor.close(ignored);
    auto open = impl->conns;  // Close() erases from the set
    for (const auto& c : open) c->Close();
  });
  if (impl->thread.joinable()) impl->thread.join();
}

int MetricsServer::port() const { return impl_->bound.port(); }

std::string MetricsServer::address() const {
  const auto& a = impl_->bound.address();
  return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(port());
}

}  // namespace qcflow::cli
