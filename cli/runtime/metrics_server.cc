#include "cli/runtime/metrics_server.h"

#include <boost/asio.hpp>

#include "cli/runtime/loopback_server.h"

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

// Declared before the connections that read it. `server` is last, so it is
// destroyed (joining the io thread) while `render` and `not_ready` still exist.
struct MetricsServer::Impl {
  Render render;
  Readiness not_ready;
  std::unique_ptr<LoopbackServer> server;
};

namespace {

// One scrape or probe: read the request head, answer, close.
class MetricsConnection : public LoopbackServer::Connection {
 public:
  MetricsConnection(LoopbackServer* server, tcp::socket s, const MetricsServer::Impl* impl)
      : Connection(server), impl(impl), sock(std::move(s)), timer(server->io()), buf(kMaxRequestBytes) {}

  void Start() override {
    auto self = std::static_pointer_cast<MetricsConnection>(shared_from_this());
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
    auto self = std::static_pointer_cast<MetricsConnection>(shared_from_this());
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

  void Close() override {
    if (closed) return;
    closed = true;
    timer.cancel();
    error_code ignored;
    sock.shutdown(tcp::socket::shutdown_both, ignored);
    sock.close(ignored);
    Forget();
  }

  const MetricsServer::Impl* impl;
  tcp::socket sock;
  asio::steady_timer timer;
  asio::streambuf buf;
  std::string out;
  bool closed = false;
};

}  // namespace

Result<std::unique_ptr<MetricsServer>> MetricsServer::Start(const std::string& listen,
                                                            Render render, Readiness not_ready) {
  auto impl = std::make_unique<Impl>();
  impl->render = std::move(render);
  impl->not_ready = std::move(not_ready);
  const Impl* raw = impl.get();
  auto server = LoopbackServer::Start(listen, "[metrics].listen", "metrics",
                                      [raw](LoopbackServer* s, tcp::socket sock) {
                                        return std::make_shared<MetricsConnection>(s, std::move(sock), raw);
                                      });
  if (!server.ok()) return server.status();
  impl->server = std::move(*server);
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MetricsServer::~MetricsServer() = default;

int MetricsServer::port() const { return impl_->server->port(); }

std::string MetricsServer::address() const { return impl_->server->address(); }

}  // namespace qcflow::cli
