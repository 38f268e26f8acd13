#include "ingest/dqa3/queries.h"

#include "ingest/dqa3/dqa3_columns.h"

namespace qcflow::dqa3 {
namespace {

std::string InList(const char* column, const char* prefix, size_t n) {
  std::string s = std::string(" AND ") + column + " IN (";
  for (size_t i = 0; i < n; ++i) s += (i ? ", :" : ":") + std::string(prefix) + std::to_string(i);
  return s + ")";
}

}  // namespace

std::string VersionSql(bool atlas) {
  return atlas ? "SELECT DatabaseVersion FROM AtlasMaster ORDER BY Modified DESC"
               : "SELECT DB_VERSION FROM ATLAS_MASTER ORDER BY DATETIME DESC";
}

std::string MachinesSql(bool atlas) {
  return atlas ? "SELECT MachineId, MachineName, RoomNumber FROM Machine ORDER BY MachineId"
               : "SELECT mach.MACH_KEY, mach.TREE_NAME, room.TREE_NAME FROM DQA3_MACHINE mach "
                 "LEFT JOIN ROOM room ON room.ROOM_KEY = mach.ROOM_KEY ORDER BY mach.MACH_KEY";
}

std::string RowsSql(const std::string& version, size_t machines, size_t beam_types,
                    const std::set<std::string>& text_blobs) {
  std::string select;
  for (const std::string& c : PayloadColumns(version)) {
    std::string expr =
        text_blobs.count(c) ? "CAST(SUBSTRING(" + c + " FROM 1 FOR 4000) AS VARCHAR(4000))" : c;
    select += (select.empty() ? "SELECT " : ", ") + expr;
  }
  if (IsAtlasSchema(version)) {
    std::string sql = select +
                      " FROM Dqa3Data data"
                      " JOIN Device dev ON data.DeviceId = dev.DeviceId"
                      " JOIN MachineTemplate tmpl ON data.MachineTemplateId = tmpl.MachineTemplateId"
                      " JOIN Machine mach ON tmpl.MachineId = mach.MachineId"
                      " JOIN Energy energy ON tmpl.EnergyId = energy.EnergyId"
                      " WHERE data.Created >= :since";
    if (machines > 0) sql += InList("mach.MachineId", "m", machines);
    return sql + " ORDER BY data.Dqa3DataId";
  }
  // The template is joined through tr.SET_KEY, not data.SET_KEY: the vendor's
  // DATA_KEY race leaves tr.SET_KEY right (machine and beam stay correct).
  std::string sql = select +
                    " FROM DQA3_TREND tr"
                    " JOIN DQA3_DATA data ON tr.DATA_KEY = data.DATA_KEY"
                    " JOIN DEVICE dev ON data.DEVICE_KEY = dev.DEVICE_KEY"
                    " JOIN DQA3_TEMPLATE tmpl ON tr.SET_KEY = tmpl.SET_KEY"
                    " JOIN DQA3_MACHINE mach ON tmpl.MACH_KEY = mach.MACH_KEY"
                    " JOIN ROOM room ON room.ROOM_KEY = mach.ROOM_KEY"
                    " WHERE tr.MEASURED_DATETIME >= :since";
  if (machines > 0) sql += InList("mach.MACH_KEY", "m", machines);
  if (beam_types > 0) sql += InList("tmpl.BEAMTYPE", "b", beam_types);
  return sql + " ORDER BY tr.DATA_KEY, tr.SET_KEY";
}

std::string FirebirdBlobColumnsSql() {
  // 261 = BLOB in RDB$FIELDS.RDB$FIELD_TYPE. Names are CHAR-padded: TRIM them.
  return "SELECT TRIM(rf.RDB$RELATION_NAME), TRIM(rf.RDB$FIELD_NAME) "
         "FROM RDB$RELATION_FIELDS rf JOIN RDB$FIELDS f ON f.RDB$FIELD_NAME = rf.RDB$FIELD_SOURCE "
         "WHERE f.RDB$FIELD_TYPE = 261 AND rf.RDB$RELATION_NAME IN "
         "('DQA3_TREND', 'DQA3_DATA', 'DEVICE', 'DQA3_TEMPLATE', 'DQA3_MACHINE', 'ROOM')";
}

std::string AliasOfTable(const std::string& table) {
  if (table == "DQA3_TREND") return "tr";
  if (table == "DQA3_DATA") return "data";
  if (table == "DEVICE") return "dev";
  if (table == "DQA3_TEMPLATE") return "tmpl";
  if (table == "DQA3_MACHINE") return "mach";
  if (table == "ROOM") return "room";
  return "";
}

}  // namespace qcflow::dqa3
