// Upload payload: the JSON body of POST /api/qa/testlistinstances/ for one QcSession,
// exactly as QATrack+ 3.1 accepts it (see shared/spec/qatrack-api.md).
//
// Promises:
//   - work_started / work_completed are wall-clock times of the server's zone formatted
//     "%Y-%m-%d %H:%M:%S" (QATrack+ reads every time in its own zone and rejects ISO
//     8601 with an offset or a bare 'T').
//   - Numeric tests are JSON numbers, string tests {"value": "..."}, file tests
//     {"filename", "value", "encoding": "text"|"base64"}, tests without a
//     value {"skipped": true}; "day" is 0, "in_progress" false,
//     "include_for_scheduling" true.
//   - Comments (list-level and per test) are sent only with include_comments: any
//     comment cancels QATrack+'s auto-review for what it covers.
//   - A blank user_key is an error, never sent (a second blank key crashes the server).
//   - The QATrack+ macro of a test is its `key` (QCPump's macro); the rest of the
//     session's neutral description (names, units, roles, parameters) is not
//     sent: QATrack+ knows its tests by macro only.
#ifndef QCFLOW_EXPORT_QATRACK_UPLOAD_PAYLOAD_H_
#define QCFLOW_EXPORT_QATRACK_UPLOAD_PAYLOAD_H_

#include <string>
#include <string_view>
#include <vector>

#include "process/common/qc_session.h"
#include "store/status.h"

namespace qcflow::qatrack {

struct PayloadOptions {
  bool include_comments = false;
  // Macros to send as {"skipped": true} in addition to the session's tests: QCPump's
  // "autoskip" after the server answered "Missing data for tests: ...". A macro the
  // session already has keeps its value.
  std::vector<std::string> extra_skipped;
};

// Returns the JSON body. `utc_url` is the resolved unit test collection hyperlink;
// `server_zone` an IANA zone name ("UTC" or "" for UTC).
// Errors (InvalidArgument): blank or over-long user_key, work_completed before
// work_started, a non-finite number, an unknown zone, an empty utc_url.
Result<std::string> BuildUploadPayload(const QcSession& session, std::string_view utc_url,
                                       std::string_view server_zone,
                                       const PayloadOptions& options = {});

// The date format QATrack+ is sent ("2020-06-25 07:11:30").
inline constexpr std::string_view kServerDateFormat = "%Y-%m-%d %H:%M:%S";

}  // namespace qcflow::qatrack

#endif  // QCFLOW_EXPORT_QATRACK_UPLOAD_PAYLOAD_H_
