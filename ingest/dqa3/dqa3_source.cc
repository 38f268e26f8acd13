#include "ingest/dqa3/dqa3_source.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <deque>
#include <set>

#include <nlohmann/json.hpp>
#include <soci/soci.h>

#include "ingest/dqa3/dqa3_columns.h"
#include "ingest/dqa3/queries.h"
#include "ingest/dqa3/row_json.h"
#include "ingest/dqa3/session.h"
#include "store/journal.h"
#include "store/record.h"

namespace qcflow::dqa3 {
namespace {

constexpr const char* kSupported = "qcflow reads 01.03, 01.04, 01.06, 1.5";

bool AllDigits(const std::string& s) {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string Text(const soci::row& r, size_t i) {
  if (r.get_indicator(i) == soci::i_null) return "";
  switch (r.get_properties(i).get_data_type()) {
    case soci::dt_integer: return std::to_string(r.get<int>(i));
    case soci::dt_long_long: return std::to_string(r.get<long long>(i));
    case soci::dt_unsigned_long_long: return std::to_string(r.get<unsigned long long>(i));
    case soci::dt_double: {
      double d = r.get<double>(i);
      return d == static_cast<double>(static_cast<long long>(d))
                 ? std::to_string(static_cast<long long>(d))
                 : std::to_string(d);
    }
    default: return r.get<std::string>(i);
  }
}

// What beam type a payload row has, for the Atlas filter (FFF = Photon + flag 1).
std::string AtlasBeamType(const std::string& row_json_type, bool fff_flag) {
  return fff_flag ? "FFF" : row_json_type;
}

// The ids of the configured machines (display name, name or id), once each. Names
// that match nothing or more than one machine are reported.
std::vector<std::string> ResolveMachines(const std::vector<std::string>& wanted,
                                         const std::vector<Dqa3Machine>& machines,
                                         Dqa3PollReport* report) {
  std::string known;
  for (const Dqa3Machine& m : machines) known += (known.empty() ? "" : ", ") + m.display_name;
  std::vector<std::string> ids;
  for (const std::string& want : wanted) {
    size_t matches = 0;
    for (const Dqa3Machine& m : machines) {
      if (want != m.display_name && want != m.name && want != m.id) continue;
      ++matches;
      if (std::find(ids.begin(), ids.end(), m.id) == ids.end()) ids.push_back(m.id);
    }
    if (matches == 0) {
      report->unmapped_machines.push_back(want);
      report->problems.push_back("configured DQA3 machine \"" + want +
                                 "\" is not in the database; known: " +
                                 (known.empty() ? std::string("none") : known));
    } else if (matches > 1) {
      report->problems.push_back("configured DQA3 machine \"" + want + "\" matches " +
                                 std::to_string(matches) +
                                 " machines (all are read); name one as <room>/<machine> or by id");
    }
  }
  return ids;
}

}  // namespace

Status ValidateDqa3SourceConfig(const Dqa3SourceConfig& config) {
  if (config.name.empty()) {
    return Status::InvalidArgument("a DQA3 source needs a name (it becomes the journal source id)");
  }
  QCFLOW_RETURN_IF_ERROR(ValidateConnection(config.connection)
                             .WithContext("DQA3 source \"" + config.name + "\""));
  Status zone = CheckZone(config.db_zone);
  if (!zone.ok()) {
    return Status::InvalidArgument("DQA3 source \"" + config.name + "\": db_zone \"" +
                                   config.db_zone + "\" is not a known IANA time zone");
  }
  if (config.history_days < 1) {
    return Status::InvalidArgument("DQA3 source \"" + config.name +
                                   "\": history_days must be at least 1");
  }
  if (config.batch_size < 1) {
    return Status::InvalidArgument("DQA3 source \"" + config.name +
                                   "\": batch_size must be at least 1");
  }
  for (const std::string& b : config.beam_types) {
    if (b != "Photon" && b != "Electron" && b != "FFF") {
      return Status::InvalidArgument("DQA3 source \"" + config.name + "\": beam type \"" + b +
                                     "\" is not one of Photon, Electron, FFF");
    }
  }
  return Status::OK();
}

std::string DatabaseIdentity(const Dqa3SourceConfig& config) {
  return config.database_id.empty() ? DefaultDatabaseIdentity(config.connection)
                                    : config.database_id;
}

class Dqa3Source::Impl {
 public:
  explicit Impl(const Dqa3SourceConfig& config) : config_(config) {}

