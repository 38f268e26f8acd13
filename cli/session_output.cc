#include "cli/session_output.h"

#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/model/json_model.h"
#include "process/common/trend.h"

namespace qcflow::cli {

void PrintSessions(const std::vector<QcSession>& sessions, const std::vector<std::string>& sites,
                   Format format, const std::string& zone, std::ostream& out) {
  const bool with_site = !sites.empty();
  if (format == Format::kJson) {
    nlohmann::json items = nlohmann::json::array();
    for (size_t i = 0; i < sessions.size(); ++i) {
      nlohmann::json j = model::SessionJson(sessions[i], zone);
      if (with_site) j["site"] = sites[i];
      items.push_back(std::move(j));
    }
    PrintJson(model::ItemsDocument(std::move(items), zone), out);
    return;
  }
  std::vector<std::string> columns = {"work_started", "kind",    "source", "machine", "test_list",
                                      "tests",        "skipped", "runs",   "user_key"};
  if (with_site) columns.insert(columns.begin(), "site");
  Table table(columns, zone);
  for (size_t i = 0; i < sessions.size(); ++i) {
    const QcSession& q = sessions[i];
    size_t skipped = 0;
    for (const TestResult& t : q.tests) skipped += t.skipped;
    std::vector<Cell> row = {Cell::Instant(q.work_started), Cell::Text(q.source_kind),
                             Cell::Text(q.source_id), Cell::Text(TrendMachine(q)),
                             Cell::Text(q.test_list_name), Cell::Number(q.tests.size()),
                             Cell::Number(skipped), Cell::Number(q.source_seqs.size()), Cell::Text(q.user_key)};
    if (with_site) row.insert(row.begin(), Cell::Text(sites[i]));
    table.AddRow(std::move(row));
  }
  table.Render(format, out);
  if (format == Format::kTable && sessions.empty()) std::cerr << "No sessions match.\n";
}

}  // namespace qcflow::cli
