// LinacServer: a loopback TCP server that streams LinacGenerator messages to
// every connected client, as an Elekta linac's NSS does on port 1706. It backs
// `qcflow simulate-linac` and the capture tests. Boost.Asio stays in the .cc.
//
// One generator feeds all clients (each gets the same bytes from the moment it
// connects). Generation starts when the first client connects, so a test that
// connects then reads N messages sees messages 0..N-1; at rate 0 it also
// pauses while no client is connected (no spinning). Faults, for the capture
// tests: close mid-message (FIN after half a message, every ~100 messages),
// stall (no bytes for stall_seconds, every ~100 messages), resend burst (a
// client connecting after the first gets the last messages again before live
// ones, like a linac after a listener restart); counter gaps and garbage come
// from the generator's faults. Sockets are always closed with a clean FIN
// (shutdown(send) then close), on Stop(), on SIGINT/SIGTERM when
// handle_signals, and after `messages`.
#ifndef QCFLOW_INGEST_ICOM_SIM_LINAC_SERVER_H_
#define QCFLOW_INGEST_ICOM_SIM_LINAC_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "ingest/icom/sim/linac_generator.h"
#include "store/status.h"

namespace qcflow::icom {

struct LinacServerOptions {
  std::string host = "127.0.0.1";  // loopback only (127.0.0.0/8 or ::1)
  uint16_t port = 1706;            // 0: any free port (see LinacServer::port)
  double rate = 4;                 // messages per second; 0 = as fast as clients read
  // The generator; generator.messages bounds the stream (0 = unbounded):
  // after the last one is written, clients get a FIN and Run() returns.
  LinacGeneratorConfig generator;
  bool fault_close_mid_message = false;
  bool fault_stall = false;
  double stall_seconds = 3;
  bool fault_resend_burst = false;
  size_t resend_burst = 32;  // messages re-sent to a reconnecting client
  bool handle_signals = false;  // stop cleanly on SIGINT/SIGTERM
  // Called from Run()'s thread once listening (e.g. to print the port).
  std::function<void(uint16_t port)> on_listening;
};

class LinacServer {
 public:
  // Binds and listens. InvalidArgument for a non-loopback host; IOError when
  // the port cannot be bound.
  static Result<std::unique_ptr<LinacServer>> Start(LinacServerOptions options);
  ~LinacServer();

  uint16_t port() const;
  // Serves until Stop(), a handled signal, or the end of the stream.
  Status Run();
  // Thread-safe; Run() returns soon after, every socket closed with a FIN.
  void Stop();

  struct Counters {
    uint64_t generated = 0, connections = 0;
  };
  Counters counters() const;  // REQUIRES: Run() has returned

 private:
  struct Impl;
  explicit LinacServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace qcflow::icom

#endif  // QCFLOW_INGEST_ICOM_SIM_LINAC_SERVER_H_
