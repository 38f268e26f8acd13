// `qcflow trf table FILE`: one Elekta TRF delivery log, decoded (ingest/trf/),
// written whole as the vendor's own tool writes it (CSV) or as JSON. Reads only
// the file and the installed columns table; needs no store.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "cli/command.h"
#include "ingest/trf/decoder.h"
#include "ingest/trf/vendor_text.h"

#include <nlohmann/json.hpp>

namespace qcflow::cli {
namespace {

struct TrfTableOptions {
  std::string file, format = "csv", columns;
};

// TRF strings are ASCII or Latin-1; JSON wants UTF-8.
std::string Latin1ToUtf8(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

std::string JsonText(std::string_view latin1) { return nlohmann::json(Latin1ToUtf8(latin1)).dump(); }

// {"file", "header": {...}, "columns": [...], "rows": [[...]], "issues": [...]}:
// numbers as the CSV writes them, code names as strings. Streamed, so a
// 5 000-row log is not a tree of 1.7 million JSON values first.
void WriteJson(const std::string& file, const trf::TrfLog& log, std::ostream& out) {
  const trf::TrfHeader& h = log.header;
  nlohmann::json header = {{"version", h.version},
                           {"linac_id", Latin1ToUtf8(h.machine_id)},
                           {"treatment_name", Latin1ToUtf8(h.field)},
                           {"field_label", Latin1ToUtf8(h.field_label)},
                           {"field_name", Latin1ToUtf8(h.field_name)},
                           {"total_dose_mu", h.mu()},
                           {"utc_time", Latin1ToUtf8(h.date)},
                           {"utc_offset", Latin1ToUtf8(h.utc_offset)},
                           {"start", h.start ? nlohmann::json(FormatUtcIso(*h.start)) : nullptr},
                           {"rows", log.rows},
                           {"duration_s", trf::TrfLog::TimeSeconds(log.rows)}};
  out << "{\"file\": " << JsonText(file) << ",\n\"header\": " << header.dump() << ",\n\"columns\": [\"Time (s)\"";
  for (const trf::TrfColumn& c : log.columns) out << ", " << JsonText(c.name);
  out << "],\n\"rows\": [";
  std::string line;
  for (size_t r = 0; r < log.rows; ++r) {
    line.assign(r ? ",\n[" : "\n[");
    trf::AppendVendorTime(r, &line);
    for (size_t c = 0; c < log.columns.size(); ++c) {
      line += ',';
      if (std::string_view name = log.Label(r, c); !name.empty()) {
        line += JsonText(name);
      } else {
        trf::AppendVendorCell(log, r, c, &line);
      }
    }
    line += ']';
    out << line;
  }
  nlohmann::json issues = nlohmann::json::array();
  for (const trf::TrfIssue& i : log.issues) issues.push_back({{"offset", i.offset}, {"what", i.what}});
  out << "],\n\"issues\": " << issues.dump() << "}\n";
}

int RunTable(const TrfTableOptions& o) {
  if (o.format != "csv" && o.format != "json") {
    return ReportError(Status::InvalidArgument("--format must be csv or json, not \"" + o.format + "\""));
  }
  auto table = o.columns.empty() ? trf::ColumnsTable::LoadInstalled() : trf::ColumnsTable::Load(o.columns);
  if (!table.ok()) {
    ReportError(table.status());
    return kExitUsage;  // an installation or --columns problem, not the log's
  }
  std::string bytes;
  if (Status s = trf::ReadFileBytes(o.file, &bytes); !s.ok()) return ReportError(s);
  trf::TrfLog log;
  if (Status s = trf::DecodeTrf(&bytes, *table, &log); !s.ok()) {  // takes the bytes
    ReportError(Status::Corruption(o.file + " is not a TRF log this qcflow can decode: " + s.message()));
    return kExitFailed;
  }
  if (o.format == "json") {
    WriteJson(o.file, log, std::cout);
  } else {
    std::string text;
    trf::AppendVendorCsv(log, &text);
    std::cout << text;
  }
  std::cout.flush();
  for (const trf::TrfIssue& i : log.issues) {
    std::cerr << "qcflow: " << o.file << ": byte " << i.offset << ": " << i.what << "\n";
  }
  if (log.damaged()) {
    std::cerr << "qcflow: " << o.file << " is damaged (" << log.issues.size()
              << " problem(s) above); what could be decoded was written\n";
    return kExitPartial;
  }
  return kExitOk;
}

}  // namespace

void RegisterTrfCommand(CLI::App& app, Action* action) {
  auto* trf = app.add_subcommand("trf", "Elekta TRF delivery logs (.trf files)");
  trf->require_subcommand(0, 1);  // bare: main prints its help
  auto o = std::make_shared<TrfTableOptions>();
  auto* table = trf->add_subcommand(
      "table", "Write one TRF log's whole table, as Elekta's own TRF tool writes it");
  table->footer(
      "A .trf file is the log an Elekta linac (Agility, Integrity 3 and 4) writes for every\n"
      "delivered beam: a header (date, UTC offset, field, linac id, MU, version) and one row\n"
      "per 40 ms of every axis, jaw and leaf. The NSS keeps them about 8 days in its\n"
      "diagnostic backups (Backup/TCS/SDD+*.zip).\n"
      "\n"
      "CSV (default) is the vendor's layout: `key = value` lines (Version, Linac Id,\n"
      "Treatment Name, Total Dose, UTC Time, UTC Offset), a blank line, then `Time (s)` and\n"
      "the columns in file order; states and wedge positions by name (an unknown code as its\n"
      "number). JSON holds the same table plus the header fields and any problems found.\n"
      "Columns are named from columns.json, installed as <prefix>/share/qcflow/trf/\n"
      "(see --columns and QCFLOW_DATA_DIR).\n"
      "\n"
      "Examples:\n"
      "  qcflow trf table '17_04_30 21_43_26 Z 1-1_DIR E.trf' > dir-e.csv\n"
      "  qcflow trf table beam.trf --format json | jq '.header'\n"
      "\n"
      "Exit codes: 0 decoded whole; 3 damaged (what could be decoded is written, each\n"
      "problem with its byte offset on stderr); 1 unreadable or not a TRF log; 2 usage (a\n"
      "FILE that does not exist) or no columns table.");
  table->add_option("FILE", o->file, "The .trf log")->required();
  table->add_option("--format", o->format, "csv (the vendor's layout; default) or json")
      ->capture_default_str();
  table->add_option("--columns", o->columns,
                    "A columns.json to use instead of the installed one")
      ->type_name("FILE");
  table->callback([action, o] { *action = [o] { return RunTable(*o); }; });
}

}  // namespace qcflow::cli
