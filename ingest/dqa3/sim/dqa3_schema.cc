// DDL of the four DQA3 schemas. Column types are the portable subset Firebird and
// SQLite both accept and SOCI maps to the same C++ types (INTEGER, DOUBLE
// PRECISION, VARCHAR, TIMESTAMP); SQL Server's int/float/varchar/datetime read the
// same way through ODBC.
#include <soci/soci.h>

#include "ingest/dqa3/dqa3_columns.h"
#include "ingest/dqa3/session.h"
#include "ingest/dqa3/sim/dqa3_sim.h"
#include "ingest/dqa3/sim/sim_columns.h"

namespace qcflow::dqa3::sim {
namespace {

std::string Doubles(const std::vector<std::string>& columns) {
  std::string s;
  for (const std::string& c : columns) s += ",\n  " + c + " DOUBLE PRECISION";
  return s;
}

std::vector<std::string> TrendDdl(const std::string& version) {
  return {
      "CREATE TABLE ATLAS_MASTER (DB_VERSION VARCHAR(20), DATETIME TIMESTAMP)",
      "CREATE TABLE ROOM (ROOM_KEY INTEGER NOT NULL PRIMARY KEY, TREE_NAME VARCHAR(64))",
      "CREATE TABLE DQA3_MACHINE (MACH_KEY INTEGER NOT NULL PRIMARY KEY, "
      "TREE_NAME VARCHAR(64), ROOM_KEY INTEGER)",
      "CREATE TABLE DEVICE (DEVICE_KEY INTEGER NOT NULL PRIMARY KEY, SERIAL VARCHAR(32))",
      "CREATE TABLE DQA3_TEMPLATE (SET_KEY INTEGER NOT NULL PRIMARY KEY, MACH_KEY INTEGER, "
      "TREE_NAME VARCHAR(64), BEAMTYPE VARCHAR(16), BEAMENERGY DOUBLE PRECISION, "
      "WEDGETYPE VARCHAR(16), WEDGEANGLE INTEGER, WEDGEORIENT VARCHAR(16))",
      "CREATE TABLE DQA3_DATA (DATA_KEY INTEGER NOT NULL PRIMARY KEY, SET_KEY INTEGER, "
      "DEVICE_KEY INTEGER, COMMENTS VARCHAR(512), SIGNATURE VARCHAR(64), "
      "TEMPERATURE DOUBLE PRECISION, PRESSURE DOUBLE PRECISION)",
      // No primary key: the vendor race can put one DATA_KEY on two trend rows.
      "CREATE TABLE DQA3_TREND (DATA_KEY INTEGER NOT NULL, SET_KEY INTEGER, "
      "MEASURED_DATETIME TIMESTAMP" +
          Doubles(ResultColumns(version)) + ")",
      "CREATE INDEX DQA3_TREND_MEASURED ON DQA3_TREND (MEASURED_DATETIME)",
  };
}

std::vector<std::string> AtlasDdl(const std::string& version) {
  return {
      "CREATE TABLE AtlasMaster (DatabaseVersion VARCHAR(20), Modified TIMESTAMP)",
      "CREATE TABLE Machine (MachineId INTEGER NOT NULL PRIMARY KEY, "
      "MachineName VARCHAR(64), RoomNumber VARCHAR(32))",
      "CREATE TABLE Device (DeviceId INTEGER NOT NULL PRIMARY KEY, SerialNumber VARCHAR(32))",
      "CREATE TABLE Energy (EnergyId INTEGER NOT NULL PRIMARY KEY, "
      "EnergyValue DOUBLE PRECISION, BeamType VARCHAR(16), BeamTypeFlag INTEGER)",
      "CREATE TABLE MachineTemplate (MachineTemplateId INTEGER NOT NULL PRIMARY KEY, "
      "MachineId INTEGER, EnergyId INTEGER, MachineTestName VARCHAR(64), "
      "WedgeType VARCHAR(16), WedgeAngle INTEGER, WedgeOrient VARCHAR(16))",
      "CREATE TABLE Dqa3Data (Dqa3DataId INTEGER NOT NULL PRIMARY KEY, "
      "MachineTemplateId INTEGER, DeviceId INTEGER, Created TIMESTAMP, "
      "AdditionalNotes VARCHAR(512), CollectedBy VARCHAR(64), "
      "Temperature DOUBLE PRECISION, Pressure DOUBLE PRECISION" +
          Doubles(ResultColumns(version)) + ")",
      "CREATE INDEX Dqa3Data_Created ON Dqa3Data (Created)",
  };
}

}  // namespace

std::vector<std::string> ResultColumns(const std::string& version) {
  // Everything after the context columns, without the alias: the result columns
  // live in DQA3_TREND (tr.) or, for Atlas, in Dqa3Data (data.).
  const std::string prefix = IsAtlasSchema(version) ? "data." : "tr.";
  const std::vector<std::string>& keys = PayloadColumns(version);
  std::vector<std::string> out;
  bool after_context = false;
  for (const std::string& k : keys) {
    if (k == (IsAtlasSchema(version) ? "tmpl.WedgeOrient" : "tmpl.WEDGEORIENT")) {
      after_context = true;
      continue;
    }
    if (after_context && k.rfind(prefix, 0) == 0) out.push_back(k.substr(prefix.size()));
  }
  return out;
}

std::vector<std::string> Dqa3SchemaDdl(const std::string& version) {
  if (!IsSupportedSchema(version)) return {};
  return IsAtlasSchema(version) ? AtlasDdl(version) : TrendDdl(version);
}

Status CreateDqa3Schema(const Dqa3Connection& c, const std::string& version) {
  if (!IsSupportedSchema(version)) {
    return Status::InvalidArgument("no DQA3 schema version \"" + version + "\" to simulate");
  }
  soci::session sql;
  QCFLOW_RETURN_IF_ERROR(OpenSession(c, OpenMode::kCreate, &sql));
  return Guard(c, "creating the DQA3 " + version + " tables", [&] {
    for (std::string ddl : Dqa3SchemaDdl(version)) {
      // Firebird 01.03 databases in the simulator keep comments in a text BLOB, the
      // column type SOCI cannot read directly (the source casts it).
      const std::string comments = "COMMENTS VARCHAR(512)";
      size_t at = ddl.find(comments);
      if (c.backend == Dqa3Backend::kFirebird && version == kSchema0103 &&
          at != std::string::npos) {
        ddl.replace(at, comments.size(), "COMMENTS BLOB SUB_TYPE TEXT");
      }
      // Firebird needs DDL committed before the next statement uses the table.
      sql.begin();
      sql << ddl;
      sql.commit();
    }
  });
}

}  // namespace qcflow::dqa3::sim