  Status Open(soci::session* sql) { return OpenSession(config_.connection, OpenMode::kReadOnly, sql); }

  Status Guarded(const std::string& what, const std::function<void()>& fn) {
    return Guard(config_.connection, what + " (" + DescribeConnection(config_.connection) + ")",
                 fn);
  }

  Result<std::string> Detect(soci::session& sql) {
    std::string raw;
    bool found = false;
    // Firebird databases are never Atlas; ODBC/SQLite may be either.
    std::vector<bool> kinds = {false};
    if (config_.connection.backend != Dqa3Backend::kFirebird) kinds.push_back(true);
    std::string first_error;
    for (bool atlas : kinds) {
      Status s = Guarded("reading the DQA3 schema version", [&] {
        soci::row r;
        soci::statement st = (sql.prepare << VersionSql(atlas), soci::into(r));
        st.execute(false);
        if (st.fetch()) {
          raw = Text(r, 0);
          found = true;
        }
      });
      if (s.ok() && found) break;
      if (!s.ok() && first_error.empty()) first_error = s.message();
      // A failed statement can leave the transaction unusable (ODBC, SQLite).
      Guarded("resetting the transaction", [&] { sql.rollback(); });
    }
    if (!found) {
      if (!first_error.empty()) {
        return Status::FailedPrecondition(
            first_error + "; this does not look like a DQA3 database (no ATLAS_MASTER or "
                          "AtlasMaster table)");
      }
      return Status::FailedPrecondition("the DQA3 version table is empty in " +
                                        DescribeConnection(config_.connection));
    }
    std::string version = NormaliseSchemaVersion(raw);
    if (!IsSupportedSchema(version)) {
      return Status::FailedPrecondition("unsupported DQA3 schema version " + raw + " (" +
                                        kSupported + ")");
    }
    return version;
  }

  Result<std::vector<Dqa3Machine>> Machines(soci::session& sql, bool atlas) {
    std::vector<Dqa3Machine> out;
    Status s = Guarded("listing DQA3 machines", [&] {
      soci::row r;
      soci::statement st = (sql.prepare << MachinesSql(atlas), soci::into(r));
      st.execute(false);
      while (st.fetch()) {
        Dqa3Machine m;
        m.id = Text(r, 0);
        m.name = Text(r, 1);
        m.room = Text(r, 2);
        if (config_.connection.backend == Dqa3Backend::kFirebird &&
            config_.connection.firebird.charset == "WIN1251") {
          m.name = Win1251ToUtf8(m.name);
          m.room = Win1251ToUtf8(m.room);
        }
        m.display_name = m.room.empty() ? m.name : m.room + "/" + m.name;
        out.push_back(std::move(m));
      }
    });
    if (!s.ok()) return s;
    return out;
  }

  // Takes a full (or the last) batch of records and empties it.
  using BatchSink = std::function<Status(std::vector<Record>* batch, Dqa3PollReport* report)>;

  // Reads the rows since `since` into records, handed to `flush` in batches.
  Result<Dqa3PollReport> Poll(MicrosUtc since, MicrosUtc now, const BatchSink& flush);

