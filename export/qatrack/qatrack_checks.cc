// `qcflow validate`: will each [[sink.qatrack]] accept what the sources will send?
// The token on a route that needs one, the permission to upload (a POST of `{}`,
// which stores nothing), then per unit and test list the data will need: the unit,
// the test list, its active assignment to the unit and its macros.
#include <cstring>
#include <map>
#include <set>

#include "export/qatrack/qatrack_component.h"
#include "export/qatrack/server_checks.h"
#include "process/component/wording.h"

namespace qcflow::qatrack {
namespace {

using component::Checklist;
using component::ExpectedUpload;
using component::Quote;

std::string Join(const std::set<std::string>& items, size_t most = 8) {
  std::string out;
  size_t n = 0;
  for (const std::string& s : items) {
    if (n++ == most) return out + ", ... (" + std::to_string(items.size()) + " in all)";
    out += (out.empty() ? "" : ", ") + s;
  }
  return out;
}

// Test types the server fills in itself (or cannot take from a pump): never sent.
bool Calculated(const std::string& type) {
  return type == "composite" || type == "scomposite" || type == "constant" || type == "upload";
}

// The text after "QATrack+ at <url>, <what>: " (the checklist line names both already).
std::string Detail(const Status& s, const std::string& at) {
  const std::string& m = s.message();
  if (m.rfind(at, 0) != 0) return m;
  size_t colon = m.find(": ", at.size());
  return colon == std::string::npos ? m : m.substr(colon + 2);
}

// Fails the checklist with what to do about a failed token check; true when it passed.
bool TokenAccepted(ServerChecks& checks, const QatrackSinkSettings& k, const std::string& who,
                   const std::string& at, const std::string& token_origin, Checklist* list) {
  const Status st = checks.CheckToken();
  if (st.ok()) {
    list->Ok(who + at + " is reachable and accepts the token (GET units/units/)");
    return true;
  }
  const std::string detail = Detail(st, at);
  const std::string unchecked = " (its permissions, units and test lists were not checked)";
  if (st.code() == Status::Code::kInvalidArgument) {
    const bool rad = k.sink.radmachine.value_or(IsRadMachineUrl(k.sink.api_url));
    std::string header = rad ? "RadAuthorization" : "Authorization";
    list->Fail(who + at + " rejected the token (" + detail + "): check that " + token_origin +
               " holds the API token of a QATrack+ user (QATrack+ admin: Auth Tokens), and that "
               "radmachine = " + (rad ? "true" : "false") + " is right (qcflow sends the " + header +
               " header; RadMachine wants RadAuthorization, QATrack+ Authorization)" + unchecked + ".");
  } else if (st.code() == Status::Code::kUnavailable) {
    list->Fail(who + at + " is not reachable (" + detail + "): check url, DNS, the proxy setting and "
               "firewall, and that the server is running" + unchecked + ".");
  } else {
    list->Fail(who + at + " answered GET units/units/ with " + detail + ": check that url is the API "
               "root, e.g. https://qatrack.example.org/api" + unchecked + ".");
  }
  return false;
}

// "MPC: Enhanced Couch Checks" on unit 3 for `up`: exists, assigned and active, macros.
void CheckTestList(ServerChecks& checks, const ExpectedUpload& up, long unit_number,
                   const std::string& who, const std::string& at, Checklist* list) {
  const std::string dead = up.what + " would become dead letters";
  auto tests = checks.TestListTests(up.test_list);
  if (!tests.ok()) {
    list->Fail(who + tests.status().message() + ".");
    return;
  }
  if (!tests->has_value()) {
    list->Warn(who + at + " has no test list " + Quote(up.test_list) + ": " + dead + "; create it and "
               "assign it to unit " + std::to_string(unit_number) + ", or ignore this if the clinic "
               "does not upload these.");
    return;
  }
  auto assigned = checks.AssignmentsOf(unit_number, up.test_list);
  if (!assigned.ok()) {
    list->Fail(who + assigned.status().message() + ".");
    return;
  }
  const std::string on_unit = "test list " + Quote(up.test_list) + " on unit " + std::to_string(unit_number);
  if (assigned->active != 1) {
    const std::string why = assigned->active > 1 ? "is assigned " + std::to_string(assigned->active) +
                                                       " times (exactly one active assignment is needed)"
                            : assigned->inactive > 0 ? "is assigned but the assignment is inactive"
                                                     : "is not assigned";
    list->Warn(who + on_unit + " " + why + ": " + dead + "; fix the assignment in QATrack+ (Units > "
               "Assign Test Lists), then qcflow replay --dead-letters delivers them.");
    return;
  }
  if (up.macros.empty()) {
    list->Ok(who + on_unit + " exists and is assigned (active)");
    return;
  }
  std::set<std::string> missing, extra;
  for (const auto& [slug, type] : **tests) {
    if (!Calculated(type) && !up.macros.count(slug)) missing.insert(slug);
  }
  for (const std::string& m : up.macros) {
    if (!(**tests).count(m)) extra.insert(m);
  }
  for (const auto& [macro, type] : up.macro_types) {
    auto t = (**tests).find(macro);
    if (t != (**tests).end() && t->second != type) {
      list->Fail(who + on_unit + ": its test '" + macro + "' is a '" + t->second + "' test, but " +
                 up.what + " need an '" + type + "' test; change the test's type in QATrack+ or "
                 "set the source's macro to one that is");
      return;
    }
  }
  if (missing.empty() && extra.empty()) {
    list->Ok(who + on_unit + " is assigned (active) and its macros match the " +
             std::to_string(up.macros.size()) + " values " + up.what + " carry");
    return;
  }
  std::string text = who + on_unit + " is assigned, but its macros do not match " + up.what + ":";
  if (!missing.empty()) {
    text += " missing from the data (uploaded as skipped): " + Join(missing) + ";";
  }
  if (!extra.empty()) {
    text += " not in the test list (QATrack+ silently drops these values): " + Join(extra) + ";";
  }
  list->Warn(text + " add the tests to the test list or fix test_list_template.");
}

void CheckQatrackSink(const QatrackSinkSettings& k, const std::vector<ExpectedUpload>& uploads,
                      const std::string& token_origin, Checklist* list) {
  const QatrackSinkConfig& cfg = k.sink;
  const std::string who = "sink " + Quote(cfg.name) + ": ";
  auto sink = QatrackSink::Create(nullptr, cfg);
  if (!sink.ok()) {
    list->ConfigError(who + sink.status().message() + ".");
    return;
  }
  ServerChecks checks = (*sink)->Checks();
  const std::string at = "QATrack+ at " + checks.display_url();
  if (!TokenAccepted(checks, k, who, at, token_origin, list)) return;
  if (Status may = checks.CheckUploadPermission(); !may.ok()) {
    list->Fail(who + may.message() + "; until then every session would become a dead letter (HTTP 403).");
  } else {
    list->Ok(who + "the token's user may upload test list instances (checked with an empty POST, "
             "which stores nothing)");
  }

  // Per unit: exactly one, then each of its test lists.
  std::map<std::pair<std::string, std::string>, std::vector<const ExpectedUpload*>> by_unit;
  for (const ExpectedUpload& up : uploads) by_unit[{up.unit_field, up.unit_value}].push_back(&up);
  for (const auto& [unit, ups] : by_unit) {
    const auto& [field, value] = unit;
    const std::string what = std::string(field == "serial_number" ? "serial number" : field) + " " + Quote(value);
    auto units = checks.UnitsWith(field, value);
    if (!units.ok()) {
      list->Fail(who + units.status().message() + ".");
      continue;
    }
    std::set<std::string> whose;
    for (const ExpectedUpload* up : ups) whose.insert(up->what);
    if (units->size() != 1) {
      list->Warn(who + at + " has " + std::to_string(units->size()) + " units with " + what +
                 " (exactly one is needed): " + Join(whose, 4) + " would become dead letters; " +
                 (units->empty() ? "create the unit or fix the mapping in the config."
                                 : "give each unit its own " + field +
                                       " or map by unit number."));
      continue;
    }
    const long number = units->front().number;
    list->Ok(who + "unit " + std::to_string(number) + " (" + Quote(units->front().name) + ") has " + what);
    for (const ExpectedUpload* up : ups) {
      if (!up->test_list.empty()) CheckTestList(checks, *up, number, who, at, list);
    }
  }
}

}  // namespace

void QatrackComponent::Check(component::CheckContext& ctx) const {
  CheckQatrackSink(settings_, ctx.UploadsRoutedTo(name()), settings_.token_origin, ctx.list);
}

}  // namespace qcflow::qatrack
