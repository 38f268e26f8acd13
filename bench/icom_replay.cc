#include "bench/icom_replay.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "bench/icom_corpus.h"
#include "ingest/icom/icom_format.h"
#include "ingest/icom/encoder.h"

namespace qcflow::bench {

Result<std::unique_ptr<IcomReplayServer>> IcomReplayServer::Start(
    const icom::LinacGeneratorConfig& stream, size_t pool, double rate, uint64_t messages) {
  std::unique_ptr<IcomReplayServer> s(new IcomReplayServer());
  s->rate_ = rate;
  s->limit_ = messages;
  icom::LinacGeneratorConfig cfg = stream;
  cfg.messages = (pool + 255) / 256 * 256;
  icom::LinacGenerator generator(cfg);
  std::string m;
  while (generator.Next(&m)) {
    s->times_.push_back(IcomUnixSeconds(m, 0));
    s->pool_.push_back(std::move(m));
    m.clear();
  }
  if (s->pool_.empty()) return Status::InvalidArgument("replay pool is empty");
  s->span_ = s->times_.back() - s->times_.front() + 1;

  s->listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s->listen_fd_ < 0) return Status::IOError(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(s->listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(s->listen_fd_, 4) != 0 ||
      ::getsockname(s->listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return Status::IOError(std::string("listen on 127.0.0.1: ") + std::strerror(errno));
  }
  s->port_ = ntohs(addr.sin_port);
  IcomReplayServer* raw = s.get();
  s->thread_ = std::thread([raw] { raw->Serve(); });
  return s;
}

IcomReplayServer::~IcomReplayServer() {
  Stop();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void IcomReplayServer::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

bool IcomReplayServer::SendAll(int fd, const std::string& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    if (stop_) return false;
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) return false;
    off += size_t(n);
  }
  return true;
}

void IcomReplayServer::Serve() {
  using Clock = std::chrono::steady_clock;
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    // Messages go out in chunks of ~256 KiB (or one at a time when paced).
    std::string chunk;
    const Clock::time_point t0 = Clock::now();
    bool ok = true;
    uint64_t i = sent_.load();
    while (ok && !stop_ && (limit_ == 0 || i < limit_)) {
      const size_t k = size_t(i % pool_.size());
      const int64_t cycle = int64_t(i / pool_.size());
      std::string& m = pool_[k];
      if (cycle > 0) {
        const std::string ts = icom::FormatIcomTimestamp(times_[k] + cycle * span_);
        m.replace(icom::kTimestampOffset, icom::kTimestampSize, ts);
      }
      chunk += m;
      ++i;
      if (rate_ > 0) {
        const auto due = t0 + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(double(i) / rate_));
        ok = SendAll(fd, chunk);
        chunk.clear();
        sent_ = i;
        while (!stop_ && Clock::now() < due) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      } else if (chunk.size() >= (256u << 10)) {
        ok = SendAll(fd, chunk);
        chunk.clear();
        sent_ = i;
      }
    }
    if (ok && !chunk.empty()) ok = SendAll(fd, chunk);
    sent_ = i;
    ::shutdown(fd, SHUT_WR);  // FIN
    char drain[4096];
    pollfd q{fd, POLLIN, 0};
    while (::poll(&q, 1, 200) > 0 && ::recv(fd, drain, sizeof drain, 0) > 0) {
    }
    ::close(fd);
    if (limit_ && i >= limit_) return;
  }
}

}  // namespace qcflow::bench
