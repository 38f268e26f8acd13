// `qcflow query deliveries` and `qcflow query icom`: what the linacs delivered
// (derived deliveries, read through their indexes) and one decoded iCom
// message (the journal's time index). Read-only: runs next to a daemon.
//
// Patient IDs and names are shown: query output is for local authorised
// users (shared/spec/icom.md). They are never logged.
#include <CLI/CLI.hpp>

#include <cmath>
#include <iostream>
#include <limits>
#include <optional>

#include "cli/command.h"
#include "cli/model/json_model.h"
#include "cli/output.h"
#include "cli/query_postgres.h"
#include "ingest/icom/decoder.h"
#include "process/icom/delivery_query.h"
#include "process/icom/message_at.h"
#include "store/derived.h"
#include "store/journal.h"

#include <nlohmann/json.hpp>

namespace qcflow::cli {
namespace {

using icom::Delivery;

std::string Join(const std::vector<std::string>& v, const char* sep = "; ") {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

// ---- query deliveries ------------------------------------------------------

int RunDeliveries(const GlobalOptions& global, DeliveriesOptions o) {
  if (!o.central.db.empty()) return RunCentralDeliveries(o);
  if (o.linac.empty()) return ReportError(Status::InvalidArgument("--linac is required (except with --db postgres)"));
  auto format = ParseFormat(o.format);
  if (!format.ok()) return ReportError(format.status());
  auto store = OpenStore(global, /*read_only=*/true);
  if (!store.ok()) return ReportError(store.status());
  if (Status z = ResolveShownZone(store->get(), &o.zone); !z.ok()) return ReportError(z);
  auto range = ParseTimeRange(o.since, o.until, o.zone);
  if (!range.ok()) return ReportError(range.status());
  icom::DeliveryQuery q{o.linac, o.patient, o.field, range->from, range->until, o.limit};
  auto read = icom::ReadDeliveries((*store)->derived(), q);
  if (!read.ok()) return ReportError(read.status());
  const std::vector<Delivery>& deliveries = *read;

  if (*format == Format::kJson) {
    nlohmann::json items = nlohmann::json::array();
    for (const Delivery& d : deliveries) items.push_back(model::DeliveryJson(d, /*show_patient=*/true, o.zone));
    PrintJson(model::ItemsDocument(std::move(items), o.zone), std::cout);
    return kExitOk;
  }
  Table table({"start", "end", "patient_id", "patient_name", "field", "energy", "mu",
               "prescribed_mu", "gantry", "collimator", "interlocks", "messages", "state", "id"},
              o.zone);
  for (const Delivery& d : deliveries) {
    table.AddRow({Cell::Instant(d.start), Cell::Instant(d.end),
                  Cell::Text(d.patient_id), Cell::Text(d.patient_name), Cell::Text(d.field_id),
                  Cell::Text(Join(d.energies, "/")), Cell::Text(ShortestNumber(d.mu)),
                  Cell::Text(ShortestNumber(d.prescribed_mu)), Cell::Text(NumberRange(d.gantry_min, d.gantry_max)),
                  Cell::Text(NumberRange(d.collimator_min, d.collimator_max)),
                  Cell::Text(Join(d.interlocks)), Cell::Number(static_cast<long long>(d.messages)),
                  Cell::Text(d.open ? "open" : "closed (" + d.close_reason + ")"),
                  Cell::Text(d.Id())});
  }
  table.Render(*format, std::cout);
  if (*format == Format::kTable) {
    if (deliveries.empty()) {
      std::cerr << "No deliveries match. (Deliveries appear once `qcflow run` or `qcflow "
                   "backfill icom` has processed the linac's messages.)\n";
    }
    HintLimit(deliveries.size(), o.limit, "--since");
  }
  return kExitOk;
}

// ---- query icom --at -------------------------------------------------------

struct IcomAtOptions {
  std::string linac, at, format = "table", zone, part = "R";  // zone: AddZoneOption
};

using OrderedJson = nlohmann::ordered_json;

std::string Text(const OrderedJson& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) return ShortestNumber(v.get<double>());
  if (v.is_array()) {
    std::vector<std::string> parts;
    for (const auto& e : v) parts.push_back(Text(e));
    return Join(parts);
  }
  return v.dump();
}

// JSON: one object. Table and CSV: three sections (fields, jaws, MLC rows).
void PrintMessage(uint64_t seq, const Record& record, const icom::IcomMessage& m,
                  const IcomAtOptions& o, Format format) {
  OrderedJson j = model::IcomMessageJson(seq, record, m, o.part, o.zone, /*show_patient=*/true);
  if (format == Format::kJson) {
    OrderedJson doc = {{"v", model::kVersion}, {"zone", o.zone}};
    doc.update(j);
    std::cout << doc.dump(2, ' ', false, OrderedJson::error_handler_t::replace) << "\n";
    return;
  }
  Table fields({"field", "value"});
  for (const auto& [k, v] : j.items()) {
    if (k == "jaws" || k == "mlc") continue;
    fields.AddRow({Cell::Text(k == "time" ? ZonedColumn(k, o.zone) : k), Cell::Text(Text(v))});
  }
  Table jaws({"jaw", "1", "2"});
  for (const auto& [k, v] : j["jaws"].items()) {
    jaws.AddRow({Cell::Text(k == "x" ? "X" : "Y"), Cell::Text(Text(v[0])), Cell::Text(Text(v[1]))});
  }
  Table mlc({"leaf_pair", "a", "b"});
  for (const auto& row : j["mlc"]) {
    mlc.AddRow({Cell::Number(row["leaf_pair"].get<long long>()), Cell::Text(Text(row["a"])),
                Cell::Text(Text(row["b"]))});
  }
  fields.Render(format, std::cout);
  std::cout << "\n";
  jaws.Render(format, std::cout);
  std::cout << "\n";
  mlc.Render(format, std::cout);
}

int RunIcomAt(const GlobalOptions& global, IcomAtOptions o) {
  auto format = ParseFormat(o.format);
  if (!format.ok()) return ReportError(format.status());
  if (!model::IsIcomPart(o.part)) return ReportError(Status::InvalidArgument(std::string("--part ") + model::kIcomPartRule));
  auto store = OpenStore(global, /*read_only=*/true);
  if (!store.ok()) return ReportError(store.status());
  if (Status z = ResolveShownZone(store->get(), &o.zone); !z.ok()) return ReportError(z);
  auto at = ParseTimeArg(o.at, o.zone);
  if (!at.ok()) return ReportError(at.status().WithContext("--at"));
  auto found = icom::FindIcomMessageNear((*store)->journal(), o.linac, *at);
  if (!found.ok()) return ReportError(found.status());
  if (!*found) {
    return ReportError(Status::NotFound("no iCom messages from linac '" + o.linac +
                                        "' in the store; check the name with `qcflow status`"));
  }
  const icom::IcomMessageAt& f = **found;
  auto record = (*store)->journal().Get(f.seq);
  if (!record.ok()) return ReportError(record.status());
  icom::IcomMessage m;
  Status decoded = icom::DecodeMessage(record->payload, &m);
  if (!decoded.ok()) {
    return ReportError(decoded.WithContext("the iCom message at journal seq " +
                                           std::to_string(f.seq) + " cannot be decoded"));
  }
  PrintMessage(f.seq, *record, m, o, *format);
  return kExitOk;
}

}  // namespace

void RegisterQueryIcomCommands(CLI::App& query, const GlobalOptions& global, Action* action) {
  auto o = std::make_shared<DeliveriesOptions>();
  auto* deliveries = query.add_subcommand(
      "deliveries",
      "List what a linac delivered, one row per beam (field) of a patient session: start/end,\n"
      "patient, field, energy, MU delivered (sum of positive Delivery MU increments), gantry\n"
      "and collimator range while MU was delivered, interlocks seen. Built from the iCom\n"
      "stream by `qcflow run` (or `qcflow backfill icom`); an open delivery is still going.\n"
      "Filters use the store's indexes (by patient, by field, by start time).\n"
      "Examples:\n"
      "  qcflow query deliveries --linac LA1 --since 2026-01-05 --until 2026-01-06\n"
      "  qcflow query deliveries --linac LA1 --patient QC123456 --format json\n"
      "  qcflow query deliveries --linac LA1 --field 2 --format csv > field2.csv");
  deliveries->add_option("--linac", o->linac, "The linac (the [[source.icom]] name; required for the local store)");
  deliveries->add_option("--patient", o->patient, "Only this Patient ID");
  deliveries->add_option("--field", o->field, "Only this Field ID");
  deliveries->add_option("--since", o->since,
                         "Deliveries starting at or after this time: YYYY-MM-DD[ HH:MM[:SS]]");
  deliveries->add_option("--until", o->until, "Deliveries starting before this time");
  AddZoneOption(*deliveries, &o->zone);
  AddLimitOption(*deliveries, &o->limit, "deliveries");
  deliveries->add_option("--format", o->format, "table (default), json (every field) or csv");
  AddCentralDbOptions(*deliveries, &o->central, /*for_backfill=*/false);
  deliveries->callback([action, &global, o] {
    *action = [&global, o] { return RunDeliveries(global, *o); };
  });

  auto io = std::make_shared<IcomAtOptions>();
  auto* at = query.add_subcommand(
      "icom",
      "Show the linac's iCom message nearest a time, decoded: every field of the spec's table,\n"
      "the jaws, and the MLC as rows (leaf pair, A, B) of the delivered (R) part by default.\n"
      "Table and CSV print three sections (fields, jaws, MLC) separated by a blank line.\n"
      "Example: qcflow query icom --linac LA1 --at '2026-01-05 08:15:30' --format json");
  at->add_option("--linac", io->linac, "The linac (the [[source.icom]] name)")->required();
  at->add_option("--at", io->at, "The time: YYYY-MM-DD[ HH:MM[:SS]] (read in --tz)")->required();
  AddZoneOption(*at, &io->zone, "--at");
  at->add_option("--part", io->part, "Collimation part: R (run, delivered; default), S or P");
  at->add_option("--format", io->format, "table (default), json or csv");
  at->callback([action, &global, io] {
    *action = [&global, io] { return RunIcomAt(global, *io); };
  });
}

}  // namespace qcflow::cli
