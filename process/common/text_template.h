// Test-list name templates: "MPC: {{ check_type }}" rendered per session.
//
// QCPump renders these with Jinja2 and StrictUndefined; qcflow supports the part
// clinics actually use — plain variables, `{{ name }}` with optional whitespace
// inside the braces — and rejects the rest with a message instead of guessing:
// an unknown variable, an unterminated "{{", a filter or expression
// ("{{ x|upper }}"), or a Jinja block/comment ("{%", "{#"). Everything outside
// the braces is copied verbatim, including a lone "}}".
#ifndef QCFLOW_PROCESS_COMMON_TEXT_TEMPLATE_H_
#define QCFLOW_PROCESS_COMMON_TEXT_TEMPLATE_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "store/status.h"

namespace qcflow {

// Substitutes every `{{ var }}` with vars.at(var). Errors are InvalidArgument;
// an unknown variable's message names it and lists the known ones.
Result<std::string> RenderTemplate(std::string_view tmpl,
                                   const std::map<std::string, std::string>& vars);

// Config-time check: OK when RenderTemplate would succeed with any values for
// `known_var_names`; otherwise the same message RenderTemplate would give.
Status CheckTemplate(std::string_view tmpl, const std::vector<std::string>& known_var_names);

// The variable names `tmpl` uses, in order of first use, without duplicates
// (e.g. to warn when a test list template leaves out "check_type").
Result<std::vector<std::string>> TemplateVariables(std::string_view tmpl);

}  // namespace qcflow

#endif  // QCFLOW_PROCESS_COMMON_TEXT_TEMPLATE_H_
