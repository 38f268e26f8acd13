#include "ingest/trf/columns.h"

#include <simdjson.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

namespace qcflow::trf {
namespace {

// The columns the value rules name (shared/spec/trf.md, "Values").
constexpr std::string_view kStepDose = "Step Dose/Actual Value (Mu)";
constexpr std::string_view kDoseRaw = "Dose/Raw value (1/64th Mu)";
constexpr std::string_view kLinacState = "Linac State/Actual Value (None)";
constexpr std::string_view kWedge = "Wedge Position/Actual Value (None)";
// From this column to the last of the table, numbers are tenths.
constexpr std::string_view kFirstTenth = "Step Gantry/Scaled Actual (deg)";

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

ValueRule RuleOf(std::string_view name, bool from_first_tenth) {
  if (name == kStepDose) return ValueRule::kTenth;
  if (name == kDoseRaw) return ValueRule::kUnsigned16;
  if (name == kLinacState) return ValueRule::kLinacState;
  if (name == kWedge) return ValueRule::kWedge;
  if (!from_first_tenth || StartsWith(name, "Table Isocentric/")) return ValueRule::kInteger;
  if (StartsWith(name, "Y2 Leaf ") && name.find("/Scaled Actual") != std::string_view::npos) {
    return ValueRule::kTenthNegated;
  }
  return ValueRule::kTenth;
}

template <typename Int>
bool ParseInt(std::string_view s, Int* v) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), *v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// "2240_111" -> (2240, 111).
bool ParseKey(std::string_view key, int16_t* item, int16_t* sub) {
  const size_t u = key.find('_');
  return u != std::string_view::npos && ParseInt(key.substr(0, u), item) &&
         ParseInt(key.substr(u + 1), sub);
}

Status ReadCodes(simdjson::dom::element root, const char* field, std::string_view where,
                 std::map<int32_t, std::string>* out) {
  simdjson::dom::object obj;
  if (root[field].get(obj) != simdjson::SUCCESS) {
    return Status::InvalidArgument(std::string(where) + ": no object \"" + field + "\"");
  }
  for (auto [key, value] : obj) {
    int32_t code;
    std::string_view name;
    if (!ParseInt(key, &code) || value.get(name) != simdjson::SUCCESS) {
      return Status::InvalidArgument(std::string(where) + ": \"" + field + "\" entry \"" +
                                     std::string(key) + "\" is not an integer code with a name");
    }
    (*out)[code] = std::string(name);
  }
  return Status::OK();
}

}  // namespace

Result<ColumnsTable> ColumnsTable::Parse(std::string_view json, std::string_view where) {
  const std::string w(where);
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (auto err = parser.parse(padded).get(root); err != simdjson::SUCCESS) {
    return Status::InvalidArgument(w + ": not JSON (" + simdjson::error_message(err) + ")");
  }
  simdjson::dom::object parts;
  if (root["item_part_names"].get(parts) != simdjson::SUCCESS) {
    return Status::InvalidArgument(w + ": no object \"item_part_names\"");
  }
  ColumnsTable t;
  bool from_first_tenth = false;
  std::vector<std::string_view> required = {kStepDose, kDoseRaw, kLinacState, kWedge, kFirstTenth};
  for (auto [key, value] : parts) {  // document order: the tenth rule depends on it
    int16_t item, sub;
    std::string_view name;
    if (!ParseKey(key, &item, &sub) || value.get(name) != simdjson::SUCCESS) {
      return Status::InvalidArgument(w + ": item_part_names entry \"" + std::string(key) +
                                     "\" is not \"<item>_<sub>\": \"<column name>\"");
    }
    if (name == kFirstTenth) from_first_tenth = true;
    std::erase(required, name);
    t.parts_[Key(item, sub)] = ColumnInfo{std::string(name), RuleOf(name, from_first_tenth)};
  }
  if (!required.empty()) {
    return Status::InvalidArgument(w + ": item_part_names lacks \"" + std::string(required[0]) +
                                   "\", which the value rules depend on");
  }
  QCFLOW_RETURN_IF_ERROR(ReadCodes(root, "linac_state_codes", where, &t.states_));
  QCFLOW_RETURN_IF_ERROR(ReadCodes(root, "wedge_codes", where, &t.wedges_));
  return t;
}

Result<ColumnsTable> ColumnsTable::Load(const std::string& path) {
  std::string text;
  QCFLOW_RETURN_IF_ERROR(ReadFileBytes(path, &text));
  return Parse(text, path);
}

Result<ColumnsTable> ColumnsTable::LoadInstalled() {
  auto path = FindColumnsFile();
  if (!path.ok()) return path.status();
  return Load(*path);
}

const ColumnInfo* ColumnsTable::Find(int16_t item, int16_t sub) const {
  auto it = parts_.find(Key(item, sub));
  return it == parts_.end() ? nullptr : &it->second;
}

Result<std::string> FindColumnsFile() {
  namespace fs = std::filesystem;
  const fs::path rel = fs::path("share") / "qcflow" / "trf" / "columns.json";
  std::vector<fs::path> tried;
  if (const char* dir = std::getenv("QCFLOW_DATA_DIR"); dir && *dir) {
    tried.push_back(fs::path(dir) / "trf" / "columns.json");
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    tried.push_back(exe.parent_path().parent_path() / rel);
    tried.push_back(exe.parent_path() / rel);
  }
  std::string list;
  for (const fs::path& p : tried) {
    if (fs::is_regular_file(p, ec)) return p.lexically_normal().string();
    list += (list.empty() ? "" : ", ") + p.lexically_normal().string();
  }
  return Status::NotFound("the TRF columns table (columns.json) is not installed; looked at: " +
                          list + ". Install it (cmake --install, or copy ingest/trf/columns.json "
                          "to <prefix>/share/qcflow/trf/) or set QCFLOW_DATA_DIR");
}

Status ReadFileBytes(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    std::string why = std::strerror(err);
    if (err == ENOENT) return Status::NotFound("cannot read " + path + ": " + why);
    return Status::IOError("cannot read " + path + ": " + why);
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return Status::InvalidArgument("cannot read " + path + ": it is a directory");
  }
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  out->resize(size > 0 ? static_cast<size_t>(size) : 0);
  if (size > 0 && !in.read(out->data(), size)) {
    return Status::IOError("cannot read " + path + ": read failed after " +
                           std::to_string(in.gcount()) + " bytes");
  }
  return Status::OK();
}

}  // namespace qcflow::trf
