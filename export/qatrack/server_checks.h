// ServerChecks: the questions `qcflow validate` and the daemon's token re-check ask a
// QATrack+ server before anything is uploaded (shared/spec/qatrack-api.md "Basics").
//
// Promises:
//   - Nothing is created: every request is a GET, except the upload-permission probe,
//     a POST of `{}` that the server refuses (400 field errors or 403) without storing.
//   - The token is checked on a route that needs one (units/units/?limit=1): the real
//     server answers /api/auth/ with 200 without any credentials.
//   - A 307 from a network appliance is retried a few times after a short sleep.
//   - Lookups keep only results whose field equals what was asked (a misspelt filter
//     returns every row).
//   - Messages start with "QATrack+ at <url>" (SafeUrl: no credentials) and never hold
//     the token. Codes: InvalidArgument = token rejected (401), Unavailable = not
//     reachable / 5xx, FailedPrecondition = anything else (403, 404, odd answers).
//
// Thread safety: none (the HttpClient is not).
#ifndef QCFLOW_EXPORT_QATRACK_SERVER_CHECKS_H_
#define QCFLOW_EXPORT_QATRACK_SERVER_CHECKS_H_

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "export/qatrack/http_client.h"
#include "store/status.h"

namespace qcflow::qatrack {

class ServerChecks {
 public:
  using Sleep = std::function<void(std::chrono::microseconds)>;
  // REQUIRES: `http` outlives this object; `api_url` is the API root without a
  // trailing '/'; `sleep` is callable.
  ServerChecks(HttpClient* http, std::string api_url, Sleep sleep);

  // GET units/units/?limit=1: OK when the token is accepted.
  Status CheckToken();

  // POST qa/testlistinstances/ `{}`: OK when the server answers 400 with field errors
  // (the token's user may upload); FailedPrecondition saying so for 403.
  Status CheckUploadPermission();

  struct Unit {
    long number = 0;
    std::string name;
    std::string serial_number;
    bool active = true;
  };
  // Units whose `field` ("serial_number", "name" or "number") equals `value`.
  Result<std::vector<Unit>> UnitsWith(const std::string& field, const std::string& value);

  struct Assignments {
    size_t active = 0;
    size_t inactive = 0;
  };
  // Assignments (unit test collections) of test list `test_list` to unit `unit_number`.
  Result<Assignments> AssignmentsOf(long unit_number, const std::string& test_list);

  // The test list named `name` as slug -> test type, its sublists' tests included;
  // nullopt when no test list has that name. More than one is FailedPrecondition.
  Result<std::optional<std::map<std::string, std::string>>> TestListTests(const std::string& name);

  const std::string& display_url() const { return display_url_; }

 private:
  // One request (GET when `post_body` is null), 307s retried; `what` names it in errors.
  Result<HttpResponse> Send(const std::string& url, const std::string* post_body,
                            const std::string& what);
  // GET a list route (all pages); the results, or why not.
  Result<std::vector<std::string>> List(const std::string& route, const std::string& what);
  Result<std::string> GetObject(const std::string& url, const std::string& what);
  Status Failure(const HttpResponse& r, const std::string& what) const;

  HttpClient* http_;
  std::string api_url_;
  std::string display_url_;
  Sleep sleep_;
};

}  // namespace qcflow::qatrack

#endif  // QCFLOW_EXPORT_QATRACK_SERVER_CHECKS_H_
