// HttpClient: the one libcurl easy handle the QATrack+ sink talks through.
//
// Promises:
//   - The handle is reused, so consecutive requests share a kept-alive connection.
//   - Every request carries "Authorization: Token <key>" (or "RadAuthorization: Token
//     <key>" for RadMachine) and "Accept: application/json"; redirects are not followed
//     (a 301 loses a POST body, a 307 is classified by the caller).
//   - The path of every URL ends with '/' (QATrack+ answers 301 otherwise).
//   - The token never appears in a returned message: anything curl says is redacted.
//   - A transport failure is reported as a TransportError class, telling apart failures
//     before the request went out from those after (an upload may then be stored).
//
// Thread safety: none; one client per sink thread.
#ifndef QCFLOW_EXPORT_QATRACK_HTTP_CLIENT_H_
#define QCFLOW_EXPORT_QATRACK_HTTP_CLIENT_H_

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "export/qatrack/outcome.h"
#include "store/status.h"

namespace qcflow::qatrack {

struct HttpClientOptions {
  std::string token;                   // REQUIRES: non-empty
  bool radmachine = false;             // send RadAuthorization instead of Authorization
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds request_timeout{60000};  // whole request, incl. the answer
  bool verify_ssl = true;              // off only for a lab server with a self-signed cert
  std::string ca_bundle;               // PEM file; empty: the system store
  std::string proxy;                   // e.g. "http://proxy:3128"; empty: none (env ignored)
};

struct HttpResponse {
  long status = 0;                     // 0 when error != kNone
  std::string body;
  TransportError error = TransportError::kNone;
  std::string error_message;           // curl's words, redacted; "" when none
};

// True when `api_url` points at RadMachine (contains "radformation", any case).
bool IsRadMachineUrl(std::string_view api_url);

// Adds a trailing '/' to the path of `url` (before any '?query').
std::string WithTrailingSlash(std::string_view url);

// Percent-encodes a query parameter value (RFC 3986 unreserved characters kept).
std::string UrlEncode(std::string_view value);

// Replaces every occurrence of `secret` in `text` with "<redacted>".
std::string Redact(std::string text, std::string_view secret);

// Whether `token` has the documented form, so it can only ever be one header
// value: QATrack+ 40 hexadecimal digits; RadMachine printable ASCII without
// whitespace. InvalidArgument saying which rule it breaks (never the token).
Status CheckTokenForm(std::string_view token, bool radmachine);

class HttpClient {
 public:
  // InvalidArgument when options.token is empty or fails CheckTokenForm.
  static Result<std::unique_ptr<HttpClient>> Create(const HttpClientOptions& options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResponse Get(const std::string& url);
  // POSTs `json_body` as application/json.
  HttpResponse PostJson(const std::string& url, const std::string& json_body);

 private:
  HttpClient(HttpClientOptions options, void* curl);
  HttpResponse Perform(const std::string& url, const std::string* post_body);

  HttpClientOptions options_;
  void* curl_;  // CURL*; kept opaque so dependents do not include curl.h
  std::string auth_header_;
};

// `url` without user:password@ and without a query or fragment: the form every
// message, log line and status record shows (a URL may carry credentials).
// The one redaction of URLs: whatever prints a configured URL goes through it.
std::string SafeUrl(std::string_view url);

}  // namespace qcflow::qatrack

#endif  // QCFLOW_EXPORT_QATRACK_HTTP_CLIENT_H_
