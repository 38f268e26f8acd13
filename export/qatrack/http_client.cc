#include "export/qatrack/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace qcflow::qatrack {
namespace {

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Did the failure happen once the connection was up (so the server may have the
// request)? PRETRANSFER is reached after connect and TLS, right before sending.
bool PastConnect(CURL* curl) {
  curl_off_t pretransfer = 0;
  if (curl_easy_getinfo(curl, CURLINFO_PRETRANSFER_TIME_T, &pretransfer) != CURLE_OK) return true;
  return pretransfer > 0;
}

TransportError Classify(CURL* curl, CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return TransportError::kDns;
    case CURLE_COULDNT_CONNECT:
      return TransportError::kConnectFailed;
    case CURLE_OPERATION_TIMEDOUT:
      return PastConnect(curl) ? TransportError::kTimeoutAfterSend
                               : TransportError::kTimeoutBeforeSend;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
      return PastConnect(curl) ? TransportError::kResetAfterSend
                               : TransportError::kResetBeforeSend;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      return TransportError::kTls;
    default:
      return TransportError::kOther;
  }
}

}  // namespace

bool IsRadMachineUrl(std::string_view api_url) {
  std::string lower;
  for (char c : api_url) lower.push_back(char(std::tolower(static_cast<unsigned char>(c))));
  return lower.find("radformation") != std::string::npos;
}

std::string WithTrailingSlash(std::string_view url) {
  size_t q = url.find('?');
  std::string_view path = url.substr(0, q);
  std::string out(path);
  if (out.empty() || out.back() != '/') out.push_back('/');
  if (q != std::string_view::npos) out.append(url.substr(q));
  return out;
}

std::string UrlEncode(std::string_view value) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(char(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string Redact(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  for (size_t pos = text.find(secret); pos != std::string::npos;
       pos = text.find(secret, pos + 10)) {
    text.replace(pos, secret.size(), "<redacted>");
  }
  return text;
}

Status CheckTokenForm(std::string_view token, bool radmachine) {
  for (unsigned char c : token) {
    if (c < 0x20 || c == 0x7f) {
      return Status::InvalidArgument("contains a line break or another control character");
    }
  }
  if (radmachine) {
    for (unsigned char c : token) {
      if (c == ' ' || c > 0x7e) {
        return Status::InvalidArgument("must be printable ASCII without spaces (a RadMachine API token)");
      }
    }
    return Status::OK();
  }
  const bool hex = std::all_of(token.begin(), token.end(),
                               [](unsigned char c) { return std::isxdigit(c) != 0; });
  if (token.size() != 40 || !hex) {
    return Status::InvalidArgument("is not a QATrack+ API token: it must be 40 hexadecimal characters "
                                   "(it has " + std::to_string(token.size()) + " characters" +
                                   (hex ? "" : ", not all hexadecimal") + ")");
  }
  return Status::OK();
}

Result<std::unique_ptr<HttpClient>> HttpClient::Create(const HttpClientOptions& options) {
  if (options.token.empty()) return Status::InvalidArgument("no QATrack+ API token configured");
  if (Status form = CheckTokenForm(options.token, options.radmachine); !form.ok()) {
    return Status::InvalidArgument("the API token " + form.message());
  }
  GlobalInitOnce();
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return Status::Internal("curl_easy_init failed");
  return std::unique_ptr<HttpClient>(new HttpClient(options, curl));
}

HttpClient::HttpClient(HttpClientOptions options, void* curl)
    : options_(std::move(options)), curl_(curl) {
  auth_header_ = std::string(options_.radmachine ? "RadAuthorization" : "Authorization") +
                 ": Token " + options_.token;
}

HttpClient::~HttpClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

HttpResponse HttpClient::Get(const std::string& url) { return Perform(url, nullptr); }

HttpResponse HttpClient::PostJson(const std::string& url, const std::string& json_body) {
  return Perform(url, &json_body);
}

HttpResponse HttpClient::Perform(const std::string& url, const std::string* post_body) {
  CURL* curl = static_cast<CURL*>(curl_);
  // Reset options but keep the connection cache: the next request reuses the socket.
  curl_easy_reset(curl);
  HttpResponse resp;
  char errbuf[CURL_ERROR_SIZE] = {0};
  const std::string full_url = WithTrailingSlash(url);
  curl_easy_setopt(curl, CURLOPT_URL, full_url.c_str());
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, long(options_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, long(options_.request_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, options_.verify_ssl ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, options_.verify_ssl ? 2L : 0L);
  if (!options_.ca_bundle.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_bundle.c_str());
  // An explicit empty proxy disables http_proxy & co from the environment: the
  // configured proxy is the only one used.
  curl_easy_setopt(curl, CURLOPT_PROXY, options_.proxy.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &resp.body);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "qcflow");

  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, auth_header_.c_str());
  headers = curl_slist_append(headers, "Accept: application/json");
  if (post_body != nullptr) {
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, post_body->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(post_body->size()));
  } else {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

  CURLcode rc = curl_easy_perform(curl);
  if (rc == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp.status);
  } else {
    resp.error = Classify(curl, rc);
    std::string msg = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
    resp.error_message = Redact(std::move(msg), options_.token);
    resp.body.clear();
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(headers);
  return resp;
}

std::string SafeUrl(std::string_view url) {
  std::string out(url);
  const size_t scheme = out.find("://");
  const size_t host = scheme == std::string::npos ? 0 : scheme + 3;
  // Credentials end at the last '@' anywhere: a password written with an
  // unescaped '/', '?', '#' or '@' must not leak in part. (This may drop more
  // of an odd URL than needed; it is only what messages show.)
  const size_t at = out.rfind('@');
  if (at != std::string::npos && at >= host) out.erase(host, at + 1 - host);
  return out.substr(0, out.find_first_of("?#", host));
}

}  // namespace qcflow::qatrack
