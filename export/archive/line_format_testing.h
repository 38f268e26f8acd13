// Test-only: a tiny archive format for the archive sink's tests — one line per
// session, its user_key. A line starting with '!' makes the document invalid;
// a session whose user_key starts with "refuse" is refused.
#ifndef QCFLOW_EXPORT_ARCHIVE_LINE_FORMAT_TESTING_H_
#define QCFLOW_EXPORT_ARCHIVE_LINE_FORMAT_TESTING_H_

#include <set>
#include <sstream>

#include "export/archive/archive_format.h"

namespace qcflow::archive::testing {

class LineDocument : public ArchiveDocument {
 public:
  explicit LineDocument(std::string text) : text_(std::move(text)) {
    std::istringstream in(text_);
    for (std::string line; std::getline(in, line);) keys_.insert(line);
  }
  bool Holds(const QcSession& s) const override { return keys_.count(s.user_key) > 0; }
  Status Append(const QcSession& s, const SourceReader&) override {
    if (s.user_key.rfind("refuse", 0) == 0) return Status::InvalidArgument("refused " + s.user_key);
    text_ += s.user_key + "\n";
    keys_.insert(s.user_key);
    return Status::OK();
  }
  Result<std::string> Text() const override { return text_; }

 private:
  std::string text_;
  std::set<std::string> keys_;
};

inline ArchiveFormat LineFormat() {
  ArchiveFormat f;
  f.name = "Lines";
  f.extension = ".txt";
  f.open = [](std::optional<std::string_view> text) -> Result<std::unique_ptr<ArchiveDocument>> {
    std::string t = text ? std::string(*text) : "";
    if (!t.empty() && (t[0] == '!' || t.find("\n!") != std::string::npos)) {
      return Status::InvalidArgument("a line starts with '!'");
    }
    return std::unique_ptr<ArchiveDocument>(std::make_unique<LineDocument>(std::move(t)));
  };
  return f;
}

// A session of machine `serial` at `utc` (UTC µs), zone `zone`.
inline QcSession LineSession(const std::string& key, const std::string& serial, MicrosUtc utc,
                             const std::string& zone = "UTC") {
  QcSession s;
  s.source_kind = "mpc";
  s.machine.serial = serial;
  s.user_key = key;
  s.zone = zone;
  s.work_started = s.work_completed = utc;
  return s;
}

}  // namespace qcflow::archive::testing

#endif  // QCFLOW_EXPORT_ARCHIVE_LINE_FORMAT_TESTING_H_
