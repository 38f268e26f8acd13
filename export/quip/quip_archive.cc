#include "export/quip/quip_archive.h"

#include <algorithm>

#include "export/quip/quip_document.h"
#include "export/quip/quip_reader.h"

namespace qcflow::quip {
namespace {

bool SameMachine(const Machine& a, const Machine& b) {
  return a.serial == b.serial && a.alternate_keys == b.alternate_keys && a.configuration == b.configuration;
}

class QuipArchiveDocument : public archive::ArchiveDocument {
 public:
  explicit QuipArchiveDocument(Document doc) : doc_(std::move(doc)) {}
  bool Holds(const QcSession& s) const override {
    Document one;
    if (!AppendSession(s, &one).ok() || one.machines.size() != 1 || one.machines[0].tests.size() != 1) {
      return false;
    }
    const Machine& wanted = one.machines[0];
    return std::any_of(doc_.machines.begin(), doc_.machines.end(), [&](const Machine& m) {
      return SameMachine(m, wanted) &&
             std::find(m.tests.begin(), m.tests.end(), wanted.tests[0]) != m.tests.end();
    });
  }
  Status Append(const QcSession& s, const archive::SourceReader&) override { return AppendSession(s, &doc_); }
  Result<std::string> Text() const override { return WriteQuipJson(doc_); }

 private:
  Document doc_;
};

}  // namespace

archive::ArchiveFormat QuipArchiveFormat() {
  archive::ArchiveFormat f;
  f.name = "QUIP";
  f.extension = kQuipExtension;
  f.open = [](std::optional<std::string_view> text) -> Result<std::unique_ptr<archive::ArchiveDocument>> {
    Document doc;
    if (text) {
      auto read = ReadQuipJson(*text);
      if (!read.ok()) return read.status();
      doc = std::move(*read);
    }
    return std::unique_ptr<archive::ArchiveDocument>(std::make_unique<QuipArchiveDocument>(std::move(doc)));
  };
  return f;
}

}  // namespace qcflow::quip
