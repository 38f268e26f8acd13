#include "export/quaac/quaac_archive.h"

#include <set>

#include "export/quaac/quaac_reader.h"

namespace qcflow::quaac {
namespace {

class QuaacArchiveDocument : public archive::ArchiveDocument {
 public:
  QuaacArchiveDocument(Document doc, SessionOptions options)
      : doc_(std::move(doc)), options_(std::move(options)) {
    for (const DataPoint& dp : doc_.datapoints) {
      auto it = dp.parameters.find(std::string(kSessionParameter));
      if (it != dp.parameters.end()) sessions_.insert(it->second);
    }
  }
  bool Holds(const QcSession& s) const override { return sessions_.count(s.user_key) > 0; }
  Status Append(const QcSession& s) override {
    QCFLOW_RETURN_IF_ERROR(AppendSession(s, options_, {}, &doc_));
    sessions_.insert(s.user_key);
    return Status::OK();
  }
  Result<std::string> Text() const override { return WriteQuaacJson(doc_); }

 private:
  Document doc_;
  SessionOptions options_;
  std::set<std::string> sessions_;  // the qcflow_session parameters present
};

}  // namespace

archive::ArchiveFormat QuaacArchiveFormat(SessionOptions options) {
  archive::ArchiveFormat f;
  f.name = "QuAAC";
  f.extension = kQuaacExtension;
  f.open = [options](std::optional<std::string_view> text)
      -> Result<std::unique_ptr<archive::ArchiveDocument>> {
    Document doc;
    if (text) {
      auto read = ReadQuaacJson(*text);
      if (!read.ok()) return read.status();
      doc = std::move(*read);
    }
    return std::unique_ptr<archive::ArchiveDocument>(
        std::make_unique<QuaacArchiveDocument>(std::move(doc), options));
  };
  return f;
}

}  // namespace qcflow::quaac
