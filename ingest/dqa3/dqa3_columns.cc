#include "ingest/dqa3/dqa3_columns.h"

#include <cctype>

namespace qcflow::dqa3 {
namespace {

// Column names of the quantities in each family, in Dqa3Quantities() order.
const char* const kQuantities[] = {"dose", "axsym", "trsym", "qaflat",
                                   "xsize", "ysize", "xshift", "yshift"};
// 01.03 trend columns: value AB_<Q>, diff <Q>; axsym is spelled AXIALSYM there.
const char* const k0103Names[] = {"DOSE",  "AXIALSYM", "TRSYM",  "QAFLAT",
                                  "XSIZE", "YSIZE",    "XSHIFT", "YSHIFT"};
// 01.04 / 01.06: RESULTS_<Q>, REL_BASELINE_<Q>, REL_DIFF_<Q>.
const char* const k0104Names[] = {"DOSE",  "AXSYM", "TRSYM",  "QAFLAT",
                                  "XSIZE", "YSIZE", "XSHIFT", "YSHIFT"};
// Atlas 1.5: data.AB<Q> (value) and data.<Q> (diff).
const char* const kAtlasNames[] = {"Dose",  "Axialsym", "Trsym",  "Qaflat",
                                   "Xsize", "Ysize",    "Xshift", "Yshift"};

std::vector<std::string> TrendContext() {
  return {"tr.DATA_KEY",     "tr.MEASURED_DATETIME", "tr.SET_KEY",       "data.SET_KEY",
          "data.COMMENTS",   "data.SIGNATURE",       "data.TEMPERATURE", "data.PRESSURE",
          "dev.SERIAL",      "mach.MACH_KEY",        "mach.TREE_NAME",   "room.TREE_NAME",
          "tmpl.BEAMENERGY", "tmpl.BEAMTYPE",        "tmpl.TREE_NAME",   "tmpl.WEDGETYPE",
          "tmpl.WEDGEANGLE", "tmpl.WEDGEORIENT"};
}

std::vector<std::string> Build0103() {
  std::vector<std::string> c = TrendContext();
  for (const char* q : k0103Names) {
    c.push_back(std::string("tr.AB_") + q);
    c.push_back(std::string("tr.") + q);
  }
  c.push_back("tr.ENERGY");
  c.push_back("tr.PENERGY");
  return c;
}

void AddRelative(std::vector<std::string>* c, const std::string& q) {
  c->push_back("tr.RESULTS_" + q);
  c->push_back("tr.REL_BASELINE_" + q);
  c->push_back("tr.REL_DIFF_" + q);
}

std::vector<std::string> Build0104(bool bsc) {
  std::vector<std::string> c = TrendContext();
  for (const char* q : k0104Names) AddRelative(&c, q);
  c.push_back("tr.REL_DIFF_EENERGY");
  c.push_back("tr.REL_DIFF_XENERGY");
  if (bsc) {
    for (const char* q : {"BSC1", "BSC2", "BSC3"}) AddRelative(&c, q);
  }
  return c;
}

std::vector<std::string> BuildAtlas() {
  std::vector<std::string> c = {
      "data.Dqa3DataId",   "data.Created",     "data.AdditionalNotes", "data.CollectedBy",
      "data.Temperature",  "data.Pressure",    "dev.SerialNumber",     "mach.MachineId",
      "mach.MachineName",  "mach.RoomNumber",  "energy.EnergyValue",   "energy.BeamType",
      "energy.BeamTypeFlag", "tmpl.MachineTestName", "tmpl.WedgeType", "tmpl.WedgeAngle",
      "tmpl.WedgeOrient"};
  for (const char* q : kAtlasNames) {
    c.push_back(std::string("data.AB") + q);
    c.push_back(std::string("data.") + q);
  }
  c.push_back("data.ENERGY");
  c.push_back("data.PENERGY");
  return c;
}

}  // namespace

bool IsSupportedSchema(std::string_view v) {
  return v == kSchema0103 || v == kSchema0104 || v == kSchema0106 || v == kSchemaAtlas15;
}

bool IsAtlasSchema(std::string_view v) { return v == kSchemaAtlas15; }

std::string NormaliseSchemaVersion(std::string_view raw) {
  while (!raw.empty() && std::isspace(static_cast<unsigned char>(raw.front()))) raw.remove_prefix(1);
  while (!raw.empty() && std::isspace(static_cast<unsigned char>(raw.back()))) raw.remove_suffix(1);
  size_t first = raw.find('.');
  if (first == std::string_view::npos) return std::string(raw);
  size_t second = raw.find('.', first + 1);
  return std::string(raw.substr(0, second));
}

const std::vector<std::string>& PayloadColumns(std::string_view version) {
  static const std::vector<std::string> k0103 = Build0103();
  static const std::vector<std::string> k0104 = Build0104(false);
  static const std::vector<std::string> k0106 = Build0104(true);
  static const std::vector<std::string> kAtlas = BuildAtlas();
  static const std::vector<std::string> kNone;
  if (version == kSchema0103) return k0103;
  if (version == kSchema0104) return k0104;
  if (version == kSchema0106) return k0106;
  if (version == kSchemaAtlas15) return kAtlas;
  return kNone;
}

const std::vector<std::string>& Dqa3Quantities() {
  static const std::vector<std::string> q(std::begin(kQuantities), std::end(kQuantities));
  return q;
}

}  // namespace qcflow::dqa3