  // Appends `batch` and counts the outcome.
  static Status Flush(Journal* journal, std::vector<Record>* batch, Dqa3PollReport* report) {
    if (batch->empty()) return Status::OK();
    Result<std::vector<AppendResult>> r = journal->AppendBatch(*batch);
    if (!r.ok()) return r.status().WithContext("journaling DQA3 rows");
    for (const AppendResult& a : *r) (a.duplicate ? report->duplicates : report->appended)++;
    batch->clear();
    return Status::OK();
  }

 private:
  const Dqa3SourceConfig& config_;
};

Result<Dqa3PollReport> Dqa3Source::Impl::Poll(MicrosUtc since, MicrosUtc now, const BatchSink& flush) {
  Dqa3PollReport report;
  report.since = since;
  soci::session sql;
  QCFLOW_RETURN_IF_ERROR(Open(&sql));
  Result<std::string> version = Detect(sql);
  if (!version.ok()) return version.status();
  report.schema_version = *version;
  bool atlas = IsAtlasSchema(*version);
  Result<std::vector<Dqa3Machine>> machines = Machines(sql, atlas);
  if (!machines.ok()) return machines.status();
  report.machines_found = machines->size();
  report.machines = *machines;

  std::vector<std::string> ids = ResolveMachines(config_.machines, *machines, &report);
  report.machines_polled = config_.machines.empty() ? machines->size() : ids.size();
  if (!config_.machines.empty() && ids.empty()) return report;

  Result<CivilTime> since_local = UtcToCivil(since, config_.db_zone);
  if (!since_local.ok()) return since_local.status();
  std::tm since_tm = ToTm(*since_local);
  bool numeric_ids = true;
  for (const std::string& id : ids) numeric_ids = numeric_ids && AllDigits(id);
  // Bound values must outlive the statement: deques never move their elements.
  std::deque<long long> id_numbers;
  std::deque<std::string> id_texts;
  std::deque<std::string> beams(config_.beam_types.begin(), config_.beam_types.end());
  size_t beam_params = atlas ? 0 : beams.size();

  const std::vector<std::string>& keys = PayloadColumns(*version);
  const bool win1251 = config_.connection.backend == Dqa3Backend::kFirebird &&
                       config_.connection.firebird.charset == "WIN1251";
  const std::string identity = DatabaseIdentity(config_);
  const std::string identity_json = nlohmann::json(identity).dump();
  size_t beam_type_col = 0, flag_col = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i] == "energy.BeamType") beam_type_col = i;
    if (keys[i] == "energy.BeamTypeFlag") flag_col = i;
  }
  std::set<std::string> text_blobs;
  if (config_.connection.backend == Dqa3Backend::kFirebird) {
    QCFLOW_RETURN_IF_ERROR(Guarded("reading the DQA3 column types", [&] {
      soci::row r;
      soci::statement st = (sql.prepare << FirebirdBlobColumnsSql(), soci::into(r));
      st.execute(false);
      while (st.fetch()) {
        std::string alias = AliasOfTable(Text(r, 0));
        if (!alias.empty()) text_blobs.insert(alias + "." + Text(r, 1));
      }
    }));
  }
  std::vector<Record> batch;
  Status flush_status;
  Status s = Guarded("reading DQA3 rows", [&] {
    soci::row r;
    soci::details::prepare_temp_type pt =
        (sql.prepare << RowsSql(*version, ids.size(), beam_params, text_blobs));
    pt, soci::use(since_tm, "since");
    for (size_t i = 0; i < ids.size(); ++i) {
      std::string name = "m" + std::to_string(i);
      if (numeric_ids) {
        id_numbers.push_back(std::stoll(ids[i]));
        pt, soci::use(id_numbers.back(), name);
      } else {
        id_texts.push_back(ids[i]);
        pt, soci::use(id_texts.back(), name);
      }
    }
    for (size_t i = 0; i < beam_params; ++i) pt, soci::use(beams[i], "b" + std::to_string(i));
    pt, soci::into(r);
    soci::statement st(pt);
    st.execute(false);
    while (st.fetch()) {
      if (atlas && !beams.empty()) {
        std::string type = AtlasBeamType(Text(r, beam_type_col), Text(r, flag_col) == "1");
        bool wanted = false;
        for (const std::string& b : beams) wanted = wanted || b == type;
        if (!wanted) continue;
      }
      ++report.rows_read;
      Result<ConvertedRow> row = ConvertRow(r, keys, win1251);
      if (!row.ok()) {
        report.problems.push_back(row.status().message());
        continue;
      }
      if (row->replaced_invalid_utf8) {
        report.problems.push_back("row " + row->data_key +
                                  " holds text that is not UTF-8; set charset = \"WIN1251\" if "
                                  "the database is Cyrillic (invalid bytes were replaced)");
      }
      Result<MicrosUtc> when = CivilToUtc(row->work_started, config_.db_zone);
      if (!when.ok()) {
        report.problems.push_back("row " + row->data_key + ": " + when.status().message());
        continue;
      }
      Record rec;
      rec.kind = Kind::kDqa3;
      rec.source_id = config_.name;
      rec.event_time = *when;
      rec.event_time_text = row->work_started_text;
      rec.capture_time = now;
      rec.dedup_key = identity + "|" + row->data_key;
      if (row->set_key_mismatch) {
        ++report.race_flagged;
        // Another trend row may carry the same DATA_KEY (that is the race).
        rec.dedup_key += "|set:" + row->set_key;
      }
      rec.payload = std::string("{\"v\":1,\"schema\":\"") + *version + "\",\"database\":" +
                    identity_json + ",\"set_key_mismatch\":" +
                    (row->set_key_mismatch ? "true" : "false") + ",\"row\":" + row->row_json + "}";
      batch.push_back(std::move(rec));
      if (batch.size() >= config_.batch_size) {
        flush_status = flush(&batch, &report);
        if (!flush_status.ok()) return;
      }
    }
  });
  if (!flush_status.ok()) return flush_status;
  if (!s.ok()) return s;
  QCFLOW_RETURN_IF_ERROR(flush(&batch, &report));
  return report;
}

