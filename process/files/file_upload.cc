#include "process/files/file_upload.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "process/common/text_template.h"
#include "store/content_hash.h"
#include "store/text_util.h"

namespace qcflow::files {
namespace {

constexpr size_t kMaxUserKeyChars = 255;

struct FileMeta {
  std::string dir, path, mode, encoding;
};

Result<FileMeta> ReadMeta(std::string_view meta) {
  auto j = nlohmann::json::parse(meta, nullptr, false);
  if (!j.is_object()) return Status::InvalidArgument("its meta is not a JSON object");
  FileMeta m;
  for (auto [field, out] : {std::pair{"dir", &m.dir}, std::pair{"path", &m.path},
                            std::pair{"mode", &m.mode}, std::pair{"encoding", &m.encoding}}) {
    auto it = j.find(field);
    if (it == j.end() || !it->is_string()) {
      return Status::InvalidArgument(std::string("its meta has no '") + field + "'");
    }
    *out = it->get<std::string>();
  }
  return m;
}

Result<FileValue> Value(const FileMeta& m, std::string_view bytes, const std::string& filename) {
  if (m.mode == "binary") return FileValue{filename, "base64", Base64(bytes)};
  auto text = TextToUtf8(bytes, m.encoding);
  if (!text.ok()) return text.status();
  return FileValue{filename, "text", std::move(*text)};
}

// The key, with the path's start dropped (at a character boundary) when too long.
std::string UserKey(const std::string& source, std::string path, const std::string& hex) {
  const std::string head = "qcflow/files/" + source + "/";
  const std::string tail = "/" + hex;
  while (!path.empty() && Utf8Length(head) + Utf8Length(path) + Utf8Length(tail) > kMaxUserKeyChars) {
    size_t cut = 1;
    while (cut < path.size() && (static_cast<unsigned char>(path[cut]) & 0xC0) == 0x80) ++cut;
    path.erase(0, cut);
  }
  std::string key = head + path + tail;
  if (Utf8Length(key) > kMaxUserKeyChars) key = "qcflow/files/" + hex;  // an absurd source name
  return key;
}

}  // namespace

const std::vector<std::string>& FileTemplateVariables() {
  static const std::vector<std::string> kVars = {"unit", "filename", "stem", "dir"};
  return kVars;
}

Result<QcSession> BuildFileUploadSession(uint64_t seq, const RecordView& record,
                                         const FileUploadOptions& options) {
  const std::string where = "file record " + std::to_string(seq);
  auto meta = ReadMeta(record.meta);
  if (!meta.ok()) return meta.status().WithContext(where);
  const std::string full = (std::filesystem::path(meta->dir) / meta->path).string();
  const std::string filename = std::filesystem::path(meta->path).filename().string();
  auto value = Value(*meta, record.payload, filename);
  if (!value.ok()) return value.status().WithContext(where + " (" + full + ")");

  QcSession s;
  s.source_kind = "files";
  s.source_id = options.source;
  s.procedure = "file upload";
  s.zone = options.zone;
  s.machine_names = {meta->dir};
  auto unit = FindUnit(options.units, s.machine_names);
  if (!unit) {
    return Status::InvalidArgument(where + " (" + full + "): its directory " + meta->dir +
                                   " has no unit in the source's dirs");
  }
  SetSessionUnit(*unit, &s);
  s.test_list_vars = {{"unit", unit->number ? std::to_string(*unit->number) : unit->name},
                      {"filename", filename},
                      {"stem", std::filesystem::path(filename).stem().string()},
                      {"dir", meta->dir}};
  auto list = RenderTemplate(options.test_list_template, s.test_list_vars);
  if (!list.ok()) return list.status().WithContext(where + ": test list name");
  s.test_list_name = std::move(*list);
  s.work_started = options.time_from_mtime ? record.event_time : record.capture_time;
  s.work_completed = s.work_started + kMicrosPerSecond;
  s.user_key = UserKey(options.source, meta->path, Fnv1a64Hex(record.dedup_key));

  TestResult t;
  t.key = options.macro;
  t.name = filename;
  t.file = std::move(*value);
  t.parameters = {{"dir", meta->dir}, {"path", meta->path}};
  s.tests.push_back(std::move(t));
  s.source_files = {full};
  s.source_seqs = {seq};
  QCFLOW_RETURN_IF_ERROR(ValidateQcSession(s).WithContext(where));
  return s;
}

}  // namespace qcflow::files
