// QcSession -> QuAAC datapoints (issue 17, "QuAAC"): the mapping a QuAAC sink
// or `qcflow export quaac` applies to each session before writing a document.
#ifndef QCFLOW_EXPORT_QUAAC_QUAAC_SESSION_H_
#define QCFLOW_EXPORT_QUAAC_QUAAC_SESSION_H_

#include <string>
#include <string_view>
#include <vector>

#include "export/quaac/quaac_document.h"
#include "process/common/qc_session.h"
#include "store/status.h"

namespace qcflow::quaac {

struct SessionOptions {
  // The performer when a session names none; its email is also the named
  // performer's (a DQA3 signature has no address). REQUIRES: a valid email.
  User site_user;
  // `attach_source`: each datapoint carries the records its session was built
  // from (the Results.csv files of an MPC session, a DQA3 row, a TRF log) as
  // gzip attachments (quaac_archive.h).
  bool attach_source = false;
};

// Parameters every datapoint carries, so a document can be searched for an
// item (exactly once) and a value traced to its test.
inline constexpr std::string_view kSessionParameter = "qcflow_session";  // QcSession::user_key
inline constexpr std::string_view kKeyParameter = "qcflow_key";          // TestResult::key

// Appends one datapoint per value of `session`: measured and deviation tests,
// and context tests holding a number (DQA3 temperature, pressure); a file test
// becomes a datapoint whose value is the file name and whose attachment is the
// file. Skipped tests, reference tests (they are their measure's reference
// value) and text context (signature, device, ...) are not datapoints.
// `attachments` (e.g. the session's Results.csv, see MakeGzipAttachment) go on
// every datapoint of the session. On error `doc` is unchanged.
Status AppendSession(const QcSession& session, const SessionOptions& options,
                     const std::vector<Attachment>& attachments, Document* doc);

// The datapoint name of a test: its human name (the key when a format 1/2
// session has none), then " (<beam>)" when a beam parameter names one.
std::string DataPointName(const TestResult& t);

// An attachment of `bytes` as the reference writes one: base64 of gzip(bytes).
// `type` is free text (the extension, "csv"). IOError when zlib fails.
Result<Attachment> MakeGzipAttachment(std::string_view name, std::string_view bytes,
                                      std::string_view type, std::string_view comment = "");

}  // namespace qcflow::quaac

#endif  // QCFLOW_EXPORT_QUAAC_QUAAC_SESSION_H_
