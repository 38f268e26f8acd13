// Outcome: what one QATrack+ answer means for the outbox item it delivered.
//
// A pure function of (HTTP status, body, transport error) implementing the outcome
// table of shared/spec/qatrack-api.md. The sink acts on the result; nothing here does
// I/O, so every row is unit-tested with the literal bodies a real server sends.
#ifndef QCFLOW_EXPORT_QATRACK_OUTCOME_H_
#define QCFLOW_EXPORT_QATRACK_OUTCOME_H_

#include <string>
#include <string_view>
#include <vector>

namespace qcflow::qatrack {

// How a request failed below HTTP. "AfterSend": the connection was up and the request
// may have reached the server, so an upload may have been stored.
enum class TransportError {
  kNone = 0,
  kDns,                 // host or proxy name did not resolve
  kConnectFailed,       // refused / unreachable / connect timeout: nothing was sent
  kTimeoutBeforeSend,
  kTimeoutAfterSend,
  kResetBeforeSend,
  kResetAfterSend,      // reset or closed with no (complete) answer
  kTls,                 // handshake or certificate failure
  kOther,
};

const char* TransportErrorName(TransportError e);

struct Outcome {
  enum class Kind {
    kStored,         // 201: ack
    kAlreadyStored,  // 400 "user key already exists": stored earlier, ack
    kMissingTests,   // 400 "Missing data for tests: ...": autoskip `missing_tests`, re-post once
    kDeadLetter,     // other 400 / 403 / 404 / unexpected: needs a person; `message` says why
    kPauseAuth,      // 401: token rejected, pause the sink
    kRetrySoon,      // 307 from a network appliance
    kThrottled,      // 429: wait `throttle_seconds`
    kTransient,      // 5xx, timeout, reset, DNS: back off, keep pending
    kAmbiguous,      // timeout/reset after the request was sent: pre-check ?user_key=
  };
  Kind kind = Kind::kTransient;
  std::vector<std::string> missing_tests;  // kMissingTests only
  std::string message;                     // for logs and last_error; never a token
  int throttle_seconds = 0;                // kThrottled only
};

const char* OutcomeKindName(Outcome::Kind kind);

// Classifies the answer to POST /api/qa/testlistinstances/. With a transport error,
// `status` and `body` are ignored. REQUIRES: nothing; any bytes are accepted as body.
Outcome ClassifyUpload(long status, std::string_view body, TransportError error);

// Same table for GET lookups, where no answer is ambiguous (a GET stores nothing):
// kAmbiguous becomes kTransient, and 200 is kStored ("answered").
Outcome ClassifyLookup(long status, std::string_view body, TransportError error);

// "Request was throttled. Expected available in 12 seconds." -> 12; -1 if absent.
int ParseThrottleSeconds(std::string_view detail);

// The macros of "Missing data for tests: a, b" inside a non_field_errors string
// (findings joined by '\n'); empty when there is no such line.
std::vector<std::string> ParseMissingTests(std::string_view non_field_error);

}  // namespace qcflow::qatrack

#endif  // QCFLOW_EXPORT_QATRACK_OUTCOME_H_
