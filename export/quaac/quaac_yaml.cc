#include "export/quaac/quaac_yaml.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <regex>

#include "export/quaac/quaac_reader.h"

namespace qcflow::quaac {
namespace {

using nlohmann::json;

// Shortest text that reads back as `v`, always with a '.' before any exponent.
std::string FloatText(double v) {
  if (std::isnan(v)) return ".nan";
  if (std::isinf(v)) return v > 0 ? ".inf" : "-.inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, end);
  if (s.find('.') != std::string::npos) return s;
  const size_t e = s.find('e');
  if (e == std::string::npos) return s + ".0";
  return s.substr(0, e) + ".0" + s.substr(e);
}

void Emit(YAML::Emitter& out, const json& j) {
  switch (j.type()) {
    case json::value_t::object:
      out << YAML::BeginMap;
      for (auto it = j.begin(); it != j.end(); ++it) {
        out << YAML::Key << YAML::DoubleQuoted << it.key() << YAML::Value;
        Emit(out, it.value());
      }
      out << YAML::EndMap;
      break;
    case json::value_t::array:
      out << YAML::BeginSeq;
      for (const json& e : j) Emit(out, e);
      out << YAML::EndSeq;
      break;
    case json::value_t::string: out << YAML::DoubleQuoted << j.get<std::string>(); break;
    case json::value_t::boolean: out << (j.get<bool>() ? "true" : "false"); break;
    case json::value_t::number_integer: out << std::to_string(j.get<int64_t>()); break;
    case json::value_t::number_unsigned: out << std::to_string(j.get<uint64_t>()); break;
    case json::value_t::number_float: out << FloatText(j.get<double>()); break;
    default: out << YAML::Null; break;
  }
}

// YAML 1.2 core schema for a plain scalar.
json PlainScalar(const std::string& s) {
  static const std::regex kInt("[-+]?[0-9]+");
  static const std::regex kFloat("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (std::regex_match(s, kInt)) {
    int64_t v = 0;
    const char* b = s.data() + (s[0] == '+');
    auto [p, ec] = std::from_chars(b, s.data() + s.size(), v);
    if (ec == std::errc() && p == s.data() + s.size()) return v;
  }
  if (std::regex_match(s, kFloat)) return std::stod(s);
  if (s == ".nan" || s == ".NaN" || s == ".inf" || s == "-.inf" || s == "+.inf") {
    return s == ".nan" || s == ".NaN" ? NAN : (s[0] == '-' ? -INFINITY : INFINITY);
  }
  return s;
}

json ToJson(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      json o = json::object();
      for (const auto& kv : n) o[kv.first.Scalar()] = ToJson(kv.second);
      return o;
    }
    case YAML::NodeType::Sequence: {
      json a = json::array();
      for (const auto& e : n) a.push_back(ToJson(e));
      return a;
    }
    case YAML::NodeType::Scalar: return n.Tag() == "!" ? json(n.Scalar()) : PlainScalar(n.Scalar());
    default: return nullptr;
  }
}

}  // namespace

Result<std::string> WriteQuaacYaml(const Document& doc) {
  auto text = WriteQuaacJson(doc, -1);
  if (!text.ok()) return text.status();
  YAML::Emitter out;
  out.SetIndent(2);
  Emit(out, json::parse(*text));
  if (!out.good()) return Status::Internal("YAML emitter: " + out.GetLastError());
  return std::string(out.c_str()) + "\n";
}

Result<std::string> QuaacYamlToJson(std::string_view yaml) {
  try {
    return ToJson(YAML::Load(std::string(yaml))).dump();
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument("not YAML: line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

Result<Document> ReadQuaacYaml(std::string_view yaml) {
  auto text = QuaacYamlToJson(yaml);
  if (!text.ok()) return text.status();
  return ReadQuaacJson(*text);
}

}  // namespace qcflow::quaac
