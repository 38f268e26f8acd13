#include "process/common/text_template.h"

#include <algorithm>
#include <functional>

namespace qcflow {
namespace {

bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }
bool IsBlank(char c) { return c == ' ' || c == '\t'; }

std::string Quote(std::string_view tmpl) { return "template '" + std::string(tmpl) + "'"; }

// Walks `tmpl`, calling on_text for literal runs and on_var for each variable
// name. Stops at the first syntax error or the first non-OK on_var result.
Status Walk(std::string_view tmpl, const std::function<void(std::string_view)>& on_text,
            const std::function<Status(const std::string&)>& on_var) {
  size_t pos = 0;
  while (pos < tmpl.size()) {
    size_t open = tmpl.find('{', pos);
    while (open != std::string_view::npos && open + 1 < tmpl.size() &&
           tmpl[open + 1] != '{' && tmpl[open + 1] != '%' && tmpl[open + 1] != '#') {
      open = tmpl.find('{', open + 1);
    }
    if (open == std::string_view::npos || open + 1 >= tmpl.size()) {
      on_text(tmpl.substr(pos));
      return Status::OK();
    }
    on_text(tmpl.substr(pos, open - pos));
    if (tmpl[open + 1] != '{') {
      return Status::InvalidArgument(Quote(tmpl) + ": '" + std::string(tmpl.substr(open, 2)) +
                                     "' at position " + std::to_string(open) +
                                     " (Jinja blocks and comments) is not supported; use only "
                                     "{{ variable }}");
    }
    size_t close = tmpl.find("}}", open + 2);
    if (close == std::string_view::npos) {
      return Status::InvalidArgument(Quote(tmpl) + ": '{{' at position " + std::to_string(open) +
                                     " is never closed with '}}'");
    }
    std::string_view inner = tmpl.substr(open + 2, close - open - 2);
    while (!inner.empty() && IsBlank(inner.front())) inner.remove_prefix(1);
    while (!inner.empty() && IsBlank(inner.back())) inner.remove_suffix(1);
    if (inner.empty()) {
      return Status::InvalidArgument(Quote(tmpl) + ": empty '{{ }}' at position " +
                                     std::to_string(open));
    }
    if (!IsIdentStart(inner.front()) || !std::all_of(inner.begin(), inner.end(), IsIdentChar)) {
      return Status::InvalidArgument(Quote(tmpl) + ": '{{ " + std::string(inner) +
                                     " }}' is not a plain variable name; filters and "
                                     "expressions are not supported");
    }
    QCFLOW_RETURN_IF_ERROR(on_var(std::string(inner)));
    pos = close + 2;
  }
  return Status::OK();
}

template <typename Names>
Status Unknown(std::string_view tmpl, const std::string& name, const Names& known) {
  std::string list;
  for (const auto& k : known) {
    if (!list.empty()) list += ", ";
    list += k;
  }
  if (list.empty()) list = "(none)";
  return Status::InvalidArgument(Quote(tmpl) + ": unknown variable '" + name +
                                 "'; known variables: " + list);
}

}  // namespace

Result<std::string> RenderTemplate(std::string_view tmpl,
                                   const std::map<std::string, std::string>& vars) {
  std::string out;
  Status s = Walk(
      tmpl, [&](std::string_view text) { out.append(text); },
      [&](const std::string& name) {
        auto it = vars.find(name);
        if (it == vars.end()) {
          std::vector<std::string> known;
          for (const auto& [k, v] : vars) known.push_back(k);
          return Unknown(tmpl, name, known);
        }
        out.append(it->second);
        return Status::OK();
      });
  if (!s.ok()) return s;
  return out;
}

Status CheckTemplate(std::string_view tmpl, const std::vector<std::string>& known_var_names) {
  return Walk(
      tmpl, [](std::string_view) {},
      [&](const std::string& name) {
        if (std::find(known_var_names.begin(), known_var_names.end(), name) !=
            known_var_names.end()) {
          return Status::OK();
        }
        return Unknown(tmpl, name, known_var_names);
      });
}

Result<std::vector<std::string>> TemplateVariables(std::string_view tmpl) {
  std::vector<std::string> names;
  Status s = Walk(
      tmpl, [](std::string_view) {},
      [&](const std::string& name) {
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
        return Status::OK();
      });
  if (!s.ok()) return s;
  return names;
}

}  // namespace qcflow
