// IcomReplayServer: a cheap loopback sender of simulator messages for
// throughput runs. LinacServer generates every message as it sends it, which
// costs about as much CPU as capturing and journaling it; on a 2-core machine
// the simulator would then measure itself. This server generates `pool`
// messages once (LinacGenerator, the same stream as LinacServer for the same
// seed) and sends them in a loop, moving each cycle's timestamps forward by
// the pool's time span so that every message stays distinct (its dedup key
// changes) and per-linac time keeps increasing. The pool is a multiple of 256
// messages, so the counter continues across cycles without a gap.
//
// One client at a time (the capture); FIN on Stop(). Loopback only.
#ifndef QCFLOW_BENCH_ICOM_REPLAY_H_
#define QCFLOW_BENCH_ICOM_REPLAY_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "ingest/icom/sim/linac_generator.h"
#include "store/status.h"

namespace qcflow::bench {

class IcomReplayServer {
 public:
  // Listens on 127.0.0.1 (any free port). pool is rounded up to a multiple of
  // 256; rate = messages/s (0: as fast as the client reads); messages = how
  // many to send before a FIN (0: unbounded).
  static Result<std::unique_ptr<IcomReplayServer>> Start(const icom::LinacGeneratorConfig& stream,
                                                         size_t pool, double rate,
                                                         uint64_t messages);
  ~IcomReplayServer();  // Stop()
  uint16_t port() const { return port_; }
  void Stop();
  uint64_t sent() const { return sent_.load(); }

 private:
  IcomReplayServer() = default;
  void Serve();
  bool SendAll(int fd, const std::string& bytes);

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  double rate_ = 0;
  uint64_t limit_ = 0;
  std::vector<std::string> pool_;
  std::vector<int64_t> times_;  // each pool message's timestamp, Unix seconds
  int64_t span_ = 0;            // seconds one cycle moves time forward
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> sent_{0};
  std::thread thread_;
};

}  // namespace qcflow::bench

#endif  // QCFLOW_BENCH_ICOM_REPLAY_H_
