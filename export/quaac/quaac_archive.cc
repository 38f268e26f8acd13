#include "export/quaac/quaac_archive.h"

#include <set>

#include "export/quaac/quaac_reader.h"
#include "export/quaac/quaac_yaml.h"

namespace qcflow::quaac {
namespace {

// The attachments of `s`'s source records (see QuaacArchiveFormat).
Result<std::vector<Attachment>> SourceAttachments(const QcSession& s, const archive::SourceReader& read) {
  std::vector<Attachment> out;
  if (s.source_kind == "icom") return out;
  const std::string type = s.source_kind == "mpc" ? "csv" : s.source_kind == "trf" ? "trf" : "json";
  for (size_t i = 0; i < s.source_seqs.size(); ++i) {
    const uint64_t seq = s.source_seqs[i];
    auto bytes = read(seq);
    if (!bytes.ok()) return bytes.status().WithContext("attach_source");
    const std::string name = i < s.source_files.size() && !s.source_files[i].empty()
                                 ? s.source_files[i]
                                 : s.source_kind + "-record-" + std::to_string(seq) + "." + type;
    auto a = MakeGzipAttachment(name, *bytes, type, "journal record " + std::to_string(seq));
    if (!a.ok()) return a.status();
    out.push_back(std::move(*a));
  }
  return out;
}

class QuaacArchiveDocument : public archive::ArchiveDocument {
 public:
  QuaacArchiveDocument(Document doc, SessionOptions options, Encoding encoding)
      : doc_(std::move(doc)), options_(std::move(options)), encoding_(encoding) {
    for (const DataPoint& dp : doc_.datapoints) {
      auto it = dp.parameters.find(std::string(kSessionParameter));
      if (it != dp.parameters.end()) sessions_.insert(it->second);
    }
  }
  bool Holds(const QcSession& s) const override { return sessions_.count(s.user_key) > 0; }
  Status Append(const QcSession& s, const archive::SourceReader& sources) override {
    std::vector<Attachment> attachments;
    if (options_.attach_source) {
      auto a = SourceAttachments(s, sources);
      if (!a.ok()) return a.status();
      attachments = std::move(*a);
    }
    QCFLOW_RETURN_IF_ERROR(AppendSession(s, options_, attachments, &doc_));
    sessions_.insert(s.user_key);
    return Status::OK();
  }
  Result<std::string> Text() const override {
    return encoding_ == Encoding::kYaml ? WriteQuaacYaml(doc_) : WriteQuaacJson(doc_);
  }

 private:
  Document doc_;
  SessionOptions options_;
  Encoding encoding_;
  std::set<std::string> sessions_;  // the qcflow_session parameters present
};

}  // namespace

archive::ArchiveFormat QuaacArchiveFormat(SessionOptions options, Encoding encoding) {
  archive::ArchiveFormat f;
  f.name = encoding == Encoding::kYaml ? "QuAAC (YAML)" : "QuAAC";
  f.extension = encoding == Encoding::kYaml ? kQuaacYamlExtension : kQuaacExtension;
  f.open = [options, encoding](std::optional<std::string_view> text)
      -> Result<std::unique_ptr<archive::ArchiveDocument>> {
    Document doc;
    if (text) {
      auto read = encoding == Encoding::kYaml ? ReadQuaacYaml(*text) : ReadQuaacJson(*text);
      if (!read.ok()) return read.status();
      doc = std::move(*read);
    }
    return std::unique_ptr<archive::ArchiveDocument>(
        std::make_unique<QuaacArchiveDocument>(std::move(doc), options, encoding));
  };
  return f;
}

}  // namespace qcflow::quaac