Dqa3Source::Dqa3Source(Dqa3SourceConfig config)
    : config_(std::move(config)), impl_(std::make_unique<Impl>(config_)) {}

Dqa3Source::~Dqa3Source() = default;

Result<std::string> Dqa3Source::DetectSchema() {
  soci::session sql;
  QCFLOW_RETURN_IF_ERROR(impl_->Open(&sql));
  return impl_->Detect(sql);
}

Result<std::vector<Dqa3Machine>> Dqa3Source::DiscoverMachines() {
  soci::session sql;
  QCFLOW_RETURN_IF_ERROR(impl_->Open(&sql));
  Result<std::string> version = impl_->Detect(sql);
  if (!version.ok()) return version.status();
  return impl_->Machines(sql, IsAtlasSchema(*version));
}

MicrosUtc Dqa3Source::HistoryStart(MicrosUtc now) const {
  return now - int64_t{config_.history_days} * 86400 * kMicrosPerSecond;
}

Result<Dqa3PollReport> Dqa3Source::Poll(Journal* journal, MicrosUtc now) {
  return PollSince(journal, HistoryStart(now), now);
}

Result<Dqa3PollReport> Dqa3Source::PollSince(Journal* journal, MicrosUtc since, MicrosUtc now) {
  return impl_->Poll(since, now, [journal](std::vector<Record>* batch, Dqa3PollReport* report) {
    return Impl::Flush(journal, batch, report);
  });
}

Result<Dqa3PollReport> Dqa3Source::Read(MicrosUtc now, const std::function<void(Record)>& each) {
  return impl_->Poll(HistoryStart(now), now, [&each](std::vector<Record>* batch, Dqa3PollReport*) {
    for (Record& r : *batch) each(std::move(r));
    batch->clear();
    return Status::OK();
  });
}

}  // namespace qcflow::dqa3
