#include "process/component/config_table.h"

#include <sys/stat.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace qcflow::component {

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// "is readable by others (mode 644); run: chmod 600 FILE" when group or
// others may read a file holding a secret, else "".
std::string ExposedFile(const std::string& path, unsigned mode) {
  if (!(mode & 077)) return "";
  char octal[8];
  std::snprintf(octal, sizeof octal, "%03o", unsigned(mode & 0777));
  return std::string("is readable by others (mode ") + octal + "); run: chmod 600 " + path;
}

// A secret kept in its own file (`key` = "token_file", "password_file"):
// refused when others may read it, when it is not a file, or empty.
Status ReadSecretFile(const std::string& key, const std::string& path, std::string* secret) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return Status::NotFound(key + " " + path + " does not exist");
  if (S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument(key + " " + path + " is a directory; " + key +
                                   " must name a file that holds only the secret");
  }
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(key + " " + path + " is not a regular file; " + key +
                                   " must name a file that holds only the secret");
  }
  if (std::string exposed = ExposedFile(path, st.st_mode); !exposed.empty()) {
    return Status::InvalidArgument(key + " " + path + " " + exposed);
  }
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in) return Status::IOError("cannot read " + key + " " + path);
  *secret = Trim(ss.str());
  if (secret->empty()) {
    return Status::InvalidArgument(key + " " + path + " is empty; write the secret into it (one line)");
  }
  return Status::OK();
}

void ReadSecret(ConfigTable& r, const toml::table& t, const std::string& what,
                const std::string& section, bool required, std::string* out, std::string* origin) {
  std::string value, env, file;
  r.Str(what, &value);
  r.Str(what + "_env", &env);
  r.Str(what + "_file", &file);
  const int given = !value.empty() + !env.empty() + !file.empty();
  std::string from = value.empty() ? "" : what + " in " + r.file();
  if (given > 1 || (required && given == 0)) {
    r.Error(nullptr, section + " needs " + (required ? "exactly" : "at most") + " one of " + what +
                         ", " + what + "_env or " + what + "_file (" + what +
                         "_file with mode 0600 is recommended)");
  } else if (!env.empty()) {
    from = "the environment variable " + env + " (" + what + "_env)";
    const char* v = std::getenv(env.c_str());
    if (!v || !*v) {
      r.Error(t.get(what + "_env"), "environment variable " + env + " is not set or empty");
    } else {
      value = Trim(v);
    }
  } else if (!file.empty()) {
    from = what + "_file " + file;
    if (Status st = ReadSecretFile(what + "_file", file, &value); !st.ok()) {
      r.Error(t.get(what + "_file"), st.message());
    }
  }
  *out = value;
  if (origin) *origin = from;
}

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  const std::string s = Trim(std::string(text));
  const std::string bad = "not a duration: '" + s + "'";
  size_t i = 0, dots = 0;
  while (i < s.size() && (std::isdigit(uint8_t(s[i])) || s[i] == '.')) dots += s[i++] == '.';
  if (i == 0 || dots > 1 || s[0] == '.' || s[i - 1] == '.') return Status::InvalidArgument(bad);
  const double n = std::strtod(s.substr(0, i).c_str(), nullptr);
  const std::string unit = Trim(s.substr(i));
  double ms;
  if (unit.empty() || unit == "s") ms = n * 1000;
  else if (unit == "ms") ms = n;
  else if (unit == "m" || unit == "min") ms = n * 60'000;
  else if (unit == "h") ms = n * 3'600'000;
  else if (unit == "d") ms = n * 86'400'000;
  else return Status::InvalidArgument("unknown duration unit '" + unit + "'; use ms, s, m, h or d");
  // Checked before the conversion: a huge number must not wrap to a tiny one.
  if (!(ms <= double(kMaxDuration.count()))) {
    return Status::InvalidArgument("duration '" + s + "' is longer than " + FormatDuration(kMaxDuration));
  }
  return std::chrono::milliseconds(int64_t(ms));
}

std::string FormatDuration(std::chrono::milliseconds d) {
  static const std::pair<int64_t, const char*> kUnits[] = {
      {86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}};
  const int64_t ms = d.count();
  for (const auto& [size, name] : kUnits) {
    if (ms != 0 && ms % size == 0) return std::to_string(ms / size) + name;
  }
  return ms == 0 ? "0s" : std::to_string(ms) + "ms";
}

std::string NearestWord(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = std::max<size_t>(2, word.size() / 3) + 1;
  for (const std::string& c : candidates) {
    std::vector<size_t> prev(c.size() + 1), cur(c.size() + 1);
    for (size_t j = 0; j <= c.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= word.size(); ++i) {
      cur[0] = i;
      for (size_t j = 1; j <= c.size(); ++j) {
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (word[i - 1] != c[j - 1])});
      }
      std::swap(prev, cur);
    }
    if (prev[c.size()] < best_d) {
      best_d = prev[c.size()];
      best = c;
    }
  }
  return best;
}

}  // namespace qcflow::component
