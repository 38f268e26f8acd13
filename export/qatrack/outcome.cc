#include "export/qatrack/outcome.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "store/text_util.h"

namespace qcflow::qatrack {
namespace {

using nlohmann::json;
using Kind = Outcome::Kind;

constexpr size_t kMaxMessage = 1000;  // last_error is shown in status; keep it readable

std::string_view Trim(std::string_view s) { return TrimChars(s); }

std::string Clip(std::string s) {
  if (s.size() > kMaxMessage) s = s.substr(0, kMaxMessage) + "...";
  return s;
}

// DRF error values are strings, lists of strings, or nested objects; flatten them.
void Flatten(const json& v, std::vector<std::string>* out) {
  if (v.is_string()) {
    out->push_back(v.get<std::string>());
  } else if (v.is_array()) {
    for (const json& e : v) Flatten(e, out);
  } else if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      std::vector<std::string> inner;
      Flatten(it.value(), &inner);
      for (auto& m : inner) out->push_back(it.key() + ": " + m);
    }
  } else if (!v.is_null()) {
    out->push_back(v.dump());
  }
}

// "user_key: msg; non_field_errors: a / b" — newlines inside a finding become " / ".
std::string Describe(const json& errors) {
  std::vector<std::string> parts;
  Flatten(errors, &parts);
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += "; ";
    for (char c : p) {
      if (c == '\n') {
        out += " / ";
      } else {
        out.push_back(c);
      }
    }
  }
  return out;
}

Outcome Make(Kind kind, std::string message) {
  Outcome o;
  o.kind = kind;
  o.message = Clip(std::move(message));
  return o;
}

std::string Detail(std::string_view body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.contains("detail") && j["detail"].is_string()) {
    return j["detail"].get<std::string>();
  }
  return {};
}

bool AnyContains(const json& v, std::string_view needle) {
  std::vector<std::string> msgs;
  Flatten(v, &msgs);
  for (const auto& m : msgs) {
    if (m.find(needle) != std::string::npos) return true;
  }
  return false;
}

Outcome Classify400(std::string_view body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    return Make(Kind::kDeadLetter, "HTTP 400 with a non-JSON body: " +
                                       std::string(Trim(body.substr(0, 200))));
  }
  // Field errors hide cross-field ones, so a duplicate key is reported on its own.
  if (j.contains("user_key") && AnyContains(j["user_key"], "already exists")) {
    return Make(Kind::kAlreadyStored, "user_key already stored on the server");
  }
  if (j.size() == 1 && j.contains("non_field_errors")) {
    std::vector<std::string> msgs;
    Flatten(j["non_field_errors"], &msgs);
    std::string all;
    for (const auto& m : msgs) all += m + "\n";
    std::vector<std::string> missing = ParseMissingTests(all);
    // Autoskip only fixes missing data: any other finding (wrong value type, dates,
    // composite values) is bad data and goes to a person.
    bool only_missing = !missing.empty();
    size_t pos = 0;
    while (only_missing && pos < all.size()) {
      size_t nl = all.find('\n', pos);
      if (nl == std::string::npos) nl = all.size();
      std::string_view line = Trim(std::string_view(all).substr(pos, nl - pos));
      if (!line.empty() && line.rfind("Missing data for tests:", 0) != 0) only_missing = false;
      pos = nl + 1;
    }
    if (only_missing) {
      Outcome o = Make(Kind::kMissingTests, "HTTP 400: " + Describe(j));
      o.missing_tests = std::move(missing);
      return o;
    }
  }
  return Make(Kind::kDeadLetter, "HTTP 400: " + Describe(j));
}

}  // namespace

const char* TransportErrorName(TransportError e) {
  switch (e) {
    case TransportError::kNone: return "none";
    case TransportError::kDns: return "name resolution failed";
    case TransportError::kConnectFailed: return "connection failed";
    case TransportError::kTimeoutBeforeSend: return "timed out before the request was sent";
    case TransportError::kTimeoutAfterSend: return "timed out waiting for the answer";
    case TransportError::kResetBeforeSend: return "connection reset before the request was sent";
    case TransportError::kResetAfterSend: return "connection reset or closed before an answer";
    case TransportError::kTls: return "TLS handshake or certificate failure";
    case TransportError::kOther: return "transport error";
  }
  return "transport error";
}

