#include "process/mpc/run_record.h"

#include <simdjson.h>

namespace qcflow::mpc::internal {

MpcMeta ReadMeta(std::string_view meta) {
  thread_local simdjson::dom::parser parser;  // parse nodes run on many threads
  simdjson::dom::element doc;
  MpcMeta m;
  if (parser.parse(meta.data(), meta.size()).get(doc) != simdjson::SUCCESS) return m;
  std::string_view v;
  if (doc["path"].get_string().get(v) == simdjson::SUCCESS) m.path = v;
  if (doc["folder"].get_string().get(v) == simdjson::SUCCESS) m.folder = v;
  bool complete = false;
  if (doc["complete"].get_bool().get(complete) == simdjson::SUCCESS) m.complete = complete;
  return m;
}

// Only for records journaled before the scanner wrote meta.folder: the run
// folder name derived from the dedup key "<run folder>/<content hash>"; when it
// holds a path instead, or no '/', from meta.path's parent folder.
namespace {

std::string FolderOfRecordWithoutMetaFolder(std::string_view dedup_key, std::string_view path) {
  size_t slash = dedup_key.rfind('/');
  if (slash != std::string_view::npos && slash > 0 &&
      dedup_key.substr(0, slash).find('/') == std::string_view::npos) {
    return std::string(dedup_key.substr(0, slash));
  }
  std::string_view p = path;
  size_t file = p.find_last_of("/\\");
  if (file == std::string_view::npos) return std::string(dedup_key.substr(0, slash));
  p = p.substr(0, file);
  size_t parent = p.find_last_of("/\\");
  return std::string(parent == std::string_view::npos ? p : p.substr(parent + 1));
}

}  // namespace

Result<ParsedRun> ParseRecord(std::string_view dedup_key, std::string_view meta,
                              std::string_view payload, TableWanted wanted) {
  ParsedRun p;
  MpcMeta m = ReadMeta(meta);
  p.path = std::move(m.path);
  const std::string folder_name =
      m.folder.empty() ? FolderOfRecordWithoutMetaFolder(dedup_key, p.path) : std::move(m.folder);
  auto folder = ParseRunFolder(folder_name);
  if (!folder.ok()) {
    return Status::InvalidArgument("run folder name not understood: " + folder.status().message());
  }
  if (m.complete && wanted == TableWanted::kUnlessComplete) {
    p.folder = std::move(*folder);
    return p;
  }
  auto table = ParseResultsCsv(payload, PerLeafRows::kDrop);
  if (!table.ok()) {
    return Status::InvalidArgument("Results.csv not readable: " + table.status().message());
  }
  // The source quarantines incomplete files; records journaled before it did are refused here.
  QCFLOW_RETURN_IF_ERROR(CheckComplete(*table));
  p.folder = std::move(*folder);
  p.table.rows = std::move(table->rows);
  p.table.rows.shrink_to_fit();
  p.has_table = true;
  return p;
}

}  // namespace qcflow::mpc::internal
