#include "export/postgres/postgres_sink.h"

#include <soci/soci.h>

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include <exception>

#include "export/postgres/pg_conninfo.h"
#include "export/postgres/pg_connection.h"
#include "export/postgres/pg_delivery.h"
#include "export/postgres/pg_schema.h"
#include "store/content_hash.h"
#include "store/derived.h"
#include "store/text_util.h"

namespace qcflow::postgres {
namespace {

// Why PostgreSQL's text type cannot hold `s` ("" when it can).
std::string BadText(const std::string& s) {
  if (s.find('\0') != std::string::npos) return "contains a NUL character";
  if (auto at = FirstInvalidUtf8(s)) return "is not UTF-8 (byte " + std::to_string(*at) + ")";
  return "";
}

std::string BadSessionText(const QcSession& s) {
  auto check = [](const std::string& what, const std::string& v) {
    const std::string why = BadText(v);
    return why.empty() ? std::string() : what + " " + why;
  };
  for (const auto& [what, v] :
       std::vector<std::pair<std::string, const std::string*>>{
           {"user_key", &s.user_key}, {"source_kind", &s.source_kind}, {"source_id", &s.source_id},
           {"machine serial", &s.machine.serial}, {"machine name", &s.machine.name},
           {"unit name", &s.unit_name}, {"test list", &s.test_list_name}, {"procedure", &s.procedure},
           {"performer", &s.performer}, {"comment", &s.comment}}) {
    if (std::string why = check(what, *v); !why.empty()) return why;
  }
  for (const TestResult& t : s.tests) {
    for (const std::string* v : {&t.key, &t.name, &t.unit, &t.evaluation, &t.comment}) {
      if (std::string why = check("test " + t.key, *v); !why.empty()) return why;
    }
    if (t.text) {
      if (std::string why = check("the value of test " + t.key, *t.text); !why.empty()) return why;
    }
    if (t.file) {
      if (std::string why = check("the file name of test " + t.key, t.file->filename); !why.empty()) return why;
    }
  }
  return "";
}

// UTC µs as a timestamptz, exactly (no float seconds).
constexpr const char* kTime = "(timestamptz 'epoch' + CAST(:%s AS bigint) * interval '1 microsecond')";

std::string Time(const char* name) {
  char buf[128];
  std::snprintf(buf, sizeof(buf), kTime, name);
  return buf;
}

std::string S(std::string sql, const std::string& schema) { return WithSchema(std::move(sql), schema); }

// A double as PostgreSQL's float8 input reads it back exactly: the shortest
// round-trip decimal, or NaN / Infinity / -Infinity.
nlohmann::json Float8Text(const std::optional<double>& v) {
  if (!v) return nullptr;
  if (std::isnan(*v)) return "NaN";
  if (std::isinf(*v)) return *v > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, *v);
  return std::string(buf, r.ptr);
}

// A session's value rows as one JSON array for json_to_recordset, so they go
// to the server in one statement rather than one round trip per value.
std::string ValueRowsJson(const QcSession& s) {
  nlohmann::json rows = nlohmann::json::array();
  for (const TestResult& t : s.tests) {
    rows.push_back({{"key", t.key}, {"name", t.name}, {"number", Float8Text(t.number)},
                    {"text_value", t.text ? nlohmann::json(*t.text) : nlohmann::json(nullptr)},
                    {"skipped", t.skipped}, {"unit", t.unit}, {"role", std::string(TestRoleName(t.role))},
                    {"reference", Float8Text(t.reference)}, {"tolerance", Float8Text(t.tolerance)},
                    {"evaluation", t.evaluation}, {"comment", t.comment},
                    {"file_name", t.file ? nlohmann::json(t.file->filename) : nlohmann::json(nullptr)}});
  }
  // A stray non-UTF-8 byte becomes U+FFFD, as in the revision's JSON (EncodeQcSession).
  return rows.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The statements of one batch, prepared once and bound to the fields below.
class Writer {
 public:
  Writer(soci::session& sql, const std::string& schema, const std::string& site)
      : site_(site),
        upsert_(sql),
        clear_(sql),
        value_(sql),
        revision_(sql),
        delivery_(sql) {
    upsert_ = (sql.prepare << S(
                   "INSERT INTO {s}.sessions (site, user_key, source_kind, source_id, machine_serial, "
                   "machine_name, unit_name, test_list, procedure, performer, work_started, "
                   "work_completed, amendment, comment, content_hash, base_user_key) VALUES (:site, :uk, :sk, :sid, "
                   ":serial, :mname, :unit, :tl, :proc, :perf, " + Time("ws") + ", " + Time("wc") +
                   ", CAST(:amend AS integer) <> 0, :comment, :hash, :base) "
                   "ON CONFLICT (site, user_key) DO UPDATE SET source_kind = EXCLUDED.source_kind, "
                   "source_id = EXCLUDED.source_id, machine_serial = EXCLUDED.machine_serial, "
                   "machine_name = EXCLUDED.machine_name, unit_name = EXCLUDED.unit_name, "
                   "test_list = EXCLUDED.test_list, procedure = EXCLUDED.procedure, "
                   "performer = EXCLUDED.performer, work_started = EXCLUDED.work_started, "
                   "work_completed = EXCLUDED.work_completed, amendment = EXCLUDED.amendment, "
                   "comment = EXCLUDED.comment, content_hash = EXCLUDED.content_hash, "
                   "base_user_key = EXCLUDED.base_user_key, "
                   "revision = {s}.sessions.revision + 1, mirrored_at = now() "
                   "WHERE {s}.sessions.content_hash <> EXCLUDED.content_hash RETURNING revision",
                   schema),
               soci::use(site_), soci::use(user_key_), soci::use(source_kind_), soci::use(source_id_),
               soci::use(serial_), soci::use(machine_name_), soci::use(unit_name_), soci::use(test_list_),
               soci::use(procedure_), soci::use(performer_), soci::use(started_), soci::use(completed_),
               soci::use(amendment_), soci::use(comment_), soci::use(hash_), soci::use(base_),
               soci::into(revision_no_));
    clear_ = (sql.prepare << S("DELETE FROM {s}.session_values WHERE site = :site AND user_key = :uk", schema),
              soci::use(site_), soci::use(user_key_));
    value_ = (sql.prepare << S(
                  "INSERT INTO {s}.session_values (site, user_key, key, name, number, text_value, "
                  "skipped, unit, role, reference, tolerance, evaluation, comment, file_name) "
                  "SELECT :site, :uk, v.key, v.name, CAST(v.number AS double precision), v.text_value, "
                  "v.skipped, v.unit, v.role, CAST(v.reference AS double precision), "
                  "CAST(v.tolerance AS double precision), v.evaluation, v.comment, v.file_name "
                  "FROM json_to_recordset(CAST(:vals AS json)) AS v(key text, name text, number text, "
                  "text_value text, skipped boolean, unit text, role text, reference text, tolerance text, "
                  "evaluation text, comment text, file_name text)",
                  schema),
              soci::use(site_), soci::use(user_key_), soci::use(values_));
    revision_ = (sql.prepare << S("INSERT INTO {s}.session_revisions (site, user_key, revision, "
                                  "content_hash, session) VALUES (:site, :uk, :rev, :hash, CAST(:js AS json))",
                                  schema),
                 soci::use(site_), soci::use(user_key_), soci::use(revision_no_), soci::use(hash_),
                 soci::use(json_));
    // Keyed like its session; unchanged content writes nothing. Run even when the
    // session row is unchanged, so a session mirrored before schema version 3
    // gets its delivery row from a backfill or replay.
    delivery_ = (sql.prepare << S(
                     "INSERT INTO {s}.deliveries (site, user_key, source_kind, source_id, linac, machine_id, "
                     "field, field_name, energy, mu, prescribed_mu, started, ended, gantry_min, gantry_max, "
                     "collimator_min, collimator_max, interlocks, patient_id, content_hash) VALUES (:site, :uk, "
                     ":dk, :sid, :linac, :mid, :field, :fname, :energy, :mu, :pmu, " + Time("ws") + ", " +
                     Time("wc") + ", :gmin, :gmax, :cmin, :cmax, :il, NULL, :hash) "
                     "ON CONFLICT (site, user_key) DO UPDATE SET source_kind = EXCLUDED.source_kind, "
                     "source_id = EXCLUDED.source_id, linac = EXCLUDED.linac, machine_id = EXCLUDED.machine_id, "
                     "field = EXCLUDED.field, field_name = EXCLUDED.field_name, energy = EXCLUDED.energy, "
                     "mu = EXCLUDED.mu, prescribed_mu = EXCLUDED.prescribed_mu, started = EXCLUDED.started, "
                     "ended = EXCLUDED.ended, gantry_min = EXCLUDED.gantry_min, gantry_max = EXCLUDED.gantry_max, "
                     "collimator_min = EXCLUDED.collimator_min, collimator_max = EXCLUDED.collimator_max, "
                     "interlocks = EXCLUDED.interlocks, content_hash = EXCLUDED.content_hash, mirrored_at = now() "
                     "WHERE {s}.deliveries.content_hash <> EXCLUDED.content_hash "
                     "RETURNING CAST((xmax = 0) AS integer)",
                     schema),
                 soci::use(site_), soci::use(user_key_), soci::use(delivery_kind_), soci::use(source_id_),
                 soci::use(linac_), soci::use(machine_id_), soci::use(field_), soci::use(field_name_),
                 soci::use(energy_), soci::use(d_[0], d_ind_[0]), soci::use(d_[1], d_ind_[1]),
                 soci::use(started_), soci::use(completed_), soci::use(d_[2], d_ind_[2]),
                 soci::use(d_[3], d_ind_[3]), soci::use(d_[4], d_ind_[4]), soci::use(d_[5], d_ind_[5]),
                 soci::use(interlocks_, interlocks_ind_), soci::use(hash_), soci::into(delivery_new_));
  }

  enum class Outcome { kUnchanged, kInserted, kUpdated };
  struct Written {
    Outcome session = Outcome::kUnchanged;  // the session (or, with sessions off, its delivery row)
    bool delivery = false;                  // a deliveries row written
  };

  // Writes what `sessions`/`deliveries` ask for of one session.
  Written Write(const QcSession& s, const std::string& encoded, const std::string& hash, bool sessions,
                bool deliveries) {
    Bind(s, encoded, hash);
    Written w;
    if (sessions) {
      int revision = 0;
      if (WriteSession(s, &revision)) w.session = revision == 1 ? Outcome::kInserted : Outcome::kUpdated;
    }
    if (deliveries) {
      if (std::optional<DeliveryRow> row = DeliveryRowOf(s)) {
        w.delivery = WriteDelivery(*row);
        if (!sessions && w.delivery) w.session = delivery_new_ ? Outcome::kInserted : Outcome::kUpdated;
      }
    }
    return w;
  }

 private:
  bool WriteDelivery(const DeliveryRow& r) {
    delivery_kind_ = r.source_kind;
    linac_ = r.linac;
    machine_id_ = r.machine_id;
    field_ = r.field;
    field_name_ = r.field_name;
    energy_ = r.energy;
    const std::optional<double>* v[6] = {&r.mu, &r.prescribed_mu, &r.gantry_min, &r.gantry_max,
                                         &r.collimator_min, &r.collimator_max};
    for (int i = 0; i < 6; ++i) {
      d_ind_[i] = v[i]->has_value() ? soci::i_ok : soci::i_null;
      d_[i] = v[i]->value_or(0);
    }
    interlocks_ind_ = r.interlocks ? soci::i_ok : soci::i_null;
    interlocks_ = r.interlocks.value_or("");
    delivery_.execute(true);
    return delivery_.got_data();
  }

  void Bind(const QcSession& s, const std::string& encoded, const std::string& hash) {
    user_key_ = s.user_key;
    source_kind_ = s.source_kind;
    source_id_ = s.source_id;
    serial_ = s.machine.serial;
    machine_name_ = s.machine.name;
    unit_name_ = s.unit_name;
    test_list_ = s.test_list_name;
    procedure_ = s.procedure;
    performer_ = s.performer;
    started_ = s.work_started;
    completed_ = s.work_completed;
    amendment_ = s.amendment ? 1 : 0;
    comment_ = s.comment;
    hash_ = hash;
    base_ = BaseUserKey(s.user_key, s.amendment);
    json_ = encoded;
  }

  // True when the row was written (new or changed); `revision` says which.
  bool WriteSession(const QcSession& s, int* revision) {
    upsert_.execute(true);
    if (!upsert_.got_data()) return false;  // same content hash: nothing to change
    *revision = revision_no_;
    clear_.execute(true);
    if (!s.tests.empty()) {
      values_ = ValueRowsJson(s);
      value_.execute(true);
    }
    revision_.execute(true);
    return true;
  }

  std::string delivery_kind_, linac_, machine_id_, field_, field_name_, energy_, interlocks_;
  double d_[6] = {};
  soci::indicator d_ind_[6] = {soci::i_null, soci::i_null, soci::i_null, soci::i_null, soci::i_null, soci::i_null};
  soci::indicator interlocks_ind_ = soci::i_null;
  int delivery_new_ = 0;
  std::string site_, user_key_, source_kind_, source_id_, serial_, machine_name_, unit_name_,
      test_list_, procedure_, performer_, comment_, hash_, base_, json_;
  long long started_ = 0, completed_ = 0;
  int amendment_ = 0, revision_no_ = 0;
  std::string values_;  // ValueRowsJson of the session
  soci::statement upsert_, clear_, value_, revision_, delivery_;
};

}  // namespace

Result<std::unique_ptr<PostgresSink>> PostgresSink::Create(Store* store, PostgresSinkConfig config) {
  if (config.name.empty()) return Status::InvalidArgument("PostgreSQL sink needs a name");
  QCFLOW_RETURN_IF_ERROR(CheckConninfo(config.conninfo));
  if (!IsPlainIdentifier(config.schema)) {
    return Status::InvalidArgument("schema \"" + config.schema + "\" must be lowercase letters, digits and "
                                   "_ (not starting with a digit), at most 63 characters");
  }
  if (config.site.empty()) return Status::InvalidArgument("site is required (this site's name)");
  if (config.batch_limit == 0) config.batch_limit = 1;
  return std::unique_ptr<PostgresSink>(new PostgresSink(store, std::move(config)));
}

PostgresSink::PostgresSink(Store* store, PostgresSinkConfig config) : store_(store), config_(std::move(config)) {}

PostgresSink::~PostgresSink() = default;

std::string PostgresSink::Clean(std::string msg) const { return RedactSecret(std::move(msg), config_.password); }

void PostgresSink::Disconnect() { sql_.reset(); }

Status PostgresSink::Open() {
  sql_.reset();
  // So a DBA sees which qcflow sink a connection is (pg_stat_activity).
  auto sql = OpenPg({config_.conninfo, config_.password, config_.connect_timeout_seconds,
                     "qcflow sink " + config_.name});
  if (!sql.ok()) return sql.status();
  sql_ = std::move(*sql);
  analyzed_ = false;
  return Status::OK();
}

Status PostgresSink::Connect() {
  QCFLOW_RETURN_IF_ERROR(Open());
  Result<int> before = MigrateSchema(*sql_, config_.schema);
  if (!before.ok()) {
    sql_.reset();
    return before.status();  // its messages carry no conninfo
  }
  try {
    *sql_ << S("INSERT INTO {s}.sites (site) VALUES (:site) ON CONFLICT (site) DO UPDATE SET last_seen = now()",
               config_.schema),
        soci::use(config_.site);
  } catch (const std::exception& e) {
    sql_.reset();
    return Status::Unavailable(Clean("recording site \"" + config_.site + "\": " + ErrorText(e)));
  }
  return Status::OK();
}

Result<std::string> PostgresSink::Describe() {
  QCFLOW_RETURN_IF_ERROR(Open());
  Result<SchemaState> state = InspectSchema(*sql_, config_.schema);
  sql_.reset();
  if (!state.ok()) return state.status();
  std::string out = "schema \"" + config_.schema + "\" ";
  if (state->would_do.empty()) return out + "is at version " + std::to_string(state->version) + " (current)";
  out += state->version == 0 ? "does not exist yet" : "is at version " + std::to_string(state->version);
  out += "; the first run will";
  for (size_t i = 0; i < state->would_do.size(); ++i) out += (i ? "; then " : " ") + state->would_do[i];
  return out;
}

std::string PostgresSink::Prepare(const OutboxItem& item, Prepared* out, Status* store_error) {
  auto record = store_->derived().Get(item.ref_ns, item.ref_key);
  if (!record.ok()) {
    *store_error = record.status();
    return "";
  }
  if (!record->has_value()) return "session record " + item.ref_ns + "/" + item.ref_key + " is missing";
  auto session = DecodeQcSession(**record);
  if (!session.ok()) return "session record does not decode: " + session.status().message();
  out->item = item;
  return PrepareSession(std::move(*session), out);
}

std::string PostgresSink::PrepareSession(QcSession session, Prepared* out) const {
  if (auto m = config_.mappings.find(session.source_id); m != config_.mappings.end()) {
    if (Status st = ApplySessionMapping(m->second, &session); !st.ok()) return st.message();
  }
  if (Status v = ValidateQcSession(session); !v.ok()) return v.message();
  if (std::string why = BadSessionText(session); !why.empty()) {
    return "session " + session.user_key + ": " + why + ", which PostgreSQL cannot store";
  }
  if (!config_.sessions && !(config_.deliveries && IsDeliverySession(session))) {
    return "session " + session.user_key + " is no delivery and this sink mirrors deliveries only "
           "(sessions = false); route only iCom and TRF sources to it";
  }
  out->encoded = EncodeQcSession(session);
  out->hash = Fnv1a64Hex(out->encoded);
  out->session = std::move(session);
  return "";
}

Status PostgresSink::WriteBatch(const std::vector<Prepared>& ready, PgDeliveryReport* report) {
  size_t inserted = 0, updated = 0, unchanged = 0, deliveries = 0;
  try {
    soci::transaction tx(*sql_);
    Writer writer(*sql_, config_.schema, config_.site);
    for (const Prepared& p : ready) {
      const Writer::Written w = writer.Write(p.session, p.encoded, p.hash, config_.sessions, config_.deliveries);
      deliveries += w.delivery;
      switch (w.session) {
        case Writer::Outcome::kUnchanged: ++unchanged; break;
        case Writer::Outcome::kInserted: ++inserted; break;
        case Writer::Outcome::kUpdated: ++updated; break;
      }
    }
    if (config_.before_commit) config_.before_commit();
    tx.commit();
  } catch (const std::exception& e) {
    // Rolled back (or the connection is gone): every item stays pending.
    sql_.reset();
    return Status::Unavailable(Clean("writing " + std::to_string(ready.size()) + " session(s) to PostgreSQL (" +
                                     config_.conninfo + "): " + ErrorText(e)));
  }
  report->inserted += inserted;
  report->updated += updated;
  report->unchanged += unchanged;
  report->deliveries += deliveries;
  if (inserted > 0 && !analyzed_) AnalyzeSessions();
  return Status::OK();
}

void PostgresSink::AnalyzeSessions() {
  // The foreign-key checks of value and revision rows look their session up
  // with a plan cached per connection. Planned while `sessions` has no
  // statistics (a new schema, a new site), it may use sessions_base by site
  // alone, reading every session of the site for each value row: a backfill
  // went quadratic (10,000 deliveries: 43 s, 4.7 s with this). Statistics of a
  // few hundred rows already show site is not selective. A role that does not
  // own the table gets a warning, not an error; any failure only costs speed.
  analyzed_ = true;
  try {
    *sql_ << S("ANALYZE {s}.sessions", config_.schema);
  } catch (const std::exception&) {
  }
}

Status PostgresSink::WriteWithRetry(const std::vector<Prepared>& ready, PgDeliveryReport* report) {
  const bool reused = sql_ != nullptr;
  Status st = reused ? Status::OK() : Connect();
  if (st.ok()) st = WriteBatch(ready, report);
  // A connection kept from an earlier round may have died since (a server
  // restart, a failover): one more try on a fresh one before backing off.
  if (!st.ok() && reused) {
    st = Connect();
    if (st.ok()) st = WriteBatch(ready, report);
  }
  return st;
}

void PgDeliveryReport::Add(PgDeliveryReport later) {
  attempted += later.attempted;
  inserted += later.inserted;
  updated += later.updated;
  unchanged += later.unchanged;
  deliveries += later.deliveries;
  dead_lettered += later.dead_lettered;
  for (std::string& why : later.refused) refused.push_back(std::move(why));
  failure = std::move(later.failure);
}

PgDeliveryReport PostgresSink::Mirror(std::vector<QcSession> sessions) {
  PgDeliveryReport report;
  std::vector<Prepared> ready;
  for (QcSession& s : sessions) {
    ++report.attempted;
    Prepared p;
    const std::string key = s.user_key;
    if (std::string why = PrepareSession(std::move(s), &p); !why.empty()) {
      ++report.dead_lettered;
      report.refused.push_back(key + ": " + why);
      continue;
    }
    ready.push_back(std::move(p));
  }
  if (!ready.empty()) report.failure = WriteWithRetry(ready, &report);
  return report;
}

Result<PgDeliveryReport> PostgresSink::DeliverOnce(MicrosUtc now) {
  PgDeliveryReport report;
  if (store_ == nullptr) return Status::FailedPrecondition("this PostgreSQL sink has no store (checks only)");
  auto items = store_->outbox().List(config_.name, config_.batch_limit);
  if (!items.ok()) return items.status();
  std::vector<Prepared> ready;
  std::vector<OutboxItem> dead;
  for (const OutboxItem& item : *items) {
    ++report.attempted;
    Prepared p;
    Status store_error;
    std::string why = Prepare(item, &p, &store_error);
    if (!store_error.ok()) return store_error;
    if (!why.empty()) {
      OutboxItem d = item;
      d.state = OutboxState::kDeadLetter;
      d.attempts += 1;
      d.last_error = why;
      d.updated_at = now;
      d.next_try_at = 0;
      dead.push_back(std::move(d));
      continue;
    }
    ready.push_back(std::move(p));
  }
  std::vector<std::pair<OutboxItem, MicrosUtc>> acks;
  std::vector<Outbox::SinkError> errors;
  if (!ready.empty()) {
    report.failure = WriteWithRetry(ready, &report);
    if (report.failure.ok()) {
      for (const Prepared& p : ready) acks.emplace_back(p.item, now);
    }
  }
  if (!report.failure.ok()) errors.push_back({config_.name, report.failure.message(), now});
  if (!acks.empty() && config_.crash_before_ack && config_.crash_before_ack()) {
    return Status::Internal("simulated crash after COMMIT, before the acks were written");
  }
  report.dead_lettered = dead.size();
  QCFLOW_RETURN_IF_ERROR(store_->outbox().Settle(dead, acks, errors));
  return report;
}

}  // namespace qcflow::postgres
