// Internal to ingest/dqa3: the SQL text of every statement the source sends. Only
// SELECTs; every config value is a named placeholder (:since, :m0.., :b0..) that
// the caller binds — the text depends on nothing but the schema version and how
// many values are bound.
#ifndef QCFLOW_INGEST_DQA3_QUERIES_H_
#define QCFLOW_INGEST_DQA3_QUERIES_H_

#include <cstddef>
#include <set>
#include <string>

namespace qcflow::dqa3 {

// Newest version row first (spec: "Detecting the schema version").
std::string VersionSql(bool atlas);

// Columns: id, machine name, room name (NULL when the machine has no room).
std::string MachinesSql(bool atlas);

// Measurement rows of `version` since :since, for :m0..:m<machines-1> (omitted when
// machines == 0: every machine) and beam types :b0.. (omitted when beam_types == 0;
// always omitted for Atlas, whose FFF beams are BeamType 'Photon' + BeamTypeFlag 1 and
// are filtered after reading). Columns in PayloadColumns(version) order.
// `text_blobs` names payload keys ("data.COMMENTS") that are BLOB columns in this
// Firebird database: SOCI cannot read BLOBs in dynamic rows, so those are selected as
// CAST(SUBSTRING(x FROM 1 FOR 4000) AS VARCHAR(4000)) (longer text is cut at 4000).
// REQUIRES: IsSupportedSchema(version).
std::string RowsSql(const std::string& version, size_t machines, size_t beam_types,
                    const std::set<std::string>& text_blobs = {});

// Firebird only: (payload key) of every BLOB column in the vendor's trend tables.
// Columns: alias-qualified key built from RDB$RELATION_NAME and RDB$FIELD_NAME.
std::string FirebirdBlobColumnsSql();

// "DQA3_DATA" -> "data", ... ; empty for a table the queries do not use.
std::string AliasOfTable(const std::string& table);

}  // namespace qcflow::dqa3

#endif  // QCFLOW_INGEST_DQA3_QUERIES_H_
