#include "export/qatrack/upload_payload.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "store/text_util.h"

namespace qcflow::qatrack {
namespace {

bool IsBlank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos;
}


}  // namespace

Result<std::string> BuildUploadPayload(const QcSession& session, std::string_view utc_url,
                                       std::string_view server_zone,
                                       const PayloadOptions& options) {
  if (IsBlank(session.user_key)) {
    return Status::InvalidArgument("session has a blank user_key; refusing to upload it");
  }
  if (Utf8Length(session.user_key) > 255) {  // characters (Django max_length), not bytes
    return Status::InvalidArgument("user_key '" + session.user_key.substr(0, 60) +
                                   "...' is longer than QATrack+'s 255 characters");
  }
  if (utc_url.empty()) return Status::InvalidArgument("no unit test collection url");
  if (session.work_completed < session.work_started) {
    return Status::InvalidArgument("session " + session.user_key +
                                   ": work_completed is before work_started");
  }
  auto started = FormatInZone(session.work_started, server_zone, kServerDateFormat);
  if (!started.ok()) return started.status().WithContext("formatting work_started");
  auto completed = FormatInZone(session.work_completed, server_zone, kServerDateFormat);
  if (!completed.ok()) return completed.status().WithContext("formatting work_completed");

  nlohmann::ordered_json body;
  body["unit_test_collection"] = std::string(utc_url);
  body["work_started"] = *started;
  body["work_completed"] = *completed;
  body["day"] = 0;
  body["user_key"] = session.user_key;
  if (options.include_comments && !IsBlank(session.comment)) body["comment"] = session.comment;
  body["in_progress"] = false;
  body["include_for_scheduling"] = true;

  nlohmann::ordered_json tests = nlohmann::ordered_json::object();
  for (const TestResult& t : session.tests) {
    nlohmann::ordered_json v;
    if (t.skipped || (!t.number && !t.text && !t.file)) {
      v["skipped"] = true;
    } else if (t.file) {
      // An upload test: the server stores the file under its real name.
      v["filename"] = t.file->filename;
      v["value"] = t.file->value;
      v["encoding"] = t.file->encoding;
    } else if (t.number) {
      // nlohmann writes NaN/inf as null, which QATrack+ rejects: bad data, say so.
      if (!std::isfinite(*t.number)) {
        return Status::InvalidArgument("test " + t.key + " of " + session.user_key +
                                       " has a non-finite value");
      }
      v["value"] = *t.number;
    } else {
      v["value"] = *t.text;
    }
    if (options.include_comments && !IsBlank(t.comment)) v["comment"] = t.comment;
    tests[t.key] = std::move(v);
  }
  for (const std::string& macro : options.extra_skipped) {
    if (!tests.contains(macro)) tests[macro] = {{"skipped", true}};
  }
  body["tests"] = std::move(tests);
  // Replace invalid UTF-8 rather than throw: text comes from files on a share.
  return body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace qcflow::qatrack