const char* OutcomeKindName(Outcome::Kind kind) {
  switch (kind) {
    case Kind::kStored: return "stored";
    case Kind::kAlreadyStored: return "already stored";
    case Kind::kMissingTests: return "missing tests";
    case Kind::kDeadLetter: return "dead letter";
    case Kind::kPauseAuth: return "token rejected";
    case Kind::kRetrySoon: return "retry soon";
    case Kind::kThrottled: return "throttled";
    case Kind::kTransient: return "transient";
    case Kind::kAmbiguous: return "ambiguous";
  }
  return "?";
}

int ParseThrottleSeconds(std::string_view detail) {
  constexpr std::string_view kMarker = "available in ";
  size_t pos = detail.find(kMarker);
  if (pos == std::string_view::npos) return -1;
  std::string_view rest = detail.substr(pos + kMarker.size());
  int n = -1;
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), n);
  if (ec != std::errc() || n < 0) return -1;
  return n;
}

std::vector<std::string> ParseMissingTests(std::string_view text) {
  constexpr std::string_view kPrefix = "Missing data for tests:";
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = Trim(text.substr(pos, nl - pos));
    pos = nl + 1;
    if (line.rfind(kPrefix, 0) != 0) continue;
    std::string_view list = line.substr(kPrefix.size());
    size_t p = 0;
    while (p <= list.size()) {
      size_t comma = list.find(',', p);
      if (comma == std::string_view::npos) comma = list.size();
      std::string_view macro = Trim(list.substr(p, comma - p));
      if (!macro.empty()) out.emplace_back(macro);
      p = comma + 1;
    }
  }
  return out;
}

Outcome ClassifyUpload(long status, std::string_view body, TransportError error) {
  if (error != TransportError::kNone) {
    bool sent = error == TransportError::kTimeoutAfterSend ||
                error == TransportError::kResetAfterSend;
    return Make(sent ? Kind::kAmbiguous : Kind::kTransient, TransportErrorName(error));
  }
  const std::string code = "HTTP " + std::to_string(status);
  if (status == 201) return Make(Kind::kStored, code);
  if (status == 400) return Classify400(body);
  if (status == 401) {
    std::string d = Detail(body);
    return Make(Kind::kPauseAuth, code + ": token rejected" + (d.empty() ? "" : " (" + d + ")"));
  }
  if (status == 307) return Make(Kind::kRetrySoon, code + " from a network appliance");
  if (status == 429) {
    std::string d = Detail(body);
    int seconds = ParseThrottleSeconds(d);
    Outcome o = Make(Kind::kThrottled, code + ": " + (d.empty() ? "throttled" : d));
    o.throttle_seconds = seconds >= 0 ? seconds : 60;  // unparsable: be patient
    return o;
  }
  // 5xx bodies are HTML pages: say what happened, not the page.
  if (status >= 500 && status <= 599) return Make(Kind::kTransient, code + " (server error)");
  if (status == 408) return Make(Kind::kTransient, code + " (request timeout)");
  std::string d = Detail(body);
  if (status == 403 || status == 404) {
    return Make(Kind::kDeadLetter, code + (d.empty() ? "" : ": " + d));
  }
  // Anything else (301 login redirect, 405, 415, an unexpected 2xx) needs a person.
  return Make(Kind::kDeadLetter, code + " unexpected" + (d.empty() ? "" : ": " + d));
}

Outcome ClassifyLookup(long status, std::string_view body, TransportError error) {
  if (error == TransportError::kNone && status == 200) return Make(Kind::kStored, "HTTP 200");
  Outcome o = ClassifyUpload(status, body, error);
  if (o.kind == Kind::kAmbiguous) o.kind = Kind::kTransient;
  if (o.kind == Kind::kStored || o.kind == Kind::kAlreadyStored ||
      o.kind == Kind::kMissingTests) {
    o.kind = Kind::kDeadLetter;  // a GET has no such answers; unexpected
    o.message = "HTTP " + std::to_string(status) + " unexpected for a lookup";
  }
  return o;
}

}  // namespace qcflow::qatrack
